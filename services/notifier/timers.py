"""Reminders, overdue notices and parents' digests as durable timers: JetStream scheduled
messages, one schedule subject per timer (chidao.timer.<kind>.<ids>), delivered to
chidao.fired.<kind>.<ids> when due. Scheduling the same timer again replaces it; purging
its subject cancels it. No cron and nothing in memory: a restart loses no timer.

The notifier owns them: it schedules an assignment's timers after mailing the assignment,
cancels them when the unit's report arrives, and re-checks the report when one fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from nats.js import JetStreamContext
from pydantic import AwareDatetime, BaseModel

from shared import subjects, topology
from shared.clock import Clock
from shared.contracts import Assignment
from shared.directory import Directory
from shared.publishing import Pipeline
from shared.settings import Settings


class Timer(BaseModel):
    """The payload of a schedule; it comes back as is on chidao.fired.*."""

    id: str  # also the ledger key of the mail it causes
    kind: Literal["remind", "overdue", "digest"]
    days_before: int | None = None
    unit_id: str  # who is mailed: the assigned unit, or for a digest its parent
    assignment: Assignment
    at: AwareDatetime  # on the chidao clock

    @property
    def tokens(self) -> tuple[str, ...]:
        a = self.assignment
        kind = f"remind-{self.days_before}d" if self.kind == "remind" else self.kind
        if self.kind == "digest":
            return kind, a.directive_id, a.requirement.id, self.unit_id
        return kind, a.directive_id, a.unit_id, a.requirement.id


def _at_header(real_epoch: float) -> str:
    """ "@at" in RFC 3339 with milliseconds: a simulated clock running days per second
    needs them (whole seconds would fire timers days early), and JetStream honours them
    (measured here: 0-200 ms late, never early). A time already past fires at once."""
    real_epoch = max(real_epoch, time.time() + 0.05)
    stamp = datetime.fromtimestamp(real_epoch, UTC).isoformat(timespec="milliseconds")
    return "@at " + stamp.replace("+00:00", "Z")


class Timers:
    def __init__(
        self,
        js: JetStreamContext,
        settings: Settings,
        clock: Clock,
        directory: Callable[[], Directory],
    ) -> None:
        self._js = js
        self._clock = clock
        self._reminder_days = sorted(set(settings.reminder_days), reverse=True)
        self._digest_after = timedelta(days=settings.digest_after_days)
        self._directory = directory

    def plan(self, assignment: Assignment) -> list[Timer]:
        """The timers an assignment needs from now on. A deadline already passed when the
        assignment was made gets none: its mail already said so."""
        due = assignment.requirement.due_before
        now = self._clock.now()
        if due is None or due <= assignment.assigned_at:
            return []
        timers = []
        for days in self._reminder_days:
            at = due - timedelta(days=days)
            if at > now and at > assignment.assigned_at:
                timers.append(self._timer("remind", assignment, assignment.unit_id, at, days))
        timers.append(self._timer("overdue", assignment, assignment.unit_id, due))
        parent = self._directory().get(assignment.unit_id)
        if parent is not None and parent.parent is not None:
            timers.append(
                self._timer("digest", assignment, parent.parent, due + self._digest_after)
            )
        return timers

    def _timer(
        self, kind, assignment: Assignment, unit_id: str, at: datetime, days: int | None = None
    ) -> Timer:
        draft = Timer(
            id="-", kind=kind, days_before=days, unit_id=unit_id, assignment=assignment, at=at
        )
        return draft.model_copy(update={"id": "timer." + ".".join(draft.tokens)})

    async def schedule(self, timers: list[Timer]) -> None:
        """Pipelined; a timer scheduled again (a redelivered assignment, or every unit of
        a parent asking for the same digest) replaces itself."""
        if not timers:
            return
        pipeline = Pipeline(self._js, topology.TIMERS.name)
        for timer in timers:
            await pipeline.add_with_headers(
                subjects.timer(*timer.tokens),
                timer.model_dump_json().encode(),
                msg_id=timer.id,
                headers={
                    "Nats-Schedule": _at_header(self._clock.real_epoch_of(timer.at)),
                    "Nats-Schedule-Target": subjects.fired(*timer.tokens),
                },
            )
        await pipeline.flush()

    async def cancel(self, directive_id: str, unit_id: str, requirement_id: str) -> int:
        """Drop the reminders and overdue notice still pending for an assignment; returns
        how many there were. (A parent's digest stays: it lists whoever is late then.)"""
        pattern = f"{subjects.TIMER}.*.{directive_id}.{unit_id}.{requirement_id}"
        info = await self._js.stream_info(topology.TIMERS.name, subjects_filter=pattern)
        pending = sum((info.state.subjects or {}).values())
        if pending:
            await self._js.purge_stream(topology.TIMERS.name, subject=pattern)
        return pending
