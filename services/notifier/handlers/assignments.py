"""assignment.created: the unit's mail, with its link and the original, then its timers;
none of them once the directive is recalled.

A correction (đính chính) publishes the directive's assignments again on the same
subjects (``Assignment.correction``): a unit it added is mailed as on the first day; a
unit it took off (``cancelled``) has its timers dropped; a unit still assigned is told
by the correction's notice (handlers/corrections.py) and has its timers planned again
for the corrected deadline, unless an extension granted later still stays in force.
Whatever comes late (a redelivery after a later correction) defers to the assignment
last on the stream, the one in force.

An urgent directive's assignments are handled by the directive.issued consumer too, ahead
of this one's queue (handlers/urgent.py): both call ``handle_assignment``, so a unit gets
the same mail under the same ledger key, and the same timers under the same ids, from
whichever comes first; the second sends nothing (the ledger holds the mail as sent) and
its timers replace themselves."""

from __future__ import annotations

import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import Delivered, recipient
from services.notifier.domain.mails import Mail, assignment_mail
from services.notifier.domain.timer_plan import Timer
from services.notifier.handlers.mailing import deliver, link_for, mailed, original
from shared.contracts import Assignment, AssignmentCreated, due_in_force

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
    latest = await records.assignment(deps.js, a.directive_id, a.unit_id, a.requirement.id)
    return await handle_assignment(deps, event, latest)


async def handle_assignment(
    deps: Deps, event: AssignmentCreated, latest: Assignment | None, ahead: bool = False
) -> list[Timer]:
    """What ``event`` makes, its directive known not recalled and ``latest`` the last
    assignment on its subject: the one function of both the assignment consumer and the
    urgent path. ``ahead``: the urgent path's, whose mails are counted apart."""
    a = event.assignment
    in_force = latest if latest is not None and latest.correction > a.correction else a
    if in_force.cancelled:
        if in_force is a:
            await _taken_off(deps, a)
        return []
    if a.correction == 0 or a.added_in == a.correction:
        return await _first(deps, event, in_force, ahead)
    if in_force is not a:
        # a later correction's assignment is on the stream: its handling sets the timers
        log.info("assignment of an earlier correction passed over", extra={"event": event.event_id})
        return []
    return await _replan(deps, a)


async def _first(
    deps: Deps, event: AssignmentCreated, in_force: Assignment, ahead: bool
) -> list[Timer]:
    """The unit's first word of the assignment: mailed as ``in_force`` says it (a later
    correction's, when this event comes after it), then watched for its opening; its
    timers set unless a later correction's handling sets them."""
    directory = deps.directory()
    unit = recipient(directory, in_force.unit_id)
    attachment = None if in_force.secrecy else await original(deps, in_force.document)
    form = await deps.forms.of(in_force)
    told = event.model_copy(update={"assignment": in_force})
    mail = assignment_mail(told, unit, directory, link_for(deps, in_force), attachment, form)
    await deps.timers.refresh_calendar()
    for delivered in await deliver(deps, [mail]):
        await mailed(deps, in_force, delivered)
        await _watch_opening(deps, in_force, mail, delivered)
        if ahead and delivered.outcome == "sent":
            deps.metrics.urgent_mails.inc()
    if in_force is not event.assignment:
        return []
    a = event.assignment
    timers = deps.timers.plan(a, correction=a.correction)
    await deps.timers.schedule(timers)
    _count(deps, timers)
    return timers


async def _watch_opening(deps: Deps, a: Assignment, mail: Mail, delivered: Delivered) -> None:
    """Once the unit's server took the mail, the unopened timer (handlers/unopened.py).
    A mail the ledger holds as sent (a redelivery; the urgent path's, reached here
    later) counts from when it went, so that the timer scheduled again is the same."""
    if delivered.outcome not in ("sent", "skipped"):
        return  # no address, or refused: nothing arrived that could be opened
    since = deps.clock.now()
    if delivered.outcome == "skipped":
        entry, _ = await deps.ledger.get(mail.ledger_key)
        since = entry.at if entry is not None else since
    timer = deps.timers.unopened(a, since)
    if timer is not None:
        await deps.timers.schedule([timer])
        _count(deps, [timer])


async def _taken_off(deps: Deps, a: Assignment) -> None:
    """A correction took the unit off: nothing more is asked of it, no mail (its notice
    tells it); its report, if made, stays."""
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    deps.metrics.timers_cancelled.inc(await deps.timers.cancel_assignment(*ids))


async def _replan(deps: Deps, a: Assignment) -> list[Timer]:
    """A unit still assigned after the correction: its timers planned again for the
    corrected deadline, under the correction's own kinds, and the earlier ones dropped
    (scheduled first: never a moment with none). Nothing for a unit that has reported,
    nor for one whose extension granted runs past the corrected deadline: that deadline
    stays in force (shared/contracts/extensions.py), and the timers planned for it."""
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    if await records.last_report(deps.js, *ids) is not None:
        return []
    story = await records.extensions(deps.js, *ids)
    if due_in_force(a.requirement.due_before, story) != a.requirement.due_before:
        return []
    # the grants it supersedes, whose timers go with the earlier ones (not a later grant,
    # handled meanwhile by the extensions' consumer)
    superseded = story.granted[-1].number if story is not None and story.granted else 0
    await deps.timers.refresh_calendar()
    now = deps.clock.now()
    # a moment already past is not made up for: the overdue notice of a deadline that
    # had passed went then, and the correction's notice tells the unit where it stands
    timers = [t for t in deps.timers.plan(a, correction=a.correction) if t.at > now]
    await deps.timers.schedule(timers)
    dropped = await deps.timers.cancel_before_correction(a, a.correction, superseded)
    deps.metrics.timers_cancelled.inc(dropped)
    _count(deps, timers)
    return timers


def _count(deps: Deps, timers: list[Timer]) -> None:
    for timer in timers:
        deps.metrics.timers_scheduled.labels(timer.kind).inc()
