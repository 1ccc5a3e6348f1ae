"""A timer fired: a reminder or an overdue notice to a unit that has not reported yet, the
parent's digest of who is late, or the assignment mailed again to a unit that has not
opened it (handlers/unopened.py), unless the directive was recalled; and the
notifier's own heartbeat timer. The assignment in force is the last one on its subject
(a correction publishes it again): a unit it took off is not chased, nor one whose
deadline it moved by a timer planned for the earlier deadline."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import collecting, recipient
from services.notifier.domain.late_units import Assigned, late_units
from services.notifier.domain.mails import LateUnit, Mail, digest_mail, overdue_mail, reminder_mail
from services.notifier.domain.timer_plan import (
    HANDLING_SECONDS,
    Heartbeat,
    Timer,
    TimerOutcome,
    stale,
)
from services.notifier.handlers.mailing import deliver, link_for, mailed
from services.notifier.handlers.unopened import unopened_fired
from shared.contracts import Assignment, due_in_force

log = logging.getLogger(__name__)


async def timer_fired(deps: Deps, timer: Timer) -> TimerOutcome:
    now = deps.clock.now()
    deps.metrics.timer_delay.observe(max(0.0, (now - timer.at).total_seconds()))
    outcome: TimerOutcome
    if stale(timer, now, tolerance(deps)):
        deps.metrics.timers_stale.labels(timer.kind).inc()
        log.info("stale timer dropped", extra={"timer": timer.id, "late_by": str(now - timer.at)})
        outcome = "stale"
    elif await records.recalled(deps.js, timer.assignment.directive_id) is not None:
        # its directive was recalled after it was set (the recall's cancel came too
        # late, or the timer was set after it): nothing is asked under it any more
        log.info("timer of a recalled directive dropped", extra={"timer": timer.id})
        outcome = "recalled"
    elif timer.kind == "digest":
        outcome = await _digest(deps, timer)
    elif timer.kind == "unopened":
        outcome = await unopened_fired(deps, timer)
    else:
        outcome = await _chase(deps, timer)
    deps.metrics.timers_fired.labels(timer.kind, outcome).inc()
    return outcome


def tolerance(deps: Deps) -> timedelta:
    """``reminder_tolerance_hours`` on the service's clock, and never less than the real
    ``HANDLING_SECONDS`` (a simulated clock runs them by in a moment)."""
    handling = timedelta(seconds=HANDLING_SECONDS * deps.clock.factor)
    return max(timedelta(hours=deps.settings.reminder_tolerance_hours), handling)


async def _chase(deps: Deps, timer: Timer) -> TimerOutcome:
    """A reminder or the overdue notice, unless the unit was taken off by a correction,
    the report came in after it was set, or an extension or a correction moved the
    deadline it was set for."""
    a = timer.assignment
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    latest = await records.assignment(deps.js, *ids)
    if latest is not None and latest.cancelled:
        # a correction took the unit off after it was set (its cancel came too late)
        log.info("timer of an assignment taken off dropped", extra={"timer": timer.id})
        return "cancelled"
    if await records.last_report(deps.js, *ids) is not None:
        return "reported"
    if await _moved(deps, timer, latest):
        # the timers planned for the deadline in force say what is true now
        log.info("timer for a moved deadline dropped", extra={"timer": timer.id})
        return "moved"
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    mail: Mail
    if timer.kind == "remind":
        days = timer.days_before or 0
        link = link_for(deps, a)
        mail = reminder_mail(timer.id, a, unit, directory, days, link, timer.working_days)
    else:
        mail = overdue_mail(timer.id, a, unit, directory, link_for(deps, a))
    for delivered in await deliver(deps, [mail]):
        await mailed(deps, a, delivered)  # it carries the link too: the unit is reached
    return "mailed"


async def _moved(deps: Deps, timer: Timer, latest: Assignment | None) -> bool:
    """Whether the deadline in force (the last assignment's, unless an extension was
    granted) is no longer the one ``timer`` was planned for, or a later correction
    planned timers of its own instead (a timer planned for an extension stays the
    extension's: the extended deadline outlives a correction)."""
    a = timer.assignment
    due = a.requirement.due_before
    assigned = latest.requirement.due_before if latest is not None else due
    story = await records.extensions(deps.js, a.directive_id, a.unit_id, a.requirement.id)
    if due_in_force(assigned, story) != due:
        return True
    return not timer.extension and latest is not None and latest.correction > timer.correction


async def _digest(deps: Deps, timer: Timer) -> TimerOutcome:
    missing, late = await _late_under(deps, timer)
    if not missing and not late:
        return "nobody_late"
    directory = deps.directory()
    to = collecting(directory, timer.assignment, timer.unit_id)
    under = directory.name(timer.unit_id) if to != timer.unit_id else None
    mail = digest_mail(timer.id, timer.assignment, recipient(directory, to), missing, late, under)
    await deliver(deps, [mail])
    return "mailed"


async def _late_under(deps: Deps, timer: Timer) -> tuple[list[LateUnit], list[LateUnit]]:
    """(still missing, reported late) among the parent's units assigned the requirement,
    each by its own deadline in force (an extension granted to one moves only its own; a
    correction's, the last assignment's)."""
    a, directory = timer.assignment, deps.directory()
    requirement = a.requirement.id

    async def status(child: str) -> Assigned | None:
        ids = (a.directive_id, child, requirement)
        own = await records.assignment(deps.js, *ids)
        if own is None or own.cancelled:
            return None  # never assigned it, or a correction took it off: not late
        report, story = await asyncio.gather(
            records.last_report(deps.js, *ids), records.extensions(deps.js, *ids)
        )
        return child, report, due_in_force(own.requirement.due_before, story)

    found = await asyncio.gather(*(status(c) for c in directory.children(timer.unit_id)))
    assigned = [f for f in found if f is not None]
    return late_units(assigned, directory.name, deps.clock.now())


async def heartbeat_arrived(deps: Deps, heartbeat: Heartbeat) -> None:
    """Shows the scheduled messages fire (the ChidaoRemindersNotFiring alert)."""
    now = time.time()
    deps.metrics.heartbeat.set(now)
    deps.metrics.timer_delay.observe(max(0.0, now - heartbeat.heartbeat_at))


async def schedule_heartbeat(deps: Deps) -> None:
    """Once a period, from every replica (the first one's schedule wins)."""
    await deps.timers.schedule_heartbeat(time.time())
