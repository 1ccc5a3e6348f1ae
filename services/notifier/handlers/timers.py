"""A timer fired: a reminder or an overdue notice to a unit that has not reported yet, or
the parent's digest of who is late; and the notifier's own heartbeat timer."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.late_units import late_units
from services.notifier.domain.mails import LateUnit, Mail, digest_mail, overdue_mail, reminder_mail
from services.notifier.domain.timer_plan import (
    HANDLING_SECONDS,
    Heartbeat,
    Timer,
    TimerOutcome,
    stale,
)
from services.notifier.handlers.mailing import deliver, link_for, mailed
from shared.contracts import Submission

log = logging.getLogger(__name__)


async def timer_fired(deps: Deps, timer: Timer) -> TimerOutcome:
    now = deps.clock.now()
    deps.metrics.timer_delay.observe(max(0.0, (now - timer.at).total_seconds()))
    outcome: TimerOutcome
    if stale(timer, now, tolerance(deps)):
        deps.metrics.timers_stale.labels(timer.kind).inc()
        log.info("stale timer dropped", extra={"timer": timer.id, "late_by": str(now - timer.at)})
        outcome = "stale"
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
    """A reminder or the overdue notice, unless the report came in after it was set."""
    a = timer.assignment
    if await records.last_report(deps.js, a.directive_id, a.unit_id, a.requirement.id) is not None:
        return "reported"
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
    # To the body the reports are sent to ("gửi về", "qua Ban Tuyên giáo ..."): the
    # parent's own desk that collects them, else the parent itself.
    collecting = timer.assignment.reviewing_unit
    to = collecting if collecting in directory else timer.unit_id
    under = directory.name(timer.unit_id) if to != timer.unit_id else None
    mail = digest_mail(timer.id, timer.assignment, recipient(directory, to), missing, late, under)
    await deliver(deps, [mail])
    return "mailed"


async def _late_under(deps: Deps, timer: Timer) -> tuple[list[LateUnit], list[LateUnit]]:
    """(still missing, reported late) among the parent's units assigned the requirement."""
    a, directory = timer.assignment, deps.directory()
    due = a.requirement.due_before
    assert due is not None  # only a requirement with a deadline gets a digest
    requirement = a.requirement.id

    async def status(child: str) -> tuple[str, Submission | None] | None:
        if await records.assignment(deps.js, a.directive_id, child, requirement) is None:
            return None
        return child, await records.last_report(deps.js, a.directive_id, child, requirement)

    found = await asyncio.gather(*(status(c) for c in directory.children(timer.unit_id)))
    assigned = [f for f in found if f is not None]
    return late_units(assigned, directory.name, due, deps.clock.now())


async def heartbeat_arrived(deps: Deps, heartbeat: Heartbeat) -> None:
    """Shows the scheduled messages fire (the ChidaoRemindersNotFiring alert)."""
    now = time.time()
    deps.metrics.heartbeat.set(now)
    deps.metrics.timer_delay.observe(max(0.0, now - heartbeat.heartbeat_at))


async def schedule_heartbeat(deps: Deps) -> None:
    """Once a period, from every replica (the first one's schedule wins)."""
    await deps.timers.schedule_heartbeat(time.time())
