"""Reading the roll-up for the lateness ranking of a unit's subtree.

Which directives: those whose tree includes the unit, i.e. issued by the unit itself or
by one of its ancestors (a directive of a sibling or of a unit below never assigns the
unit's whole subtree). They are found in the console home's index (``home.<unit>``,
``adapters/home_index.py``): one read per level above the unit, not a pass over every
directive the aggregator knows.

What is read per directive: for each requirement, the unit's node and then, level
by level, the nodes of the children that have something expected below them (as a
synthesis lists its units, ``handlers/synthesis.py``); each node's own part is one
report owed by that unit. That is one KV read per (requirement, unit with an
assignment), so it is bounded: the newest ``MAX_DIRECTIVES`` directives and
``MAX_NODES`` nodes in all, and the page says when it stopped short. What would make it
one read: a per-unit lateness counter kept by the roll-up's consumers (``late.<unit>``,
like ``home.<unit>``: owed/late/overdue counts per directive, set when a node's own
part changes, and "overdue" decided at read time from the deadlines it keeps); the
roll-up already writes each node when its report arrives, so the counter would be one
more compare-and-set in the same batch."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from services.aggregator.adapters.rollup import Rollup
from services.aggregator.console.views import sort_newest
from services.aggregator.deps import Deps
from services.aggregator.domain.day_count import DayCount
from services.aggregator.domain.nodes import Node
from services.aggregator.handlers.day_counts import day_count
from services.aggregator.lateness.ranking import UnitTally
from shared.contracts import DirectiveIssued

MAX_DIRECTIVES = 300
MAX_NODES = 20_000
READ_TOGETHER = 200  # KV reads in flight at once


@dataclass
class Scan:
    tallies: dict[str, UnitTally] = field(default_factory=dict)
    directives: int = 0  # directives of the unit's tree read
    skipped: int = 0  # directives left out (past MAX_DIRECTIVES)
    truncated: bool = False  # MAX_NODES reached
    nodes: int = 0


async def directives_reaching(
    deps: Deps, unit_id: str, limit: int = MAX_DIRECTIVES
) -> tuple[list[DirectiveIssued], int]:
    """The newest ``limit`` directives issued by ``unit_id`` or a unit above it, newest
    first, and how many more there are (only those listed are read)."""
    index = deps.home
    levels = [unit_id, *deps.directory().ancestors(unit_id)]
    issued_on: dict[str, str] = {}
    for issued, _ in await asyncio.gather(*(index.unit(u) for u in levels)):
        issued_on.update(issued)
    ordered = sort_newest(issued_on)
    found = await asyncio.gather(*(deps.book.get(d) for d in ordered[:limit]))
    return [d for d in found if d is not None], max(0, len(ordered) - limit)


async def scan(deps: Deps, unit_id: str, now: datetime) -> Scan:
    result = Scan()
    directives, result.skipped = await directives_reaching(deps, unit_id)
    for issued in directives:
        if await deps.book.recall(issued.directive_id) is not None:
            continue  # recalled: its units owe nothing, early or late
        result.directives += 1
        for requirement in issued.directive.requirements:
            root = await deps.rollup.get(issued.directive_id, requirement.id, unit_id)
            if root is None:
                continue
            # its late reports' days as its form counts them, as the synthesis does
            days = await day_count(deps, issued.directive_id, requirement.id)
            if not await _walk(deps.rollup, root, result, now, days):
                result.truncated = True
                return result
    return result


async def _walk(rollup: Rollup, root: Node, result: Scan, now: datetime, days: DayCount) -> bool:
    """Tally every node below ``root`` with a report owed; False when ``MAX_NODES`` is
    reached. A level's nodes are read together, ``READ_TOGETHER`` at a time."""
    level = [root]
    while level:
        wanted = [
            (node, child_id)
            for node in level
            for child_id, child in node.children.items()
            if child.totals.expected > 0
        ]
        if result.nodes + len(wanted) > MAX_NODES:
            return False
        result.nodes += len(wanted)
        read: list[Node | None] = []
        for start in range(0, len(wanted), READ_TOGETHER):
            batch = wanted[start : start + READ_TOGETHER]
            read += await asyncio.gather(
                *(rollup.get(n.directive_id, n.requirement_id, c) for n, c in batch)
            )
        level = [n for n in read if n is not None]
        for node in level:
            if node.own is not None:
                tally = result.tallies.setdefault(node.unit_id, UnitTally(node.unit_id))
                tally.add(node.own, now, days)
    return True
