"""A timer fired: a reminder or an overdue notice to a unit that has not reported yet, or
the parent's digest of who is late, unless the directive was recalled; and the
notifier's own heartbeat timer."""

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
from shared.contracts import due_in_force

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
    """A reminder or the overdue notice, unless the report came in after it was set or
    an extension moved the deadline it was set for."""
    a = timer.assignment
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    if await records.last_report(deps.js, *ids) is not None:
        return "reported"
    # an extension granted since it was set (its cancel may have come too late): the
    # timers planned for the new deadline say what is true now
    due = a.requirement.due_before
    if due_in_force(due, await records.extensions(deps.js, *ids)) != due:
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
    each by its own deadline in force (an extension granted to one moves only its own)."""
    a, directory = timer.assignment, deps.directory()
    requirement = a.requirement.id

    async def status(child: str) -> Assigned | None:
        ids = (a.directive_id, child, requirement)
        own = await records.assignment(deps.js, *ids)
        if own is None:
            return None
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
