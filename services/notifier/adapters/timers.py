"""Reminders, overdue notices and parents' digests as durable timers (shared/timers.py:
JetStream scheduled messages on chidao.timer.notifier.<kind>.<ids>, fired to
chidao.fired.notifier.<kind>.<ids>).

The notifier owns them: it schedules an assignment's timers after mailing the assignment
(and the unopened timer, which mails it again if nobody opens it), cancels them when the
unit's report arrives (all of a directive's when it is recalled, one unit's when a
correction takes it off), plans them again when an extension or a correction moves the
deadline, and re-checks the report (and the recall, and the assignment in force) when
one fires.
Which timers, and when, is services/notifier/domain/timer_plan.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from nats.js import JetStreamContext

from services.notifier.domain.timer_plan import (
    UNOPENED,
    Heartbeat,
    Timer,
    correction_of,
    extension_of,
    heartbeat_slot,
    plan,
    unopened_timer,
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
        # working-day reminders ("3wd") and the unopened timer's working hours count on
        # the operator's calendar, read again at most every CALENDAR_SECONDS
        # (CalendarCopy); none read when every reminder counts calendar days and no
        # unopened timer is set
        every = (*self._reminder_days, *self._urgent_days)
        self._unopened_hours = settings.unopened_hours
        self._working = any(r.endswith("wd") for r in every) or self._unopened_hours > 0
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

    def plan(self, assignment: Assignment, extension: int = 0, correction: int = 0) -> list[Timer]:
        """The timers an assignment needs from now on (domain/timer_plan.py), counted on
        the calendar ``refresh_calendar`` last read; ``extension``: the number of the
        extension whose deadline ``assignment`` carries, ``correction`` of the correction
        it was published again for."""
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
            correction=correction,
        )

    def unopened(self, assignment: Assignment, mailed_at: datetime) -> Timer | None:
        """The timer that mails ``assignment`` again if nobody opens it within
        ``unopened_hours`` working hours of ``mailed_at`` (domain/timer_plan.py), counted
        on the calendar ``refresh_calendar`` last read; None when the setting is 0."""
        return unopened_timer(assignment, mailed_at, self._unopened_hours, self._calendar)

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
        """Drop the reminders, overdue notice and unopened timer still pending for an
        assignment (its report came in); returns how many there were. (A parent's digest
        stays: it lists whoever is late then.)"""
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

    async def cancel_assignment(self, directive_id: str, unit_id: str, requirement_id: str) -> int:
        """Drop everything still pending for one unit's assignment, a correction having
        taken the unit off: its reminders and overdue notice, of every correction and
        extension, and the parent's digests planned for its extensions; returns how many.
        (The parent's digest of all its units stays: it lists whoever is late then.)"""
        own = f"*.{directive_id}.{unit_id}.{requirement_id}"  # kind.d.u.r
        digests = f"*.{directive_id}.{requirement_id}.*.{unit_id}"  # kind.d.r.parent.u
        dropped = 0
        for pattern in (own, digests):
            dropped += await shared_timers.cancel(self._js, OWNER, pattern)
        return dropped

    async def cancel_superseded(
        self, directive_id: str, unit_id: str, requirement_id: str, extension: int
    ) -> int:
        """Drop the assignment's pending reminders and overdue notice, and the parent's
        digest planned for an earlier extension of it, all but those planned for
        ``extension``; returns how many. Those are kept because a grant handled again
        schedules them again with the same ids: inside the duplicate window JetStream
        would drop the new schedules, and a purge first would leave none."""
        own = f"*.{directive_id}.{unit_id}.{requirement_id}"  # kind.d.u.r
        digests = f"*.{directive_id}.{requirement_id}.*.{unit_id}"  # kind.d.r.parent.u
        return await self._purge((own, digests), lambda kind: extension_of(kind) != extension)

    async def cancel_before_correction(
        self, assignment: Assignment, correction: int, extension: int = 0
    ) -> int:
        """Drop the assignment's pending reminders and overdue notice, and the parent's
        digests of the requirement, planned for the directive before its
        ``correction``-th correction (and for its extensions up to ``extension``, which
        the corrected deadline superseded); returns how many. Those planned for it are
        kept (handled again, it schedules them again with the same ids, as a grant
        does), and so are those of a later correction (handled first, out of order) and
        of a later extension (granted meanwhile, by another consumer)."""
        a = assignment
        d, r = a.directive_id, a.requirement.id
        # kind.d.u.r, and the parent's digests of the unit's extensions, kind.d.r.parent.u
        patterns = [f"*.{d}.{a.unit_id}.{r}", f"*.{d}.{r}.*.{a.unit_id}"]
        unit = self._directory().get(a.unit_id)
        if unit is not None and unit.parent is not None:
            patterns.append(f"*.{d}.{r}.{unit.parent}")  # kind.d.r.parent: every unit's
        return await self._purge(
            patterns,
            lambda kind: correction_of(kind) < correction and extension_of(kind) <= extension,
        )

    async def _purge(self, patterns: Iterable[str], drop: Callable[[str], bool]) -> int:
        """Purge each pending timer on ``patterns`` whose kind token ``drop`` says."""
        dropped = 0
        prefix = f"{subjects.TIMER}.{OWNER}."
        stream = topology.TIMERS.name
        for pattern in patterns:
            info = await self._js.stream_info(stream, subjects_filter=prefix + pattern)
            for subject, count in (info.state.subjects or {}).items():
                kind = subject.removeprefix(prefix).split(".", 1)[0]
                # the unopened timer follows the mail, not a deadline: a deadline moved
                # by an extension or a correction leaves the unit just as unopened
                if kind != UNOPENED and drop(kind):
                    await self._js.purge_stream(stream, subject=subject)
                    dropped += count
        return dropped
