"""The forms on a directive's page that only its issuing unit's leader sees, and what
they offer: "Thu hồi văn bản", "Đính chính văn bản" (the units assigned now, from the
roll-up) and "Thay thế bằng văn bản khác" (the other directives the unit issued, from
the console home's index). They post to the issuer, which checks the same rights again;
none is shown once the directive was recalled or replaced."""

from __future__ import annotations

import asyncio

from services.aggregator.console.directive_changes import (
    StaffForms,
    UnitChoice,
    correct_form,
    replace_form,
)
from services.aggregator.console.views import sort_newest
from services.aggregator.deps import Deps
from services.aggregator.domain.nodes import Node
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import DirectiveIssued, ReportingRequirement

MAX_NODES = 5000  # roll-up nodes read to list the units assigned (as a synthesis walks)
MAX_OTHERS = 100  # directives of the same issuer offered as the replacement, newest first
READ_TOGETHER = 200


async def staff_forms(
    deps: Deps, principal: Principal, issued: DirectiveIssued, recalled: bool
) -> StaffForms:
    issuer = issued.directive.issuer_unit
    if recalled or not principal.acts_as(issuer):
        return StaffForms()
    correct = replace = None
    if principal.may(Action.DIRECTIVE_CORRECT):
        units, more = await assigned_units(deps, issued)
        correct = correct_form(issued.directive, issued.directive_id, units, more)
    if principal.may(Action.DIRECTIVE_REPLACE):
        replace = replace_form(issued.directive_id, await replacements_for(deps, issued))
    return StaffForms(
        recall=principal.may(Action.DIRECTIVE_RECALL), correct=correct, replace=replace
    )


def _corrected_here(r: ReportingRequirement) -> bool:
    """A requirement a correction publishes again (a recurring one's periods follow)."""
    return r.recurrence is None and r.period_of is None


async def assigned_units(deps: Deps, issued: DirectiveIssued) -> tuple[list[UnitChoice], bool]:
    """The units with an assignment of their own in force (not taken off) under any of
    its non-recurring requirements, and whether ``MAX_NODES`` cut the walk short. Walked
    as a synthesis walks its subtree: only children with something expected below."""
    directory = deps.directory()
    found: set[str] = set()
    budget = MAX_NODES
    for r in filter(_corrected_here, issued.directive.requirements):
        root = await deps.rollup.get(issued.directive_id, r.id, issued.directive.issuer_unit)
        level = [root] if root is not None else []
        while level:
            found |= {n.unit_id for n in level if n.own is not None and not n.own.cancelled}
            wanted = [(n, c) for n in level for c, e in n.children.items() if e.totals.expected]
            if len(wanted) > budget:
                return [UnitChoice(u, directory.name(u)) for u in found], True
            budget -= len(wanted)
            level = await _read(deps, wanted)
    return [UnitChoice(u, directory.name(u)) for u in found], False


async def _read(deps: Deps, wanted: list[tuple[Node, str]]) -> list[Node]:
    read: list[Node | None] = []
    for start in range(0, len(wanted), READ_TOGETHER):
        batch = wanted[start : start + READ_TOGETHER]
        read += await asyncio.gather(
            *(deps.rollup.get(n.directive_id, n.requirement_id, c) for n, c in batch)
        )
    return [n for n in read if n is not None]


async def replacements_for(deps: Deps, issued: DirectiveIssued) -> list[DirectiveIssued]:
    """The other directives its issuer issued that the book knows and that stand (not
    recalled), newest first."""
    issued_ids, _ = await deps.home.unit(issued.directive.issuer_unit)
    ordered = [d for d in sort_newest(issued_ids) if d != issued.directive_id][:MAX_OTHERS]
    found = await asyncio.gather(*(deps.book.get(d) for d in ordered))
    recalls = await asyncio.gather(*(deps.book.recall(d) for d in ordered))
    return [f for f, r in zip(found, recalls, strict=True) if f is not None and r is None]
