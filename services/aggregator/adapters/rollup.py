"""Applying a batch of events to the roll-up, level by level up the tree.

For a batch: every touched unit and all its ancestors get one update each, deepest level
first; a parent takes its children's new (version, totals) in the same write as any
change of its own. A root that thousands of submissions pass through is written once per
batch, not once per submission. Writes are compare-and-set on the KV revision, retried
on conflict (``shared.retry``), so replicas can share the work; past the attempts the
batch is ``Busy`` and redelivered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from cachetools import LRUCache
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.aggregator.domain.nodes import Node, node_key
from shared.contracts import Assignment, Extensions, Review, Submission, Totals, UnitContacted
from shared.directory import Directory
from shared.forms import Form
from shared.kv import get_entry
from shared.retry import on_conflict_retry
from shared.workdays import WorkCalendar

MAX_CAS_ATTEMPTS = 50
CACHED_NODES = 50_000


@dataclass
class _Work:
    directive_id: str
    requirement_id: str
    unit_id: str
    assignments: list[Assignment] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    contacts: list[UnitContacted] = field(default_factory=list)
    extensions: list[Extensions] = field(default_factory=list)
    children: dict[str, tuple[int, Totals]] = field(default_factory=dict)


class Rollup:
    def __init__(
        self,
        kv: KeyValue,
        directory: Callable[[], Directory],
        on_write: Callable[[Node], None] | None = None,
        on_conflict: Callable[[], None] | None = None,
        forms: Callable[[str, str], Form | None] | None = None,
        calendar: Callable[[], Awaitable[WorkCalendar]] | None = None,
    ) -> None:
        self._kv = kv
        # The report form of a (directive, requirement): how its values add up.
        self._forms = forms or (lambda directive_id, requirement_id: None)
        # The operator's working-day calendar, asked for only by a form counting days
        # late in working days (the statutory one when none is given).
        self._calendar = calendar
        self._directory = directory
        self._on_write = on_write or (lambda node: None)
        self._on_conflict = on_conflict or (lambda: None)
        # The nodes this process wrote last, with their revisions: a write can go
        # straight to compare-and-set without reading first. A stale entry (another
        # replica wrote since) fails the compare-and-set and is read again.
        self._cache: LRUCache[str, tuple[bytes, int]] = LRUCache(maxsize=CACHED_NODES)

    async def get(self, directive_id: str, requirement_id: str, unit_id: str) -> Node | None:
        return (await self._read(node_key(directive_id, requirement_id, unit_id)))[0]

    async def _read(self, key: str) -> tuple[Node | None, int]:
        """The node and the revision to compare-and-set against (a deleted key's
        tombstone has one too)."""
        value, revision = await get_entry(self._kv, key)
        return (Node.model_validate_json(value) if value else None), revision

    async def apply(
        self,
        assignments: Sequence[Assignment] = (),
        submissions: Sequence[Submission] = (),
        reviews: Sequence[Review] = (),
        extensions: Sequence[Extensions] = (),
    ) -> list[Node]:
        """Apply events and propagate to the root. Returns the nodes written. An
        extension goes up like the rest: a grant changes the totals (``extended``)."""
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
        for r in reviews:
            at(r.directive_id, r.requirement_id, r.unit_id).reviews.append(r)
        for e in extensions:
            at(e.directive_id, e.requirement_id, e.unit_id).extensions.append(e)

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

    async def mark(self, contacts: Sequence[UnitContacted]) -> list[Node]:
        """The units' own nodes only: being mailed or opening a link changes no count, so
        nothing above them is read or written. Returns the nodes written."""
        work: dict[str, _Work] = {}
        for c in contacts:
            key = node_key(c.directive_id, c.requirement_id, c.unit_id)
            work.setdefault(key, _Work(c.directive_id, c.requirement_id, c.unit_id))
            work[key].contacts.append(c)
        results = await asyncio.gather(*(self._update(item) for item in work.values()))
        return [node for node, changed in results if changed]

    async def _update(self, item: _Work) -> tuple[Node, bool]:
        key = node_key(item.directive_id, item.requirement_id, item.unit_id)
        cached = self._cache.pop(key, None)
        form = self._forms(item.directive_id, item.requirement_id)
        calendar = await self._calendar_for(form)

        async def attempt(n: int) -> tuple[Node, bool]:
            # What this process wrote last first; after a conflict, the bucket.
            node, revision, changed = await self._decided(item, key, cached if n == 0 else None)
            if not changed:
                return node, False
            node.v += 1
            node.recompute(form, calendar)
            data = node.model_dump_json().encode()
            revision = await self._kv.update(key, data, last=revision)
            self._cache[key] = (data, revision)
            self._on_write(node)
            return node, True

        return await on_conflict_retry(
            attempt,
            conflicts=KeyWrongLastSequenceError,
            attempts=MAX_CAS_ATTEMPTS,
            busy=f"could not update {key} after {MAX_CAS_ATTEMPTS} attempts",
            jitter=0.005,
            on_conflict=self._on_conflict,
        )

    async def _calendar_for(self, form: Form | None) -> WorkCalendar | None:
        if self._calendar is None or form is None or not form.counts_working_days:
            return None
        return await self._calendar()

    async def _decided(
        self, item: _Work, key: str, cached: tuple[bytes, int] | None
    ) -> tuple[Node, int, bool]:
        """The node with the work applied, the revision to write it over, and whether the
        work changed it. What this process wrote last may not be the latest (another
        replica): "nothing to do" is only trusted from the bucket itself."""
        if cached is not None:
            node, revision = Node.model_validate_json(cached[0]), cached[1]
            if _apply(node, item):
                return node, revision, True
        read, revision = await self._read(key)
        node = read or _empty(item)
        return node, revision, _apply(node, item)


def _empty(item: _Work) -> Node:
    return Node(
        directive_id=item.directive_id, requirement_id=item.requirement_id, unit_id=item.unit_id
    )


def _apply(node: Node, item: _Work) -> bool:
    """Whether the work changes the node (it is changed in place)."""
    changed = False
    for assignment in item.assignments:
        changed |= node.apply_assignment(assignment)
    for submission in item.submissions:
        changed |= node.apply_submission(submission)
    for review in item.reviews:
        changed |= node.apply_review(review)
    for contact in item.contacts:
        changed |= node.apply_contact(contact)
    for story in item.extensions:
        changed |= node.apply_extension(story)
    for child_id, (v, totals) in item.children.items():
        changed |= node.set_child(child_id, v, totals)
    return changed
