"""`chidao dev` runs on the seeds' time by default, and a restart on the same state
directory goes on from where its clock was (its timers and deadlines stay in place)."""

from __future__ import annotations

from datetime import datetime

from chidao.cli import DEV_CLOCK, _clock_anchor
from shared.clock import parse_clock


def test_the_default_clock_is_the_seeds_day_and_a_restart_keeps_its_anchor(tmp_path):
    first = _clock_anchor(tmp_path, DEV_CLOCK)
    assert first is not None
    assert parse_clock(DEV_CLOCK, first).now() < datetime.fromisoformat(
        "2024-12-10T00:00:00+07:00"
    )  # seed 003's deadline still ahead
    assert _clock_anchor(tmp_path, DEV_CLOCK) == first  # started again: the same timeline
    other = "sim:2025-01-01T08:00:00+07:00@60"
    assert _clock_anchor(tmp_path, other) != first  # another clock starts afresh
    assert _clock_anchor(tmp_path, "real") is None
