"""Getting the synthesis of a directive for a unit: its roll-up node for each
requirement and a walk of its subtree to list the units by name, and the sections the
unit's staff wrote in it themselves (``handlers/notes.py``), and whether the directive,
or one it implements, was recalled (``handlers/recall.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from services.aggregator.adapters.rollup import Rollup
from services.aggregator.deps import Deps
from services.aggregator.domain.nodes import Node
from services.aggregator.domain.synthesis import RequirementSynthesis, Synthesis, Written
from services.aggregator.domain.synthesis_build import (
    Listing,
    requirement_synthesis,
    synthesis_of,
)
from services.aggregator.handlers.directive_scope import directive_of
from services.aggregator.handlers.notes import notes_of
from services.aggregator.handlers.recall import recalls_of
from shared.contracts import DirectiveIssued
from shared.directory import Directory
from shared.errors import NotFound
from shared.forms import Form
from shared.workdays import WorkCalendar

MAX_LISTED_NODES = 5000  # a synthesis walks at most this many nodes to list units by name


async def get_synthesis(deps: Deps, directive_id: str, unit: str | None = None) -> Synthesis:
    """The synthesis for ``unit``'s subtree, the issuer's if unset."""
    synthesis, _ = await get_synthesis_and_revision(deps, directive_id, unit)
    return synthesis


async def get_synthesis_and_revision(
    deps: Deps, directive_id: str, unit: str | None = None
) -> tuple[Synthesis, int]:
    """The synthesis, and the revision of the sections it carries: read together, so that
    a form or an approval never pairs one save's text with another's revision."""
    issued = await directive_of(deps, directive_id)
    unit_id = unit or issued.directive.issuer_unit
    directory = deps.directory()
    if unit_id not in directory:
        raise NotFound(f"unit '{unit_id}' is not in the directory")
    now, calendar = deps.clock.now(), deps.calendar.get
    s = await build(deps.rollup, issued, unit_id, directory, now, deps.book.form, calendar)
    # In the synthesis itself, so that every document of it and its approval carry them.
    stored, revision = await notes_of(deps, directive_id, unit_id)
    s.written = stored.written if stored else Written()
    recalls = await recalls_of(deps, issued)
    s.directive.recalled, s.directive.basis_recalled = recalls.own, recalls.bases
    return s, revision


async def build(
    rollup: Rollup,
    issued: DirectiveIssued,
    unit_id: str,
    directory: Directory,
    now: datetime,
    form_of: Callable[[str, str], Form | None] | None = None,
    calendar: Callable[[], Awaitable[WorkCalendar]] | None = None,
) -> Synthesis:
    """``calendar``: the operator's working days, read only for a form counting days
    late in them (the statutory ones when none is given)."""
    sections: list[RequirementSynthesis] = []
    for requirement in issued.directive.requirements:
        form = form_of(issued.directive_id, requirement.id) if form_of else None
        node = await rollup.get(issued.directive_id, requirement.id, unit_id)
        listing = Listing(directory, form, await _calendar_for(form, calendar))
        truncated = await _walk(rollup, node, listing) if node else False
        sections.append(
            requirement_synthesis(requirement, form, node, listing, truncated, directory, now)
        )
    return synthesis_of(issued, unit_id, directory, now, sections)


async def _calendar_for(
    form: Form | None, calendar: Callable[[], Awaitable[WorkCalendar]] | None
) -> WorkCalendar | None:
    if calendar is None or form is None or not form.counts_working_days:
        return None
    return await calendar()


async def _walk(rollup: Rollup, root: Node, listing: Listing) -> bool:
    """Every node of the subtree with something to report into ``listing``; whether the
    walk was cut short (``MAX_LISTED_NODES``)."""
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        listing.add(node)
        for child_id, child in node.children.items():
            if child.totals.expected == 0:
                continue
            if visited + len(stack) >= MAX_LISTED_NODES:
                return True
            child_node = await rollup.get(node.directive_id, node.requirement_id, child_id)
            if child_node is not None:
                stack.append(child_node)
    return False
