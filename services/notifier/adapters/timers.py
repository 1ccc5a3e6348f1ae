"""Reminders, overdue notices and parents' digests as durable timers (shared/timers.py:
JetStream scheduled messages on chidao.timer.notifier.<kind>.<ids>, fired to
chidao.fired.notifier.<kind>.<ids>).

The notifier owns them: it schedules an assignment's timers after mailing the assignment,
cancels them when the unit's report arrives (all of a directive's when it is recalled),
and re-checks the report (and the recall) when one fires.
Which timers, and when, is services/notifier/domain/timer_plan.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from nats.js import JetStreamContext

from services.notifier.domain.timer_plan import (
    Heartbeat,
    Timer,
    extension_of,
    heartbeat_slot,
    plan,
)
from shared import subjects, topology
from shared import timers as shared_timers
from shared.clock import Clock
from shared.contracts import Assignment
from shared.directory import Directory
from shared.settings import Settings
from shared.workdays import CalendarCopy, WorkCalendar

OWNER = "notifier"  # the timers' subjects are the notifier's own


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
        self._reminder_days = tuple(str(r) for r in settings.reminder_days)
        self._urgent_days = tuple(str(r) for r in settings.urgent_reminder_days)
        # working-day reminders ("3wd") count on the operator's calendar, read again at
        # most every CALENDAR_SECONDS (CalendarCopy); none read when every reminder counts
        # calendar days
        every = (*self._reminder_days, *self._urgent_days)
        self._working = any(r.endswith("wd") for r in every)
        self._calendar = WorkCalendar()
        self._calendar_copy = CalendarCopy(js)
        self._digest_after = timedelta(days=settings.digest_after_days)
        self._directory = directory
        self._heartbeat_every = settings.heartbeat_seconds
        self._heartbeat_slot = -1  # the last heartbeat this process scheduled

    async def refresh_calendar(self) -> None:
        """Read the operator's calendar again if working-day reminders need it and the
        copy is older than shared.workdays.CALENDAR_SECONDS."""
        if self._working:
            self._calendar = await self._calendar_copy.get()

    def plan(self, assignment: Assignment, extension: int = 0) -> list[Timer]:
        """The timers an assignment needs from now on (domain/timer_plan.py), counted on
        the calendar ``refresh_calendar`` last read; ``extension``: the number of the
        extension whose deadline ``assignment`` carries."""
        unit = self._directory().get(assignment.unit_id)
        calendar = self._calendar
        return plan(
            assignment,
            self._clock.now(),
            reminder_days=self._urgent_days if assignment.urgency else self._reminder_days,
            digest_after=self._digest_after,
            parent=unit.parent if unit is not None else None,
            calendar=lambda: calendar,
            extension=extension,
        )

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
        slot, due = heartbeat_slot(now, every)
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
                    # "1" for 1.0 s, "0-5" for 0.5 s: ids are slugs
                    subjects.timer_id("heartbeat", format(every, "g").replace(".", "-"), str(slot)),
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

    async def cancel_directive(self, directive_id: str) -> int:
        """Drop every timer still pending under a directive (its recall): each unit's
        reminders and overdue notice and the parents' digests, of every requirement,
        period and extension; returns how many. Both kinds of subject name the directive
        right after the kind (kind.d.u.r, and kind.d.r.parent[.u] for a digest), and no
        other timer of the notifier has a second token (the heartbeat has none)."""
        return await shared_timers.cancel(self._js, OWNER, f"*.{directive_id}.>")

    async def cancel_superseded(
        self, directive_id: str, unit_id: str, requirement_id: str, extension: int
    ) -> int:
        """Drop the assignment's pending reminders and overdue notice, and the parent's
        digest planned for an earlier extension of it, all but those planned for
        ``extension``; returns how many. Those are kept because a grant handled again
        schedules them again with the same ids: inside the duplicate window JetStream
        would drop the new schedules, and a purge first would leave none."""
        dropped = 0
        prefix = f"{subjects.TIMER}.{OWNER}."
        own = f"*.{directive_id}.{unit_id}.{requirement_id}"  # kind.d.u.r
        digests = f"*.{directive_id}.{requirement_id}.*.{unit_id}"  # kind.d.r.parent.u
        for pattern in (own, digests):
            stream = topology.TIMERS.name
            info = await self._js.stream_info(stream, subjects_filter=prefix + pattern)
            for subject, count in (info.state.subjects or {}).items():
                kind = subject.removeprefix(prefix).split(".", 1)[0]
                if extension_of(kind) != extension:
                    await self._js.purge_stream(stream, subject=subject)
                    dropped += count
        return dropped
