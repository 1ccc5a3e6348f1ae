"""The incremental roll-up on a real KV bucket: a four-level tree, corrections, duplicates,
events out of order, two replicas at once, and a crash half-way up the tree."""

from __future__ import annotations

import asyncio

import pytest

from services.aggregator.adapters.rollup import Rollup
from shared import topology
from shared.contracts import Unit
from shared.directory import Directory
from shared.forms import DEFAULT_FORM, builtin
from tests.factories import assignment, submission

#   root ─┬─ a ─┬─ a1 ─┬─ c1
#         │     │      └─ c2
#         │     └─ a2 ──── c3        (a2 must report too)
#         └─ b ─┬─ c4
#               └─ c5
TREE = Directory(
    Unit(id=uid, name=f"Đơn vị {uid}", kind=kind, parent=parent)
    for uid, kind, parent in [
        ("root", "provincial_committee", None),
        ("a", "district_committee", "root"),
        ("b", "district_committee", "root"),
        ("a1", "grassroots_committee", "a"),
        ("a2", "grassroots_committee", "a"),
        ("c1", "chi_bo", "a1"),
        ("c2", "chi_bo", "a1"),
        ("c3", "chi_bo", "a2"),
        ("c4", "chi_bo", "b"),
        ("c5", "chi_bo", "b"),
    ]
)


def FORMS(directive_id: str, requirement_id: str):
    return builtin()[DEFAULT_FORM]


ASSIGNED = ["c1", "c2", "c3", "c4", "c5", "a2"]


SUBMISSIONS = [
    submission("c1", 1, False, 2),
    submission("c2", 1, True, 1),
    submission("c4", 1, False, 3),
    submission("a2", 1, False, 4),
    submission("c1", 2, False, 5),  # a correction: c1's sessions become 5
    submission("c5", 1, True, 1),  # its assignment has not been applied yet
]


@pytest.fixture
async def kv(js, settings):
    await topology.ensure_buckets(js, settings, (topology.AGGREGATOR_ROLLUP,))
    return await js.key_value(topology.AGGREGATOR_ROLLUP.name)


def counts(node):
    t = node.totals
    return t.expected, t.submitted, t.on_time, t.late, t.missing, t.sums.get("sessions", 0)


async def expect_final_state(rollup: Rollup) -> None:
    root = await rollup.get("d1", "r1", "root")
    assert counts(root) == (6, 5, 3, 2, 1, 14)  # c3 missing; c1 counts with its correction
    assert counts(await rollup.get("d1", "r1", "a")) == (4, 3, 2, 1, 1, 10)
    assert counts(await rollup.get("d1", "r1", "a2")) == (2, 1, 1, 0, 1, 4)
    assert counts(await rollup.get("d1", "r1", "b")) == (2, 2, 1, 1, 0, 4)
    assert set(root.children) == {"a", "b"}


async def test_counts_rates_and_sums_up_a_four_level_tree(kv):
    rollup = Rollup(kv, lambda: TREE, forms=FORMS)
    await rollup.apply(assignments=[assignment(u) for u in ASSIGNED if u != "c5"])
    before = await rollup.get("d1", "r1", "root")
    assert counts(before) == (5, 0, 0, 0, 5, 0)
    await rollup.apply(submissions=SUBMISSIONS)
    await rollup.apply(assignments=[assignment("c5")])
    await expect_final_state(rollup)


async def test_duplicated_and_reordered_events_change_nothing(kv):
    rollup = Rollup(kv, lambda: TREE, forms=FORMS)
    await rollup.apply(assignments=[assignment(u) for u in ASSIGNED])
    await rollup.apply(submissions=list(reversed(SUBMISSIONS)))
    written = await rollup.apply(
        assignments=[assignment(u) for u in ASSIGNED], submissions=SUBMISSIONS
    )
    assert written == []  # a full redelivery writes nothing
    await expect_final_state(rollup)


async def test_two_replicas_applying_at_once_converge(kv):
    first, second = Rollup(kv, lambda: TREE, forms=FORMS), Rollup(kv, lambda: TREE, forms=FORMS)
    events = [(assignment(u), None) for u in ASSIGNED] + [(None, s) for s in SUBMISSIONS]
    await asyncio.gather(
        *(
            (first if i % 2 else second).apply(
                assignments=[a] if a else [], submissions=[s] if s else []
            )
            for i, (a, s) in enumerate(events)
        )
    )
    await expect_final_state(first)


class CrashingKV:
    """A KV that dies after a number of writes, as a process killed mid-batch would."""

    def __init__(self, kv, writes_before_crash: int) -> None:
        self._kv, self._left = kv, writes_before_crash

    async def get(self, key):
        return await self._kv.get(key)

    async def update(self, key, value, last):
        if self._left == 0:
            raise ConnectionError("process killed")
        self._left -= 1
        return await self._kv.update(key, value, last=last)


async def test_a_crash_half_way_up_the_tree_is_repaired_by_the_redelivery(kv):
    rollup = Rollup(kv, lambda: TREE, forms=FORMS)
    await rollup.apply(assignments=[assignment(u) for u in ASSIGNED])
    crashing = Rollup(CrashingKV(kv, writes_before_crash=2), lambda: TREE, forms=FORMS)
    with pytest.raises(ConnectionError):
        await crashing.apply(submissions=SUBMISSIONS)
    # The leaves were written, the upper levels were not; the redelivered batch repairs it.
    assert (await rollup.get("d1", "r1", "root")).totals.submitted == 0
    await rollup.apply(submissions=SUBMISSIONS)
    await expect_final_state(rollup)
