"""directive.corrected: the issuer corrected a directive (đính chính, Nghị định 30/2020
Điều 18). Every unit it reached is told what changed, once: each unit still assigned
with its report links as corrected, each unit the correction took off that nothing more
is asked of it, each unit only sent the document; and so is the issuer of each
directive issued to implement it. A unit the correction added is not: its assignment
mail is its first word of the document (handlers/assignments.py), as are the timers of
the others (planned again there, from the assignments the issuer published before this
event).

Handled again (a redelivery), it mails nobody twice: each mail is in the ledger under
the event's id (one per correction) and its unit, and for an implementing directive's
issuer that directive's id. Handled after the directive's recall, it mails nothing."""

from __future__ import annotations

import asyncio
import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.correction_mails import (
    ReportLink,
    basis_corrected_mail,
    correction_notice_mail,
)
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail
from services.notifier.domain.timer_plan import extended
from services.notifier.handlers.mailing import deliver, link_for
from services.notifier.handlers.reached import implementing_issuers, units_reached
from shared.contracts import Assignment, DirectiveCorrected, due_in_force

log = logging.getLogger(__name__)


async def directive_corrected(deps: Deps, event: DirectiveCorrected) -> list[Mail]:
    if await records.recalled(deps.js, event.directive_id) is not None:
        # handled after the recall (another consumer, which may lag): the recall told
        # every unit it reached that nothing is asked under it any more
        log.info("correction of a recalled directive not mailed", extra={"event": event.event_id})
        return []
    mails = [*await _notices(deps, event), *await _bases(deps, event)]
    await deliver(deps, mails)
    return mails


async def _notices(deps: Deps, event: DirectiveCorrected) -> list[Mail]:
    """One notice per unit the directive reached but those the correction added, and
    those an earlier correction took off (told then, nothing is asked of them)."""
    reached, assigned = await units_reached(deps, event.directive_id)
    added, removed = set(event.correction.added), set(event.correction.removed)
    units = [u for u in reached if u not in added]

    async def standing(unit: str) -> tuple[list[ReportLink], bool]:
        if unit not in assigned or unit in removed:
            return [], False  # only sent the document, or taken off now: no links
        return await _in_force(deps, event, unit)

    found = await asyncio.gather(*(standing(u) for u in units))
    directory, mails = deps.directory(), []
    for unit, (reports, taken_off) in zip(units, found, strict=True):
        if taken_off:
            log.info(
                "unit taken off by an earlier correction not told",
                extra={"event": event.event_id, "unit": unit},
            )
            continue
        mail = correction_notice_mail(event, recipient(directory, unit), unit in removed, reports)
        mails.append(mail)
    return mails


async def _in_force(
    deps: Deps, event: DirectiveCorrected, unit: str
) -> tuple[list[ReportLink], bool]:
    """The unit's report links under the corrected directive's requirements (its
    recurring ones aside: their periods keep their own mails), each from the unit's
    assignment in force, the last one on its subject; and whether every one of them is
    cancelled (an earlier correction took the unit off)."""
    once = [r.id for r in event.directive.requirements if r.recurrence is None]
    found = await asyncio.gather(
        *(records.assignment(deps.js, event.directive_id, unit, r) for r in once)
    )
    assignments = [a for a in found if a is not None]
    live = [a for a in assignments if not a.cancelled]
    reports = await asyncio.gather(*(_report(deps, a) for a in live))
    return list(reports), bool(assignments) and not live


async def _report(deps: Deps, a: Assignment) -> ReportLink:
    """The link signed for the deadline in force: an extension granted before the
    correction keeps its deadline (a link lasts the grace after it)."""
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    assigned = a.requirement.due_before
    due = due_in_force(assigned, await records.extensions(deps.js, *ids))
    if due is not None and due != assigned:
        return ReportLink(a.requirement.action, due, link_for(deps, extended(a, due)), True)
    return ReportLink(a.requirement.action, assigned, link_for(deps, a))


async def _bases(deps: Deps, event: DirectiveCorrected) -> list[Mail]:
    """To the issuer of each directive issued to implement the corrected one."""
    found = await implementing_issuers(deps, event.directive_id, event.implementing)
    return [basis_corrected_mail(event, own, unit) for own, unit in found]
