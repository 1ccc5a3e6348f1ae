"""What every handler that mails does: the original attached, the unit's signed link, and
one event's mails delivered together (domain/delivery.py says what their outcome means)."""

from __future__ import annotations

import asyncio

from services.notifier.deps import Deps
from services.notifier.domain.delivery import Delivered, settle
from services.notifier.domain.mails import Attachment, Link, Mail
from shared.contacts import announce_contact
from shared.contracts import Assignment, AttachedFile


async def original(deps: Deps, attached: AttachedFile | None) -> Attachment | None:
    if attached is None:
        return None
    data = await deps.originals.fetch(attached)
    return Attachment(attached.filename, attached.content_type, data) if data else None


def link_for(deps: Deps, a: Assignment) -> Link:
    r = a.requirement
    url = deps.links.url(a.directive_id, a.unit_id, r.id, r.due_before, a.assigned_at)
    return Link(url, deps.links.expiry(r.due_before, a.assigned_at))


async def deliver(deps: Deps, mails: list[Mail]) -> list[Delivered]:
    """Every mail of one event, at once, and what came of each; raises what a transient
    failure raised (the event comes back, sent mails are skipped then) or PermanentError
    with every refusal."""
    results = await asyncio.gather(*(deps.sender.deliver(m) for m in mails), return_exceptions=True)
    settle(results)
    return [r for r in results if isinstance(r, Delivered)]


async def mailed(deps: Deps, a: Assignment, delivered: Delivered) -> None:
    """Tell the directive's page that the unit's server took its assignment mail; a mail
    skipped because the ledger holds it as sent went too (the announcement may be what a
    crash left undone)."""
    if delivered.outcome in ("sent", "skipped"):
        await announce_contact(
            deps.broker, "mailed", a.directive_id, a.unit_id, a.requirement.id, deps.clock.now()
        )
