"""Applying a batch of events to the roll-up, level by level up the tree.

For a batch: every touched unit and all its ancestors get one update each, deepest level
first; a parent takes its children's new (version, totals) in the same write as any
change of its own. A root that thousands of submissions pass through is written once per
batch, not once per submission. Writes are compare-and-set on the KV revision, retried
on conflict, so replicas can share the work.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.aggregator.nodes import Node, node_key
from shared.contracts import Assignment, Submission, Totals
from shared.directory import Directory
from shared.kv import get_entry

MAX_CAS_ATTEMPTS = 50


class RollupContention(RuntimeError):
    pass


@dataclass
class _Work:
    directive_id: str
    requirement_id: str
    unit_id: str
    assignments: list[Assignment] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    children: dict[str, tuple[int, Totals]] = field(default_factory=dict)


class Rollup:
    def __init__(
        self,
        kv: KeyValue,
        directory: Callable[[], Directory],
        on_write: Callable[[Node], None] | None = None,
        on_conflict: Callable[[], None] | None = None,
    ) -> None:
        self._kv = kv
        self._directory = directory
        self._on_write = on_write or (lambda node: None)
        self._on_conflict = on_conflict or (lambda: None)

    async def get(self, directive_id: str, requirement_id: str, unit_id: str) -> Node | None:
        return (await self._read(node_key(directive_id, requirement_id, unit_id)))[0]

    async def _read(self, key: str) -> tuple[Node | None, int]:
        """The node and the revision to compare-and-set against (a deleted key's
        tombstone has one too)."""
        value, revision = await get_entry(self._kv, key)
        return (Node.model_validate_json(value) if value else None), revision

    async def apply(
        self, assignments: list[Assignment] = (), submissions: list[Submission] = ()
    ) -> list[Node]:
        """Apply events and propagate to the root. Returns the nodes written."""
        directory = self._directory()
        work: dict[str, _Work] = {}

        def at(directive_id: str, requirement_id: str, unit_id: str) -> _Work:
            key = node_key(directive_id, requirement_id, unit_id)
            if key not in work:
                work[key] = _Work(directive_id, requirement_id, unit_id)
                # Every ancestor is updated too, even when this event changes nothing:
                # an earlier attempt may have stopped half-way up.
                for ancestor in directory.ancestors(unit_id):
                    akey = node_key(directive_id, requirement_id, ancestor)
                    if akey in work:
                        break
                    work[akey] = _Work(directive_id, requirement_id, ancestor)
            return work[key]

        for a in assignments:
            at(a.directive_id, a.requirement.id, a.unit_id).assignments.append(a)
        for s in submissions:
            at(s.directive_id, s.requirement_id, s.unit_id).submissions.append(s)

        by_depth: dict[int, list[_Work]] = {}
        for item in work.values():
            by_depth.setdefault(directory.depth(item.unit_id), []).append(item)

        written: list[Node] = []
        for depth in sorted(by_depth, reverse=True):
            level = by_depth[depth]
            results = await asyncio.gather(*(self._update(item) for item in level))
            for item, (node, changed) in zip(level, results, strict=True):
                if changed:
                    written.append(node)
                unit = directory.get(item.unit_id)
                if unit is not None and unit.parent is not None:
                    parent = work.get(node_key(item.directive_id, item.requirement_id, unit.parent))
                    if parent is not None:
                        parent.children[item.unit_id] = (node.v, node.totals)
        return written

    async def _update(self, item: _Work) -> tuple[Node, bool]:
        key = node_key(item.directive_id, item.requirement_id, item.unit_id)
        for attempt in range(MAX_CAS_ATTEMPTS):
            node, revision = await self._read(key)
            if node is None:
                node = Node(
                    directive_id=item.directive_id,
                    requirement_id=item.requirement_id,
                    unit_id=item.unit_id,
                )
            changed = False
            for assignment in item.assignments:
                changed |= node.apply_assignment(assignment)
            for submission in item.submissions:
                changed |= node.apply_submission(submission)
            for child_id, (v, totals) in item.children.items():
                changed |= node.set_child(child_id, v, totals)
            if not changed:
                return node, False
            node.v += 1
            node.recompute()
            try:
                await self._kv.update(key, node.model_dump_json().encode(), last=revision)
            except KeyWrongLastSequenceError:
                self._on_conflict()
                await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
                continue
            self._on_write(node)
            return node, True
        raise RollupContention(f"could not update {key} after {MAX_CAS_ATTEMPTS} attempts")
