"""A directive corrected by its issuer (đính chính): the consumed event folded into the
directive book (``directive_corrected``), which from then on answers the directive as
corrected, and what a directive's page reads of it (``corrections_of``): its own
corrections, and the newest correction of each directive it implements made since it
was issued (its issuer should review its own document).

The units' assignments as corrected came before this event, on their own stream, and
are already in the roll-up (``domain/nodes.py``)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from services.aggregator.deps import Deps
from services.aggregator.domain.correction import Corrections, basis_corrected
from services.aggregator.handlers.approval import schedule_auto_approval
from shared.contracts import DirectiveCorrected, DirectiveIssued
from shared.vietnamese import document_title

log = logging.getLogger(__name__)


async def directive_corrected(deps: Deps, event: DirectiveCorrected) -> None:
    """Kept once per correction, whether or not the directive's own event was consumed
    yet; the directives implementing it that approve by themselves before its deadline
    are scheduled again by its deadlines as corrected."""
    number = event.correction.number
    kept = await deps.book.remember_correction(event)
    log.info(
        "directive corrected" if kept else "correction already kept",
        extra={
            "directive_id": event.directive_id,
            "correction": number,
            "implementing": event.implementing,
        },
    )
    for directive_id in event.implementing:
        issued = await deps.book.get(directive_id)
        if issued is not None:  # (a timer scheduled again replaces itself: idempotent)
            await schedule_auto_approval(deps, issued, again=f"c{number}")
    deps.metrics.events.labels("directive.corrected").inc()


@dataclass(frozen=True)
class CorrectionsOf:
    own: Corrections | None = None  # the directive's own corrections
    bases: list[str] = field(default_factory=list)  # what it implements was corrected, in words


async def corrections_of(deps: Deps, issued: DirectiveIssued) -> CorrectionsOf:
    own, *parents = await asyncio.gather(
        deps.book.corrections(issued.directive_id),
        *(deps.book.corrections(p) for p in issued.parents),
    )
    bases = []
    for kept in parents:
        # one issued after its basis was corrected was written on the corrected one
        since = [c for c in kept.corrections if c.corrected_at > issued.occurred_at] if kept else []
        if kept is not None and since:
            d = kept.directive
            bases.append(basis_corrected(document_title(d.kind, d.ref), since[-1]))
    return CorrectionsOf(own, bases)
