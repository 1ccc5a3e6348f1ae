"""Dead letters on a real nats-server: a service's record with its reason, JetStream's
advisory for a message terminated without one, and replaying the original message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.js.api import ConsumerConfig

from shared import topology
from shared.deadletters import DeadLetter, dead_letter_id, list_all, record, replay
from tests.support import eventually, stream_count

STREAM = topology.ASSIGNMENTS.name
SUBJECT = "chidao.assignment.created.d1.cb-a.r1"


@pytest.fixture
async def streams(js, settings):
    await topology.ensure_streams(js, settings, (topology.ASSIGNMENTS, topology.DEAD_LETTERS))


async def _original(js) -> int:
    ack = await js.publish(
        SUBJECT, b'{"schema": 1}', stream=STREAM, headers={"Nats-Msg-Id": "a1", "traceparent": "x"}
    )
    return ack.seq


def _letter(seq: int, reason: str) -> DeadLetter:
    return DeadLetter(
        id=dead_letter_id("notifier-assignment-created", seq),
        service="notifier",
        consumer="notifier-assignment-created",
        stream=STREAM,
        stream_seq=seq,
        subject=SUBJECT,
        reason=reason,
        deliveries=1,
        at=datetime.now(UTC),
    )


async def test_a_recorded_dead_letter_is_listed_with_its_reason_and_replayed(js, streams):
    seq = await _original(js)
    await record(js, _letter(seq, "550 mailbox unavailable"))
    await record(js, _letter(seq, "550 mailbox unavailable"))  # a redelivered give-up

    letters = await list_all(js)
    assert [(x.id, x.reason, x.subject) for x in letters] == [
        (f"notifier-assignment-created.{seq}", "550 mailbox unavailable", SUBJECT)
    ]

    letter, new_seq = await replay(js, letters[0].id)
    assert new_seq > seq
    again = await js.get_msg(STREAM, new_seq)
    assert again.subject == SUBJECT and again.data == b'{"schema": 1}'
    assert again.headers["traceparent"] == "x"  # the trace goes on
    assert again.headers["Nats-Msg-Id"] == f"replay.{letter.id}"
    # replaying the same letter twice (a double click) publishes it once
    assert (await replay(js, letter.id))[1] == new_seq
    assert await stream_count(js, STREAM) == 2


async def test_a_message_terminated_without_a_record_is_listed_from_the_advisory(js, streams):
    seq = await _original(js)
    sub = await js.pull_subscribe(
        SUBJECT, durable="some-consumer", stream=STREAM, config=ConsumerConfig(max_deliver=3)
    )
    [msg] = await sub.fetch(1, timeout=5)
    await msg.term()

    letters = await eventually(lambda: list_all(js), within=10, what="the advisory")
    assert [(x.id, x.stream, x.stream_seq, x.service) for x in letters] == [
        (f"some-consumer.{seq}", STREAM, seq, None)
    ]
    assert letters[0].reason  # says why, even without a service's record


async def test_an_unknown_dead_letter_is_a_plain_error(js, streams):
    with pytest.raises(LookupError, match="chidao dlq list"):
        await replay(js, "nobody.42")
