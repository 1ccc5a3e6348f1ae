"""shared/clock.py: the one clock every service reads, real or simulated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.clock import ClockSpecError, parse_clock

ANCHOR = 1_700_000_000.0
SPEC = "sim:2024-06-19T08:00:00+07:00@3600"
START = datetime.fromisoformat("2024-06-19T08:00:00+07:00")


def test_real_spec_gives_a_real_clock():
    clock = parse_clock("real")
    assert not clock.simulated
    assert clock.describe() == "real"
    # A real clock shows the real time: 0 is the unix epoch.
    assert clock.at_real(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_empty_spec_is_real():
    assert not parse_clock("  ").simulated


def test_sim_clock_shows_start_instant_at_anchor():
    clock = parse_clock(SPEC, anchor=ANCHOR)
    assert clock.simulated
    assert clock.at_real(ANCHOR) == START


def test_sim_clock_runs_factor_times_faster():
    clock = parse_clock(SPEC, anchor=ANCHOR)
    # 10 real seconds at 3600x are 10 simulated hours.
    assert clock.at_real(ANCHOR + 10) == START + timedelta(hours=10)


def test_sim_clock_without_factor_runs_at_real_speed():
    clock = parse_clock("sim:2024-06-19T08:00:00+07:00", anchor=ANCHOR)
    assert clock.at_real(ANCHOR + 60) == START + timedelta(minutes=1)


def test_real_epoch_of_inverts_at_real():
    clock = parse_clock(SPEC, anchor=ANCHOR)
    deadline = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
    real = clock.real_epoch_of(deadline)
    assert real > ANCHOR
    assert clock.at_real(real) == deadline
    # And the other way round for an arbitrary real time.
    assert clock.real_epoch_of(clock.at_real(ANCHOR + 123.5)) == pytest.approx(ANCHOR + 123.5)


def test_real_clock_real_epoch_of_is_the_timestamp():
    instant = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
    assert parse_clock("real").real_epoch_of(instant) == instant.timestamp()


def test_describe_round_trips_through_parse_clock():
    clock = parse_clock(SPEC, anchor=ANCHOR)
    again = parse_clock(clock.describe(), anchor=ANCHOR)
    assert again.at_real(ANCHOR + 10) == clock.at_real(ANCHOR + 10)


@pytest.mark.parametrize("spec", ["real", SPEC])
def test_now_is_in_vietnam_time(spec):
    now = parse_clock(spec).now()
    assert str(now.tzinfo) == "Asia/Ho_Chi_Minh"
    assert now.utcoffset() == timedelta(hours=7)


def test_sim_start_given_in_utc_is_shown_in_vietnam_time():
    clock = parse_clock("sim:2024-06-19T01:00:00+00:00@60", anchor=ANCHOR)
    shown = clock.at_real(ANCHOR)
    assert (shown.hour, shown.utcoffset()) == (8, timedelta(hours=7))


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("sim:2024-06-19T08:00:00@3600", "UTC offset"),
        ("sim:2024-06-19T08:00:00+07:00@fast", "not a number"),
        ("sim:2024-06-19T08:00:00+07:00@", "not a number"),
        ("sim:2024-06-19T08:00:00+07:00@0", "must be positive"),
        ("sim:2024-06-19T08:00:00+07:00@-5", "must be positive"),
        ("sim:yesterday@3600", "not an ISO date-time"),
        ("fast", "must be 'real' or 'sim:"),
        ("REAL", "must be 'real' or 'sim:"),
    ],
)
def test_wrong_specs_raise_with_the_problem_named(spec, words):
    with pytest.raises(ClockSpecError, match=words):
        parse_clock(spec)


def test_clock_spec_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_clock("garbage")


@pytest.mark.parametrize("factor", ["nan", "inf"])
def test_non_finite_factor_is_refused(factor):
    with pytest.raises(ClockSpecError):
        parse_clock(f"sim:2024-06-19T08:00:00+07:00@{factor}")
