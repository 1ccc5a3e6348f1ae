"""The services' redelivery and dead-letter middleware (shared/service.py), on a real
nats-server, with a toy ``Service`` whose one handler fails the way it is told to:

- a transient error a few times, then success: redelivered after the backoff, then acked;
- a permanent ``DomainError`` (``Invalid``, ``PermanentError``): one dead letter with the
  reason at the first delivery, the message terminated, never redelivered;
- ``Busy`` (a transient ``DomainError``): redelivered, like any transient error;
- an error every time: a dead letter after ``js_max_deliver`` deliveries, then terminated.

The toy stream is declared by the test as the admin would; the Service is given only its
consumer, so it declares that and waits for the dead-letter stream (the admin's)."""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from faststream.nats.annotations import NatsMessage
from nats.js import JetStreamContext

from chidao.runtime.admin import EVERYONE, declare_topology
from shared import service as service_module
from shared import topology
from shared.deadletters import DeadLetter, list_all
from shared.errors import Busy, Invalid, PermanentError
from shared.service import Service
from shared.settings import Settings
from tests.support import eventually, stream_count

TOY = topology.StreamSpec("TOY_REDELIVERY", ("toy.>",), "the redelivery test's toy events")
TOY_CONSUMER = topology.ConsumerSpec(
    "toy-handler", TOY.name, "toy.>", "the toy handler that fails as it is told"
)
MAX_DELIVER = 3
BACKOFF = (0.2, 0.4, 0.6)  # instead of 1 s, 5 s, 15 s ...: the same growing waits, shorter
DEAD_LETTER_RECORDS = "chidao.dlq.>"
TERMINATED = f"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.{TOY.name}.{TOY_CONSUMER.durable}"


class Transient(RuntimeError):
    """What a handler meets when something it needs is briefly away."""


@dataclass
class Toy:
    service: Service
    js: JetStreamContext
    # per subject: the delivery count JetStream gave each delivery, and when it came
    deliveries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    arrived: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    handled: Counter = field(default_factory=Counter)  # returned without an error

    async def publish(self, subject: str) -> int:
        ack = await self.js.publish(subject, b'{"toy": true}', stream=TOY.name)
        return ack.seq

    async def settled(self) -> bool:
        """Nothing left for the consumer: every message acked or terminated."""
        info = await self.js.consumer_info(TOY.name, TOY_CONSUMER.durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    def dead_letters_counted(self) -> float:
        value = self.service.registry.get_sample_value(
            "chidao_dead_letters_total", {"consumer": TOY_CONSUMER.durable}
        )
        return value or 0.0


@pytest.fixture
def small_settings(nats_server, monkeypatch) -> Settings:
    # the middleware reads the waits from shared.service at each failure
    monkeypatch.setattr(service_module, "REDELIVERY_BACKOFF", BACKOFF)
    # an ack wait far above the backoff: a redelivery seen here is the middleware's nak
    # with its delay, never JetStream giving up on a silent handler
    return Settings(nats_url=nats_server.url, js_max_deliver=MAX_DELIVER, js_ack_wait=30)


@asynccontextmanager
async def toy_service(
    js, settings: Settings, behaviour: Callable[[str, int], None]
) -> AsyncIterator[Toy]:
    """The toy Service running in this process; ``behaviour(case, delivery)`` raises or
    returns for each delivery of a message on ``toy.<case>.<n>``."""
    # as the admin: the toy stream and the dead-letter stream the Service waits for
    await topology.ensure_streams(js, settings, (TOY, topology.DEAD_LETTERS))
    # and what every service waits for: the audit stream, the accounts and tokens buckets
    await declare_topology(settings.nats_url, settings, EVERYONE)
    service = Service("toy", settings, consumers=(TOY_CONSUMER,), uses_directory=False)
    toy = Toy(service, js)

    @service.subscriber(TOY_CONSUMER, batch_size=8, timeout=0.2)
    async def handle(body: dict, msg: NatsMessage) -> None:
        raw = msg.raw_message
        delivery = raw.metadata.num_delivered
        toy.deliveries[raw.subject].append(delivery)
        toy.arrived[raw.subject].append(time.monotonic())
        behaviour(raw.subject.split(".")[1], delivery)
        toy.handled[raw.subject] += 1

    async with service.app.router.lifespan_context(service.app):
        await eventually(service.started.is_set, within=20, what="the toy service started")
        yield toy


def _fails(times: int, error: Callable[[], Exception]) -> Callable[[int], None]:
    def fail_first(delivery: int) -> None:
        if delivery <= times:
            raise error()

    return fail_first


BEHAVIOURS: dict[str, Callable[[int], None]] = {
    "transient": _fails(2, lambda: Transient("the store is away")),  # ok at the 3rd and last
    "busy": _fails(1, lambda: Busy("changed meanwhile; send it again")),
    "invalid": _fails(
        MAX_DELIVER, lambda: Invalid("the report is not valid", {"sessions": "not a number"})
    ),
    "permanent": _fails(MAX_DELIVER, lambda: PermanentError("550 mailbox unavailable")),
    "always": _fails(MAX_DELIVER, lambda: Transient("still away")),
}


def behave(case: str, delivery: int) -> None:
    BEHAVIOURS[case](delivery)


async def _records(js) -> list[DeadLetter]:
    """The service's own dead-letter records (not JetStream's advisories)."""
    return [letter for letter in await list_all(js) if letter.service == "toy"]


async def _terminated(js) -> bool:
    """JetStream's advisory that the consumer terminated a message (the only one here)."""
    return await stream_count(js, topology.DEAD_LETTERS.name, TERMINATED) > 0


@pytest.mark.parametrize(
    ("case", "deliveries"), [("transient", [1, 2, 3]), ("busy", [1, 2])], ids=str
)
async def test_a_transient_failure_is_redelivered_after_the_backoff_then_acked(
    js, small_settings, case, deliveries
):
    subject = f"toy.{case}.1"
    async with toy_service(js, small_settings, behave) as toy:
        await toy.publish(subject)
        await eventually(lambda: toy.handled[subject] == 1, within=15, what="success")
        await eventually(toy.settled, within=10, what="the message acked")

        assert toy.deliveries[subject] == deliveries  # num_delivered grew by one each time
        # each redelivery waited at least its step of the backoff (the nak's delay)
        times = toy.arrived[subject]
        for step, (before, after) in enumerate(itertools.pairwise(times)):
            assert after - before >= BACKOFF[step] * 0.9, (step, after - before)
        info = await js.consumer_info(TOY.name, TOY_CONSUMER.durable)
        assert info.num_redelivered == 0 and info.ack_floor.stream_seq == 1
        assert await stream_count(js, topology.DEAD_LETTERS.name) == 0  # no dead letter
        assert toy.dead_letters_counted() == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [("invalid", "the report is not valid"), ("permanent", "550 mailbox unavailable")],
    ids=str,
)
async def test_a_permanent_failure_is_dead_lettered_at_once_and_never_redelivered(
    js, small_settings, case, reason
):
    subject = f"toy.{case}.1"
    async with toy_service(js, small_settings, behave) as toy:
        seq = await toy.publish(subject)
        records = await eventually(lambda: _records(js), within=15, what="the dead letter")
        await eventually(lambda: _terminated(js), within=10, what="the message terminated")
        await eventually(toy.settled, within=10, what="nothing left to deliver")

        [letter] = records
        assert letter.reason == reason
        assert (letter.consumer, letter.stream, letter.stream_seq) == (
            TOY_CONSUMER.durable,
            TOY.name,
            seq,
        )
        assert (letter.subject, letter.deliveries, letter.service) == (subject, 1, "toy")
        assert toy.deliveries[subject] == [1]  # no redelivery
        info = await js.consumer_info(TOY.name, TOY_CONSUMER.durable)
        assert info.num_redelivered == 0 and info.ack_floor.stream_seq == seq
        assert await stream_count(js, topology.DEAD_LETTERS.name, DEAD_LETTER_RECORDS) == 1
        assert toy.dead_letters_counted() == 1
        assert [x.id for x in await list_all(js)] == [letter.id]  # the advisory is the same


