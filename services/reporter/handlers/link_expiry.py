"""How long a unit's signed link opens: the expiry signed into it is the grace after the
deadline when it was mailed; the deadline in force may be later since (a correction of
the directive moved it, its parent granted more time), and the link lasts the grace
after that one too, so the unit need not ask for a new link for a deadline still ahead."""

from __future__ import annotations

import asyncio

from services.reporter.deps import Deps
from shared.links import LinkClaims


async def open_past_signed_expiry(deps: Deps, claims: LinkClaims) -> bool:
    """Whether a genuine link whose signed expiry passed still opens: the grace after
    the deadline in force (the latest assignment's unless an extension was granted) has
    not passed. A link is never shortened: before its signed expiry it opens anyway."""
    ids = (claims.directive_id, claims.unit_id, claims.requirement_id)
    found, thread = await asyncio.gather(deps.reports.assignment(*ids), deps.reports.thread(*ids))
    if found is None:
        return False
    a = found.assignment
    due = thread.due(a.requirement.due_before)
    return deps.now() < deps.links.expiry(due, a.assigned_at)
