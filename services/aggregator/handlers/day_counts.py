"""How a requirement of a known directive counts days late (``domain/day_count.py``):
its form, and the operator's calendar only when that form counts working days (the
roll-up's and the synthesis's rule, read the same way)."""

from __future__ import annotations

from services.aggregator.deps import Deps
from services.aggregator.domain.day_count import DayCount


async def day_count(deps: Deps, directive_id: str, requirement_id: str) -> DayCount:
    """Call once the directive was read (``deps.book.get``): its forms are then known."""
    form = deps.book.form(directive_id, requirement_id)
    if form is None or not form.counts_working_days:
        return DayCount(form)
    return DayCount(form, await deps.calendar.get())
