"""Durable timers on a real nats-server: JetStream scheduled messages fire on the
simulated clock in order, never early, once each, and a cancelled timer never fires."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from services.notifier.adapters.timers import Timers
from services.notifier.domain.timer_plan import Timer
from shared import subjects, topology
from shared.clock import Clock
from shared.contracts import Unit
from shared.directory import Directory
from tests.factories import DUE, assignment
from tests.support import eventually, stream_count

UNITS = Directory(
    [
        Unit(id="root", name="Đảng ủy", kind="grassroots_committee"),
        Unit(id="cb-a", name="Chi bộ A", kind="chi_bo", parent="root"),
        Unit(id="cb-b", name="Chi bộ B", kind="chi_bo", parent="root"),
    ]
)
# Eight simulated days before the deadline, four simulated days per real second: the
# reminders fire after about 0.25, 1.25 and 1.75 s, the overdue notice at 2 s and the
# digest at 2.5 s.
SPEED = 4 * 86400


@pytest.fixture
async def timers(js, settings):
    await topology.ensure_streams(js, settings, (topology.TIMERS,))
    clock = Clock(start=DUE - timedelta(days=8), factor=SPEED, anchor=time.time())
    return Timers(js, settings, clock, lambda: UNITS), clock


class Fired:
    """What arrives on chidao.fired.*, with the simulated instant it arrived at."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.timers: list[tuple[Timer, object]] = []  # (timer, simulated arrival)

    async def collect(self, msg) -> None:
        self.timers.append((Timer.model_validate_json(msg.data), self.clock.now()))
        await msg.ack()

    def kinds(self, unit: str | None = None) -> list[str]:
        """In firing order; for one unit, its own timers (not its parent's digest)."""
        return [
            f"{t.kind}{t.days_before or ''}"
            for t, _ in self.timers
            if unit is None or (t.kind != "digest" and t.assignment.unit_id == unit)
        ]


async def _listen(js, clock: Clock) -> Fired:
    fired = Fired(clock)
    await js.subscribe(
        subjects.all_of(subjects.FIRED), stream=topology.TIMERS.name, cb=fired.collect
    )
    return fired


async def test_timers_fire_in_order_at_their_simulated_instants_never_early(js, timers):
    timers, clock = timers
    fired = await _listen(js, clock)
    plan = timers.plan(assignment("cb-a"))
    await timers.schedule(plan)
    await timers.schedule(plan)  # a redelivered assignment schedules the same timers again

    await eventually(lambda: len(fired.timers) >= 5, within=30, what="five timers to fire")
    assert fired.kinds() == ["remind7", "remind3", "remind1", "overdue", "digest"]
    for timer, arrived in fired.timers:
        assert arrived >= timer.at, f"{timer.id} fired early: {arrived} < {timer.at}"
    assert [t.id for t, _ in fired.timers] == [t.id for t in plan]
    # nothing else is pending, and nothing fires twice
    assert await stream_count(js, topology.TIMERS.name, subjects.all_of(subjects.TIMER)) == 0
    assert await stream_count(js, topology.TIMERS.name, subjects.all_of(subjects.FIRED)) == 5


async def test_a_submission_cancels_the_units_pending_timers_but_not_the_parents_digest(js, timers):
    timers, clock = timers
    fired = await _listen(js, clock)
    await timers.schedule(timers.plan(assignment("cb-a")) + timers.plan(assignment("cb-b")))
    # cb-a reports at once: its three reminders and its overdue notice are dropped
    assert await timers.cancel("d1", "cb-a", "r1") == 4
    assert await timers.cancel("d1", "cb-a", "r1") == 0  # a redelivered report: nothing left

    await eventually(
        lambda: "digest" in fired.kinds(), within=30, what="the parent's digest to fire"
    )
    assert fired.kinds("cb-a") == []
    assert fired.kinds("cb-b") == ["remind7", "remind3", "remind1", "overdue"]
    digest = [t for t, _ in fired.timers if t.kind == "digest"]
    assert len(digest) == 1 and digest[0].unit_id == "root"  # one per parent
