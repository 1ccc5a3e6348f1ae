"""Resending one unit its assignment mail from the console ("Gửi lại đường dẫn").

Each click is a mail of its own: its ledger key (and so its Message-ID) is
``resend.<directive>.<unit>.<requirement>.<nonce>``, the nonce being the one-time value
the page put in the form. A click sends once more; the same form posted twice (a double
click, the browser's back button and "send again") names the same key, which the ledger
already holds, so it sends nothing more. The key keeps the directive as its second token,
as every event's mail does, so the timeline finds it (adapters/timeline.py)."""

from __future__ import annotations

import re
from typing import Literal

from services.notifier.adapters import records
from services.notifier.adapters.mailer import TransientMailError
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import resend_mail
from services.notifier.handlers.mailing import link_for, mailed, original
from shared.contracts import Assignment, AssignmentCreated
from shared.kv import get_value
from shared.links import revocation_key
from shared.topology import REVOKED_LINKS

# sent: the server accepted it; repeated: this form was sent before, nothing more went;
# no_address: the unit has no e-mail address; refused: the server refused it for good;
# failed: the server could not take it now (nothing retries a resend: click again);
# revoked: the parent's staff revoked the unit's link, which opens nothing any more;
# recalled: the issuer recalled the directive, nothing is asked under it any more;
# cancelled: a correction took the unit off (đính chính), nothing is asked of it any more.
ResendOutcome = Literal[
    "sent", "repeated", "no_address", "refused", "failed", "revoked", "recalled", "cancelled"
]
NONCE = re.compile(r"^[0-9a-f]{32}$")
PREFIX = "resend"


async def link_revoked(deps: Deps, a: Assignment) -> bool:
    """Whether the reporter's staff revoked this report's links (its bucket, read-only
    here): mailing such a link again would send a unit a dead link."""
    kv = await deps.js.key_value(REVOKED_LINKS.name)
    key = revocation_key(a.directive_id, a.unit_id, a.requirement.id)
    return bool(await get_value(kv, key))


def resend_key(a: Assignment, nonce: str) -> str:
    if not NONCE.match(nonce):
        raise ValueError(f"{nonce!r} is not a form's nonce")
    return f"{PREFIX}.{a.directive_id}.{a.unit_id}.{a.requirement.id}.{nonce}"


async def resend_assignment(
    deps: Deps, event: AssignmentCreated, nonce: str, requested_by: str
) -> ResendOutcome:
    """Mail ``event``'s unit its assignment again, once for this ``nonce``."""
    a = event.assignment
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    key = resend_key(a, nonce)
    if not unit.emails:
        return "no_address"
    if await link_revoked(deps, a):
        return "revoked"
    if await records.recalled(deps.js, a.directive_id) is not None:
        return "recalled"
    if a.cancelled:  # ``event`` is the assignment in force, the last on its subject
        return "cancelled"
    attachment = await original(deps, a.document)
    now = deps.clock.now()  # the link resent lasts the grace from now: a dead one lives again
    link = link_for(deps, a, made_at=now)
    form = await deps.forms.of(a)
    mail = resend_mail(key, event, unit, directory, link, attachment, requested_by, now, form)
    try:
        delivered = await deps.sender.deliver(mail)
    except TransientMailError:
        return "failed"
    if delivered.outcome == "sent":  # (a repeat of this form announced it the first time)
        await mailed(deps, a, delivered, occasion=nonce)
    # skipped: the ledger holds this form's mail as sent (a double click, the back
    # button); a failed attempt is not sent, so the same form may try again
    return FROM_DELIVERY[delivered.outcome]


FROM_DELIVERY: dict[str, ResendOutcome] = {
    "sent": "sent",
    "skipped": "repeated",
    "no_address": "no_address",
    "refused": "refused",
    "possibly_sent": "failed",
}
