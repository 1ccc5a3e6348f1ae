"""Durable timers, for any service: JetStream scheduled messages on the TIMERS stream,
one schedule subject per timer (``chidao.timer.<owner>.<kind>.<ids>``), delivered to
``chidao.fired.<owner>.<kind>.<ids>`` when due, where the owner's consumer takes them.
Scheduling the same subject again replaces the timer; purging the subject cancels it.
No cron and nothing in memory: a restart loses no timer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext

from shared import subjects, topology
from shared.publishing import Pipeline


def at_header(real_epoch: float) -> str:
    """ "@at" in RFC 3339 with milliseconds: a simulated clock running days per second
    needs them (whole seconds would fire timers hours early), and JetStream honours them
    (measured here: 0-200 ms late, never early). A time already past fires at once."""
    real_epoch = max(real_epoch, time.time() + 0.05)
    stamp = datetime.fromtimestamp(real_epoch, UTC).isoformat(timespec="milliseconds")
    return "@at " + stamp.replace("+00:00", "Z")


@dataclass(frozen=True)
class Schedule:
    tokens: tuple[str, ...]  # kind, then the ids: the timer's subject after the owner
    payload: bytes  # comes back as is on the fired subject
    real_epoch: float  # when, in real unix time (a simulated clock converts)
    msg_id: str


async def schedule(js: JetStreamContext, owner: str, timers: list[Schedule]) -> None:
    """Pipelined; a timer scheduled again replaces itself."""
    if not timers:
        return
    pipeline = Pipeline(js, topology.TIMERS.name)
    for timer in timers:
        await pipeline.add_with_headers(
            subjects.timer(owner, *timer.tokens),
            timer.payload,
            msg_id=timer.msg_id,
            headers={
                "Nats-Schedule": at_header(timer.real_epoch),
                "Nats-Schedule-Target": subjects.fired(owner, *timer.tokens),
            },
        )
    await pipeline.flush()


async def cancel(js: JetStreamContext, owner: str, pattern: str) -> int:
    """Drop the pending timers whose subject after the owner matches ``pattern`` (NATS
    wildcards); returns how many there were."""
    subject = f"{subjects.TIMER}.{owner}.{pattern}"
    info = await js.stream_info(topology.TIMERS.name, subjects_filter=subject)
    pending = sum((info.state.subjects or {}).values())
    if pending:
        await js.purge_stream(topology.TIMERS.name, subject=subject)
    return pending
