"""extension.changed: a unit asked for more time on one assignment (xin gia hạn), or its
parent's leader answered. The request goes to the body that collects the unit's report,
with the console page where the leader decides; the answer goes to the unit with its
link; a grant moves the unit's reminders and overdue notice to the new deadline.

Each event is the whole story of the assignment's requests (shared/contracts/
extensions.py), so handling one again changes nothing: its mails are in the ledger
under the event's id, and the timers it sets are kept by the grant handled again."""

from __future__ import annotations

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import collecting, recipient
from services.notifier.domain.extension_mails import extension_answer_mail, extension_asked_mail
from services.notifier.domain.mails import Mail
from services.notifier.domain.timer_plan import Timer, extended
from services.notifier.handlers.mailing import console_page, deliver, link_for, mailed
from shared.contracts import Assignment, Extension, ExtensionChanged, Extensions, due_in_force


async def extension_changed(deps: Deps, event: ExtensionChanged) -> Mail | None:
    x = event.extensions
    current = x.current
    if current is None:
        return None  # a story with no request in it tells nobody anything
    a = await records.required_assignment(
        deps.js,
        x.directive_id,
        x.unit_id,
        x.requirement_id,
        f"the extension request {event.event_id}",
    )
    if current.status == "pending":
        return await _asked(deps, event.event_id, a, current)
    if current.status == "granted":
        # before the mail: a mail refused for good dead-letters the event, and the unit
        # would be left with timers for a deadline no longer in force (dropped as moved)
        await move_timers(deps, a, x)
    return await _answered(deps, event.event_id, a, current, x)


async def _asked(deps: Deps, key: str, a: Assignment, x: Extension) -> Mail:
    """To the body the report is sent to (as the parent's digest goes), else the parent."""
    directory = deps.directory()
    parent = recipient(directory, a.unit_id).parent or a.reviewing_unit
    staff = recipient(directory, collecting(directory, a, parent))
    page = console_page(deps, f"reports/{a.directive_id}/{a.unit_id}/{a.requirement.id}")
    mail = extension_asked_mail(key, a, x, staff, directory, page)
    await deliver(deps, [mail])
    return mail


async def _answered(deps: Deps, key: str, a: Assignment, x: Extension, story: Extensions) -> Mail:
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    # the link signed for the deadline in force: a link lasts the grace after it (a
    # correction may have set a later one than the grant, shared/contracts/extensions.py)
    link = link_for(deps, extended(a, due_in_force(a.requirement.due_before, story) or story.due))
    mail = extension_answer_mail(key, a, x, unit, directory, link)
    for delivered in await deliver(deps, [mail]):
        await mailed(deps, a, delivered)  # it carries the link: the unit is reached
    return mail


async def move_timers(deps: Deps, a: Assignment, told: Extensions) -> list[Timer]:
    """The unit's reminders, overdue notice and its parent's digest planned again for the
    last deadline granted, and those planned for an earlier one dropped; nothing for a
    unit that has reported (its report stopped its timers), nor when the assignment's
    own deadline (as a correction set it) is the one in force. Returns the timers set."""
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    if await records.last_report(deps.js, *ids) is not None:
        return []
    # the stream's last word, if it has one: a grant handled again after a later one
    # (a redelivery out of order) must not bring back the earlier deadline's timers
    story = await records.extensions(deps.js, *ids) or told
    due = due_in_force(a.requirement.due_before, story)
    if not story.granted or due is None or due == a.requirement.due_before:
        # no grant, or a correction set a deadline later still: the timers planned for
        # the assignment's own deadline stand
        return []
    number = story.granted[-1].number
    await deps.timers.refresh_calendar()
    timers = deps.timers.plan(extended(a, due), extension=number)
    # scheduled first, then the others dropped: never a moment with none
    await deps.timers.schedule(timers)
    deps.metrics.timers_cancelled.inc(await deps.timers.cancel_superseded(*ids, number))
    for timer in timers:
        deps.metrics.timers_scheduled.labels(timer.kind).inc()
    return timers