async def test_a_handler_failing_every_time_is_dead_lettered_after_max_deliver(js, small_settings):
    subject = "toy.always.1"
    async with toy_service(js, small_settings, behave) as toy:
        seq = await toy.publish(subject)
        records = await eventually(lambda: _records(js), within=15, what="the dead letter")
        await eventually(lambda: _terminated(js), within=10, what="the message terminated")
        await eventually(toy.settled, within=10, what="nothing left to deliver")

        [letter] = records
        assert letter.deliveries == MAX_DELIVER
        assert letter.reason.startswith(f"failed on each of {MAX_DELIVER} deliveries; last: ")
        assert "Transient('still away')" in letter.reason
        assert (letter.subject, letter.stream_seq) == (subject, seq)
        assert toy.deliveries[subject] == list(range(1, MAX_DELIVER + 1))
        assert toy.handled[subject] == 0
        assert await stream_count(js, topology.DEAD_LETTERS.name, DEAD_LETTER_RECORDS) == 1
        assert toy.dead_letters_counted() == 1


async def test_each_message_meets_its_own_fate_side_by_side(js, small_settings):
    """The five behaviours at once on one consumer: a failing message holds up no other."""
    async with toy_service(js, small_settings, behave) as toy:
        seqs = {case: await toy.publish(f"toy.{case}.1") for case in BEHAVIOURS}
        await eventually(
            lambda: toy.handled["toy.transient.1"] + toy.handled["toy.busy.1"] == 2,
            within=15,
            what="the transient ones handled",
        )
        records = await eventually(
            lambda: _wanted(_records(js), 3), within=15, what="three dead letters"
        )
        await eventually(toy.settled, within=10, what="nothing left to deliver")

        assert {x.stream_seq: x.deliveries for x in records} == {
            seqs["invalid"]: 1,
            seqs["permanent"]: 1,
            seqs["always"]: MAX_DELIVER,
        }
        assert toy.deliveries == {
            "toy.transient.1": [1, 2, 3],
            "toy.busy.1": [1, 2],
            "toy.invalid.1": [1],
            "toy.permanent.1": [1],
            "toy.always.1": [1, 2, 3],
        }
        assert toy.dead_letters_counted() == 3


async def _wanted(letters, count: int):
    found = await letters
    return found if len(found) >= count else None
