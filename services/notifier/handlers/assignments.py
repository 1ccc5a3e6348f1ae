"""assignment.created: the unit's mail, with its link and the original, then its timers;
none of them once the directive is recalled."""

from __future__ import annotations

import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import assignment_mail
from services.notifier.domain.timer_plan import Timer
from services.notifier.handlers.mailing import deliver, link_for, mailed, original
from shared.contracts import AssignmentCreated

log = logging.getLogger(__name__)


async def assignment_created(deps: Deps, event: AssignmentCreated) -> list[Timer]:
    """Mails the assigned unit and schedules its reminders, overdue notice and parent's
    digest (after the mail: a mail that cannot go yet brings the event back first)."""
    a = event.assignment
    if await records.recalled(deps.js, a.directive_id) is not None:
        # handled after the recall (another consumer, which may lag): the recall told the
        # unit already, or the unit never heard of the directive; nothing is asked of it
        log.info("assignment of a recalled directive not mailed", extra={"event": event.event_id})
        return []
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    attachment = None if a.secrecy else await original(deps, a.document)  # never by mail
    form = await deps.forms.of(a)
    mail = assignment_mail(event, unit, directory, link_for(deps, a), attachment, form)
    for delivered in await deliver(deps, [mail]):
        await mailed(deps, a, delivered)
    await deps.timers.refresh_calendar()
    timers = deps.timers.plan(a)
    await deps.timers.schedule(timers)
    for timer in timers:
        deps.metrics.timers_scheduled.labels(timer.kind).inc()
    return timers
