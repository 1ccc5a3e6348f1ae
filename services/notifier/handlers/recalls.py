"""directive.recalled: the issuer recalled a directive (thu hồi, Nghị định 30/2020 Điều
18). Its pending reminders, overdue notices and digests are dropped, every unit it
reached is told with the reason (each assigned unit and each unit it was sent to without
an assignment), and so is the issuer of each directive issued to implement it.

Handled again (a redelivery), it changes nothing: the timers are gone already and each
mail is in the ledger under the event's id and its unit (and, for an implementing
directive's issuer, that directive's id). A timer that fires after the recall anyway,
and an assignment or a notice handled after it (other consumers, which may lag), mail
nothing (handlers/timers.py, handlers/assignments.py, handlers/directives.py)."""

from __future__ import annotations

import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail
from services.notifier.domain.recall_mails import basis_recalled_mail, recall_notice_mail
from services.notifier.handlers.mailing import deliver
from shared.contracts import DirectiveRecalled

log = logging.getLogger(__name__)


async def directive_recalled(deps: Deps, event: DirectiveRecalled) -> list[Mail]:
    # the timers before the mails: a mail refused for good dead-letters the event, and
    # the units would go on being chased under a directive no longer in force
    cancelled = await deps.timers.cancel_directive(event.directive_id)
    deps.metrics.timers_cancelled.inc(cancelled)
    mails = [*await _notices(deps, event), *await _bases(deps, event)]
    await deliver(deps, mails)
    return mails


async def _notices(deps: Deps, event: DirectiveRecalled) -> list[Mail]:
    """One recall notice per unit the directive reached, assigned or only sent it."""
    d = event.directive_id
    assigned = await records.assigned_units(deps.js, d)
    issued = await records.issued(deps.js, d)
    if issued is None:  # the recall still names the document; only the notices are unknown
        log.warning("recalled directive has no directive.issued event", extra={"directive": d})
    sent_to = [n.unit_id for n in issued.notices] if issued else []
    directory, with_requirements = deps.directory(), set(assigned)
    return [
        recall_notice_mail(event, recipient(directory, unit), unit in with_requirements)
        for unit in dict.fromkeys([*assigned, *sent_to])  # once each, assigned first
    ]


async def _bases(deps: Deps, event: DirectiveRecalled) -> list[Mail]:
    """To the issuer of each directive issued to implement the recalled one."""
    directory = deps.directory()
    mails = []
    for own_id in dict.fromkeys(event.implementing):
        own = await records.issued(deps.js, own_id)
        if own is None:  # named by the issuer, never issued here: nobody to tell
            log.warning(
                "implementing directive not found; its issuer is not told of the recall",
                extra={"directive": event.directive_id, "implementing": own_id},
            )
            continue
        if await records.recalled(deps.js, own_id) is not None:
            # its issuer recalled it already: there is nothing left to amend
            log.info(
                "implementing directive recalled already; its issuer is not told",
                extra={"directive": event.directive_id, "implementing": own_id},
            )
            continue
        unit = recipient(directory, own.directive.issuer_unit)
        mails.append(basis_recalled_mail(event, own, unit))
    return mails
