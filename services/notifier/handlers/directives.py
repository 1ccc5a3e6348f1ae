"""directive.issued: the notice to every unit that receives the directive without an
assignment (to act on it, to know, to be reported to), with the original attached; and,
for an urgent directive, its assignment mails at once, ahead of the assignment queue
(handlers/urgent.py); none of them once the directive is recalled."""

from __future__ import annotations

import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail, notice_mail
from services.notifier.handlers.mailing import deliver, original
from services.notifier.handlers.urgent import mail_ahead
from shared.contracts import DirectiveIssued

log = logging.getLogger(__name__)


async def directive_issued(deps: Deps, event: DirectiveIssued) -> list[Mail]:
    """The notices' mails (delivered). An urgent directive's assignments are mailed even
    when a notice fails: the units that must act are not held back by one that need
    not; the failure is raised after them."""
    if await records.recalled(deps.js, event.directive_id) is not None:
        # handled after the recall (the two are taken by different consumers): the
        # recall's notice went to these units already, the document must not follow it
        log.info("notice of a recalled directive not mailed", extra={"event": event.event_id})
        return []
    directory = deps.directory()
    secret = event.directive.secrecy is not None  # a secret document never goes by mail
    attachment = None if secret else await original(deps, event.directive.document)
    mails = [
        notice_mail(event, recipient(directory, n.unit_id), n.role, attachment)
        for n in event.notices
    ]
    try:
        await deliver(deps, mails)
    except Exception:
        await _ahead(deps, event)
        raise
    await _ahead(deps, event)
    return mails


async def _ahead(deps: Deps, event: DirectiveIssued) -> None:
    if event.directive.urgency is not None:
        await mail_ahead(deps, event)
