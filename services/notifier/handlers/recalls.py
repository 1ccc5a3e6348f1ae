"""directive.recalled: the issuer recalled a directive (thu hồi, Nghị định 30/2020 Điều
18). Its pending reminders, overdue notices and digests are dropped, every unit it
reached is told with the reason (each assigned unit and each unit it was sent to without
an assignment), and so is the issuer of each directive issued to implement it. A
replacement (thay thế) is such a recall, naming the document that takes its place: its
mails say so (domain/recall_mails.py).

Handled again (a redelivery), it changes nothing: the timers are gone already and each
mail is in the ledger under the event's id and its unit (and, for an implementing
directive's issuer, that directive's id). A timer that fires after the recall anyway,
and an assignment or a notice handled after it (other consumers, which may lag), mail
nothing (handlers/timers.py, handlers/assignments.py, handlers/directives.py)."""

from __future__ import annotations

from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail
from services.notifier.domain.recall_mails import basis_recalled_mail, recall_notice_mail
from services.notifier.handlers.mailing import deliver
from services.notifier.handlers.reached import implementing_issuers, units_reached
from shared.contracts import DirectiveRecalled


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
    reached, assigned = await units_reached(deps, event.directive_id)
    directory = deps.directory()
    return [
        recall_notice_mail(event, recipient(directory, unit), unit in assigned) for unit in reached
    ]


async def _bases(deps: Deps, event: DirectiveRecalled) -> list[Mail]:
    """To the issuer of each directive issued to implement the recalled one."""
    found = await implementing_issuers(deps, event.directive_id, event.implementing)
    return [basis_recalled_mail(event, own, unit) for own, unit in found]
