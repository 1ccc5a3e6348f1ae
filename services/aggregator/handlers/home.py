"""The console's home: keeping its index as directives and assignments are consumed
(``index_directive``, ``index_assignments``, called by ``handlers/rollup.py``), and
reading it for a unit (``home_page``): the directives the unit issued with their
progress, and the assignments it received from above with their deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta

from services.aggregator.console.views import (
    AssignedItem,
    HomeView,
    IssuedItem,
    assigned_item,
    issued_item,
    sort_newest,
)
from services.aggregator.deps import Deps
from services.aggregator.domain.nodes import Node
from services.aggregator.handlers.day_counts import day_count
from services.aggregator.handlers.recall import recalled, recalls_of
from shared.auth.principal import Principal
from shared.contracts import Assignment, DirectiveIssued

READ_TOGETHER = 64  # directives read at once for the operator's home
LISTED = 50  # directives per list on the home page, newest first
WEEK = timedelta(days=7)


async def index_directive(deps: Deps, event: DirectiveIssued) -> None:
    """The issuer's "issued" list, and the cascade of every directive it implements."""
    index = deps.home
    d = event.directive
    await index.add_issued(d.issuer_unit, event.directive_id, d.issued_on)
    for parent_id in event.parents:
        await index.add_plan(parent_id, event.directive_id, d.issuer_unit)


async def index_assignments(deps: Deps, assignments: Sequence[Assignment]) -> None:
    """Each assigned unit's "assigned" list: one write per unit of the batch."""
    by_unit: dict[str, dict[str, date]] = {}
    for a in assignments:
        by_unit.setdefault(a.unit_id, {})[a.directive_id] = a.directive_issued_on
    index = deps.home
    await asyncio.gather(*(index.add_assigned(u, ds) for u, ds in by_unit.items()))


async def home_page(deps: Deps, principal: Principal) -> HomeView:
    """The principal's unit's home; the operator (no unit) sees every directive issued."""
    directory = deps.directory()
    if principal.unit_id is None:
        view = HomeView(unit_name="Tất cả đơn vị", operator=True)
        await _fill_issued(deps, view, await _every_directive(deps))
        return view
    unit_id = principal.unit_id
    issued_ids, assigned_ids = await deps.home.unit(unit_id)
    above = set(directory.ancestors(unit_id)) if unit_id in directory else set()
    view = HomeView(unit_name=directory.name(unit_id), operator=False)
    await _fill_issued(deps, view, issued_ids)
    await _fill_assigned(deps, view, unit_id, assigned_ids, above)
    return view


async def _every_directive(deps: Deps) -> dict[str, str]:
    """Every directive the aggregator knows, with its issued_on, for the operator: one
    read each (no unit's index holds them all), ``READ_TOGETHER`` at a time."""
    gate = asyncio.Semaphore(READ_TOGETHER)

    async def issued_on(directive_id: str) -> tuple[str, str | None]:
        async with gate:
            issued = await deps.book.issued(directive_id)  # its date: no correction moves it
        return directive_id, issued.directive.issued_on.isoformat() if issued else None

    found = await asyncio.gather(*(issued_on(d) for d in await deps.book.ids()))
    return {d: on for d, on in found if on is not None}


async def _fill_issued(deps: Deps, view: HomeView, ids: dict[str, str]) -> None:
    ordered = sort_newest(ids)
    view.issued_more = max(0, len(ordered) - LISTED)
    items = await asyncio.gather(*(_issued(deps, d) for d in ordered[:LISTED]))
    view.issued = [i for i in items if i is not None]


async def _issued(deps: Deps, directive_id: str) -> IssuedItem | None:
    issued = await deps.book.get(directive_id)
    if issued is None:
        return None
    roots = await _nodes(deps, issued, issued.directive.issuer_unit)
    recalls = await recalls_of(deps, issued)
    return issued_item(issued, roots, deps.clock.now(), recalls.own, recalls.bases)


async def _fill_assigned(
    deps: Deps, view: HomeView, unit_id: str, ids: dict[str, str], above: set[str]
) -> None:
    ordered = sort_newest(ids)
    view.assigned_more = max(0, len(ordered) - LISTED)
    items = await asyncio.gather(*(_assigned(deps, d, unit_id, above) for d in ordered[:LISTED]))
    view.assigned = [i for i in items if i is not None]


async def _assigned(
    deps: Deps, directive_id: str, unit_id: str, above: set[str]
) -> AssignedItem | None:
    """Only a directive from above: one the unit issued to itself is on its other list."""
    issued = await deps.book.get(directive_id)
    if issued is None or issued.directive.issuer_unit not in above:
        return None
    now = deps.clock.now()
    own = await _nodes(deps, issued, unit_id)
    # a late report's days, as its form counts them (the synthesis's rule)
    days = {r.id: await day_count(deps, directive_id, r.id) for r in issued.directive.requirements}
    # recalled: listed as such, nothing due from it any more ("Hạn trong tuần này" too)
    withdrawn = await recalled(deps, directive_id)
    return assigned_item(issued, own, now, now + WEEK, withdrawn, days)


async def _nodes(deps: Deps, issued: DirectiveIssued, unit_id: str) -> dict[str, Node | None]:
    """The unit's roll-up node of each requirement of the directive."""
    requirements = issued.directive.requirements
    nodes = await asyncio.gather(
        *(deps.rollup.get(issued.directive_id, r.id, unit_id) for r in requirements)
    )
    return {r.id: n for r, n in zip(requirements, nodes, strict=True)}
