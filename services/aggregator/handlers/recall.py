"""A directive recalled by its issuer (thu hồi): the consumed event kept in the directive
book (``directive_recalled``), and what the pages read of it (``recalls_of``): the
directive's own recall and those of the directives it implements (its bases, from its
``parents``, so that a directive issued after its basis was recalled is told as well as
those the event's ``implementing`` named). A replacement is a recall naming the new
document (``domain/replacement.py``)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from services.aggregator.deps import Deps
from services.aggregator.domain.recall import basis_of, recalled_of
from services.aggregator.domain.synthesis import Recalled, RecalledBasis
from shared.contracts import DirectiveIssued, DirectiveRecalled

log = logging.getLogger(__name__)


async def directive_recalled(deps: Deps, event: DirectiveRecalled) -> None:
    """Kept once, whether or not the directive's own event was consumed yet; replaced,
    the way back is kept beside the new document (even when the recall was kept by an
    earlier delivery that stopped before it)."""
    kept = await deps.book.remember_recall(event)
    replaced_by = event.recall.replaced_by
    if replaced_by is not None:
        await deps.book.remember_replacement(event)
    log.info(
        "directive recalled" if kept else "directive already recalled",
        extra={
            "directive_id": event.directive_id,
            "implementing": event.implementing,
            "replaced_by": replaced_by,
        },
    )
    deps.metrics.events.labels("directive.recalled").inc()


@dataclass(frozen=True)
class Recalls:
    own: Recalled | None = None  # the directive itself was recalled
    bases: list[RecalledBasis] = field(default_factory=list)  # what it implements was


async def recalls_of(deps: Deps, issued: DirectiveIssued) -> Recalls:
    own, *parents = await asyncio.gather(
        deps.book.recall(issued.directive_id), *(deps.book.recall(p) for p in issued.parents)
    )
    return Recalls(
        recalled_of(own) if own else None, [basis_of(p) for p in parents if p is not None]
    )


async def recalled(deps: Deps, directive_id: str) -> Recalled | None:
    """The directive's own recall only (what refuses an approval, or hides its deadlines)."""
    own = await deps.book.recall(directive_id)
    return recalled_of(own) if own else None
