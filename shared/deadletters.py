"""Dead letters: messages a service gave up on, with the reason, kept in the
CHIDAO_DEAD_LETTERS stream so that an operator can see them (``chidao dlq list``) and, once
the cause is fixed, deliver them again (``chidao dlq replay ID``).

Each record names the original message by stream and sequence; replaying republishes that
message to its subject, and the consumers (idempotent everywhere) handle it as new.
JetStream's own advisories for exhausted or terminated messages land in the same stream
and are listed too, for the cases a service could not record (a process that died)."""

from __future__ import annotations

import json
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import AwareDatetime

from shared.contracts.base import Contract
from shared.topology import DEAD_LETTERS

SUBJECT = "chidao.dlq"


class DeadLetter(Contract):
    id: str  # "<consumer>.<stream sequence>"
    service: str | None
    consumer: str
    stream: str
    stream_seq: int
    subject: str | None
    reason: str
    deliveries: int
    at: AwareDatetime


def dead_letter_id(consumer: str, stream_seq: int) -> str:
    return f"{consumer}.{stream_seq}"


async def record(js: JetStreamContext, letter: DeadLetter) -> None:
    await js.publish(
        f"{SUBJECT}.{letter.id}",
        letter.model_dump_json().encode(),
        stream=DEAD_LETTERS.name,
        headers={"Nats-Msg-Id": f"dlq.{letter.id}"},
    )


def _from_advisory(data: dict, when: datetime) -> DeadLetter | None:
    try:
        consumer, seq = data["consumer"], int(data["stream_seq"])
    except (KeyError, TypeError, ValueError):
        return None
    reason = data.get("reason") or (
        f"gave up after {data.get('deliveries', '?')} deliveries (no reason recorded)"
    )
    return DeadLetter(
        id=dead_letter_id(consumer, seq),
        service=None,
        consumer=consumer,
        stream=data.get("stream", "?"),
        stream_seq=seq,
        subject=None,
        reason=reason,
        deliveries=int(data.get("deliveries") or 0),
        at=when,
    )


async def list_all(js: JetStreamContext) -> list[DeadLetter]:
    """Every dead letter, the service's own record preferred to JetStream's advisory."""
    letters: dict[str, DeadLetter] = {}
    try:
        info = await js.stream_info(DEAD_LETTERS.name)
    except NotFoundError:
        return []
    if info.state.messages == 0:
        return []
    sub = await js.pull_subscribe(
        ">",
        stream=DEAD_LETTERS.name,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    try:
        remaining = info.state.messages
        while remaining > 0:
            batch = await sub.fetch(min(remaining, 256), timeout=5)
            remaining -= len(batch)
            for msg in batch:
                await msg.ack()
                when = msg.metadata.timestamp
                if msg.subject.startswith(SUBJECT + "."):
                    letter = DeadLetter.model_validate_json(msg.data)
                    letters[letter.id] = letter
                else:
                    advisory = _from_advisory(json.loads(msg.data), when)
                    if advisory and advisory.id not in letters:
                        letters[advisory.id] = advisory
    finally:
        await sub.unsubscribe()
    return sorted(letters.values(), key=lambda letter: letter.at)


async def replay(js: JetStreamContext, letter_id: str) -> tuple[DeadLetter, int]:
    """Publish the original message again; returns the record and the new sequence."""
    letters = {letter.id: letter for letter in await list_all(js)}
    if letter_id not in letters:
        raise LookupError(f"no dead letter '{letter_id}'; chidao dlq list shows them")
    letter = letters[letter_id]
    try:
        original = await js.get_msg(letter.stream, letter.stream_seq)
    except NotFoundError as exc:
        raise LookupError(
            f"the message {letter.stream} #{letter.stream_seq} is no longer in its stream"
        ) from exc
    headers = {k: v for k, v in (original.headers or {}).items() if not k.startswith("Nats-")}
    headers["Nats-Msg-Id"] = f"replay.{letter.id}"
    if not original.subject:  # a stored message always has one; nats-py types it optional
        raise LookupError(f"the message {letter.stream} #{letter.stream_seq} has no subject")
    ack = await js.publish(
        original.subject, original.data or b"", stream=letter.stream, headers=headers
    )
    return letter, ack.seq
