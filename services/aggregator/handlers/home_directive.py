"""A directive's page in the console: which unit of its tree the page is for, and per
requirement that unit's node and each child's (one read per child), how its form counts
days late, the cascade from the home index."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from services.aggregator.console.directive_changes import correction_sections
from services.aggregator.console.directive_view import (
    PROCESSING_FILTERS,
    ChildRow,
    DirectiveView,
    PlanLink,
    Section,
    child_row,
    directive_view,
    plan_link,
    section,
)
from services.aggregator.console.views import FILTERS
from services.aggregator.deps import Deps
from services.aggregator.domain.day_count import DayCount
from services.aggregator.domain.recall import (
    basis_sentence,
    closed_word,
    no_longer_due,
    recall_notice,
)
from services.aggregator.handlers.correction import corrections_of
from services.aggregator.handlers.day_counts import day_count
from services.aggregator.handlers.directive_scope import in_tree
from services.aggregator.handlers.recall import recalls_of
from shared.contracts import DirectiveIssued, ReportingRequirement
from shared.directory import Directory


async def directive_page(
    deps: Deps,
    issued: DirectiveIssued,
    unit_id: str,
    status: str,
    unit_param: str | None,
    processing: str = "all",
) -> DirectiveView:
    """``status`` and ``processing``: the filters asked for (an unknown one is "all")."""
    directory = deps.directory()
    status = status if status in FILTERS else "all"
    processing = processing if processing in PROCESSING_FILTERS else "all"
    now = deps.clock.now()
    # the implementing directives issued in the shown unit's subtree (itself included)
    plans = {
        d: u
        for d, u in (await deps.home.plans(issued.directive_id)).items()
        if in_tree(u, unit_id, directory)
    }
    by_unit = {u: d for d, u in plans.items()}

    def plan_of(child_id: str) -> str | None:
        d = by_unit.get(child_id)
        return f"/directives/{d}" if d else None

    recalls = await recalls_of(deps, issued)
    # recalled or replaced: a unit that did not report reads so, never a lateness
    closed = closed_word(recalls.own) if recalls.own else ""
    sections: list[Section] = []
    for requirement in issued.directive.requirements:
        root = await deps.rollup.get(issued.directive_id, requirement.id, unit_id)
        children = list(root.children) if root else []
        days = await day_count(deps, issued.directive_id, requirement.id)
        rows = await _rows(deps, issued, requirement, children, plan_of, now, closed, days)
        sections.append(section(requirement, root, rows, status, now, closed, processing, days))
    name = directory.name(unit_id)
    view = directive_view(issued, unit_id, name, sections, status, unit_param, now, processing)
    view.plans = await _links(deps, plans, directory)
    view.parents = await _links(deps, {p: "" for p in issued.parents}, directory)
    if recalls.own is not None:
        view.recalled = recall_notice(recalls.own)
        view.next_deadline = no_longer_due(recalls.own)
    view.bases = [basis_sentence(b) for b in recalls.bases]
    await _changes(deps, issued, view, directory)
    return view


async def _changes(
    deps: Deps, issued: DirectiveIssued, view: DirectiveView, directory: Directory
) -> None:
    """Its corrections, what it implements corrected since, and what it replaced."""
    corrected = await corrections_of(deps, issued)
    view.corrections = correction_sections(corrected.own, directory.name)
    view.basis_changes = corrected.bases
    replaced = await deps.book.replacements(issued.directive_id)
    view.replaces = list(replaced.replaced) if replaced else []


async def _rows(
    deps: Deps,
    issued: DirectiveIssued,
    requirement: ReportingRequirement,
    children: list[str],
    plan_of: Callable[[str], str | None],
    now: datetime,
    closed: str,
    days: DayCount,
) -> list[ChildRow]:
    directory = deps.directory()
    nodes = await asyncio.gather(
        *(deps.rollup.get(issued.directive_id, requirement.id, c) for c in children)
    )
    rows = [
        child_row(
            issued.directive_id,
            requirement,
            n,
            directory.name(n.unit_id),
            now,
            plan_of,
            closed,
            days,
        )
        for n in nodes
        if n is not None
    ]
    return sorted(rows, key=lambda r: r.name)


async def _links(deps: Deps, units: dict[str, str], directory: Directory) -> list[PlanLink]:
    """Directive id -> issuing unit ("" to name none): the known ones as links."""
    links = []
    for directive_id, unit in units.items():
        issued = await deps.book.get(directive_id)
        if issued is not None:
            links.append(plan_link(issued, directory.name(unit) if unit else ""))
    return sorted(links, key=lambda p: (p.unit_name, p.document))
