"""Reminders, overdue notices and parents' digests as durable timers (shared/timers.py:
JetStream scheduled messages on chidao.timer.notifier.<kind>.<ids>, fired to
chidao.fired.notifier.<kind>.<ids>).

The notifier owns them: it schedules an assignment's timers after mailing the assignment,
cancels them when the unit's report arrives, and re-checks the report when one fires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from nats.js import JetStreamContext
from pydantic import AwareDatetime, BaseModel

from shared import timers as shared_timers
from shared.clock import Clock
from shared.contracts import Assignment
from shared.directory import Directory
from shared.settings import Settings

OWNER = "notifier"  # the timers' subjects are the notifier's own


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


class Heartbeat(BaseModel):
    """A timer the notifier sets for itself once a period (CHIDAO_HEARTBEAT_SECONDS, a
    minute), due in the middle of the next half-period: its arrival shows
    that JetStream's scheduled messages fire and reach the notifier (the
    ChidaoRemindersNotFiring alert watches the time it last arrived)."""

    heartbeat_at: float  # real unix time it is due


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
        self._heartbeat_every = settings.heartbeat_seconds
        self._heartbeat_slot = -1  # the last heartbeat this process scheduled

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
        """A timer scheduled again (a redelivered assignment, or every unit of a parent
        asking for the same digest) replaces itself."""
        await shared_timers.schedule(
            self._js,
            OWNER,
            [
                shared_timers.Schedule(
                    t.tokens,
                    t.model_dump_json().encode(),
                    self._clock.real_epoch_of(t.at),
                    t.id,
                )
                for t in timers
            ],
        )

    async def schedule_heartbeat(self, now: float) -> None:
        """One per period, whichever replica schedules it first (the Nats-Msg-Id names
        the period), due in its middle."""
        every = self._heartbeat_every
        slot = int(now // every)
        due = slot * every + every / 2
        if due <= now:
            slot += 1
            due += every
        if slot == self._heartbeat_slot:
            return  # already scheduled by this process
        await shared_timers.schedule(
            self._js,
            OWNER,
            [
                shared_timers.Schedule(
                    ("heartbeat",),
                    Heartbeat(heartbeat_at=due).model_dump_json().encode(),
                    due,
                    f"timer.heartbeat.{every:g}.{slot}",
                )
            ],
        )
        self._heartbeat_slot = slot

    async def cancel(self, directive_id: str, unit_id: str, requirement_id: str) -> int:
        """Drop the reminders and overdue notice still pending for an assignment; returns
        how many there were. (A parent's digest stays: it lists whoever is late then.)"""
        return await shared_timers.cancel(
            self._js, OWNER, f"*.{directive_id}.{unit_id}.{requirement_id}"
        )
