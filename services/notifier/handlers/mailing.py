"""What every handler that mails does: the original attached, the unit's signed link, and
one event's mails delivered together (domain/delivery.py says what their outcome means)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.notifier.deps import Deps
from services.notifier.domain.delivery import Delivered, settle
from services.notifier.domain.mails import Attachment, Link, Mail
from shared.contacts import announce_contact, contact_event
from shared.contracts import Assignment, AttachedFile


async def original(deps: Deps, attached: AttachedFile | None) -> Attachment | None:
    """The directive's original as a mail attachment, if it may go by mail. A sealed one
    (a secret directive's, stored encrypted) never does, whatever marks the directive
    carries: not even fetched, so that a mark lost on the way cannot let it out."""
    if attached is None or attached.sealed:
        return None
    data = await deps.originals.fetch(attached)
    return Attachment(attached.filename, attached.content_type, data) if data else None


def link_for(deps: Deps, a: Assignment, made_at: datetime | None = None) -> Link:
    """The unit's link; ``made_at`` (a resend: now) makes it last the grace from then,
    so a link resent after the old one expired works again."""
    r = a.requirement
    since = made_at or a.assigned_at
    url = deps.links.url(a.directive_id, a.unit_id, r.id, r.due_before, since)
    return Link(url, deps.links.expiry(r.due_before, since))


def console_page(deps: Deps, path: str) -> str:
    """A page of the staff's console (``path`` from its root), where a mail to the staff
    sends them to act: send a unit a new link, decide on its request."""
    return f"{deps.settings.console_url.rstrip('/')}/{path.lstrip('/')}"


async def deliver(deps: Deps, mails: list[Mail]) -> list[Delivered]:
    """Every mail of one event, at once, and what came of each; raises what a transient
    failure raised (the event comes back, sent mails are skipped then) or PermanentError
    with every refusal."""
    results = await asyncio.gather(*(deps.sender.deliver(m) for m in mails), return_exceptions=True)
    settle(results)
    return [r for r in results if isinstance(r, Delivered)]


async def mailed(deps: Deps, a: Assignment, delivered: Delivered, occasion: str = "") -> None:
    """Tell the directive's page that the unit's server took its assignment mail; a mail
    skipped because the ledger holds it as sent went too (the announcement may be what a
    crash left undone)."""
    if delivered.outcome in ("sent", "skipped"):
        ids = (a.directive_id, a.unit_id, a.requirement.id)
        await announce_contact(
            deps.broker, contact_event("mailed", *ids, deps.clock.now(), occasion)
        )
