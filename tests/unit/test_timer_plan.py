"""Which timers an assignment gets: reminders before its deadline, the overdue notice at
it, the parent's digest after it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notifier.adapters.timers import Timers
from services.notifier.domain.timer_plan import stale
from shared.clock import Clock
from shared.contracts import Unit
from shared.directory import Directory
from shared.settings import Settings
from shared.timers import at_header
from tests.factories import DUE, assignment

UNITS = [
    Unit(id="root", name="Đảng ủy", kind="grassroots_committee"),
    Unit(id="cb-a", name="Chi bộ A", kind="chi_bo", parent="root"),
]


def _timers(now: datetime, **settings) -> Timers:
    clock = Clock(start=now, factor=1.0)
    return Timers(None, Settings(**settings), clock, lambda: Directory(UNITS))  # type: ignore[arg-type]


def test_reminders_at_the_configured_days_then_overdue_then_the_parents_digest():
    plan = _timers(datetime.fromisoformat("2024-06-19T08:00:00+07:00")).plan(assignment("cb-a"))
    assert [(t.kind, t.days_before, t.unit_id, t.at) for t in plan] == [
        ("remind", 7, "cb-a", DUE - timedelta(days=7)),
        ("remind", 3, "cb-a", DUE - timedelta(days=3)),
        ("remind", 1, "cb-a", DUE - timedelta(days=1)),
        ("overdue", None, "cb-a", DUE),
        ("digest", None, "root", DUE + timedelta(days=2)),
    ]
    ids = [t.id for t in plan]
    assert len(set(ids)) == len(ids) and all(i.isascii() for i in ids)
    assert ids[-1] == "timer.digest.d1.r1.root"  # one per parent, whichever unit asked


def test_reminder_days_and_digest_delay_come_from_settings():
    plan = _timers(
        datetime.fromisoformat("2024-06-19T08:00:00+07:00"),
        reminder_days=[2, 10],
        digest_after_days=5,
    ).plan(assignment("cb-a"))
    assert [t.days_before for t in plan if t.kind == "remind"] == [10, 2]
    assert plan[-1].at == DUE + timedelta(days=5)


def test_reminders_already_past_are_not_planned():
    plan = _timers(DUE - timedelta(days=2)).plan(assignment("cb-a"))
    assert [(t.kind, t.days_before) for t in plan] == [
        ("remind", 1),
        ("overdue", None),
        ("digest", None),
    ]


def test_no_timers_without_a_deadline_or_when_it_had_passed_at_assignment():
    now = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
    assert _timers(now).plan(assignment("cb-a", due=None)) == []
    past = assignment("cb-a", due=datetime.fromisoformat("2024-06-01T00:00:00+07:00"))
    assert _timers(now).plan(past) == []


def test_a_unit_without_a_parent_gets_no_digest():
    plan = _timers(datetime.fromisoformat("2024-06-19T08:00:00+07:00")).plan(assignment("root"))
    assert "digest" not in [t.kind for t in plan]


def test_schedule_times_keep_milliseconds_and_are_never_in_the_past():
    import time

    future = time.time() + 3600.25
    header = at_header(future)
    assert header.startswith("@at ") and header.endswith("Z")
    stamp = datetime.fromisoformat(header[4:].replace("Z", "+00:00"))
    assert abs(stamp.timestamp() - future) < 0.001
    past = datetime.fromisoformat(at_header(time.time() - 60)[4:].replace("Z", "+00:00"))
    assert past.timestamp() >= time.time() - 1


def test_a_reminder_too_late_to_be_true_is_stale_the_overdue_and_digest_never_are():
    remind3, remind1, overdue, digest = [
        t
        for t in _timers(DUE - timedelta(days=8)).plan(assignment("cb-a"))
        if (t.kind, t.days_before) != ("remind", 7)
    ]
    twelve_hours = timedelta(hours=12)
    assert not stale(remind3, remind3.at, twelve_hours)  # on time
    assert not stale(remind3, remind3.at + timedelta(hours=11), twelve_hours)  # a bit late
    assert stale(remind3, remind3.at + timedelta(hours=13), twelve_hours)  # "còn 3 ngày"?
    assert stale(remind1, DUE, timedelta(days=30))  # the deadline has passed
    after_an_outage = DUE + timedelta(days=1)
    assert not stale(overdue, after_an_outage, twelve_hours)  # says how things stand now
    assert not stale(digest, digest.at + timedelta(days=9), twelve_hours)


def test_reminders_in_working_days_skip_tet():
    # due before 08/02/2025 (the end of Friday 07/02): "3wd" is Wednesday 05/02, "5wd"
    # Monday 03/02, "7wd" across Tết (27/01-31/01 off) Thursday 23/01
    due = datetime.fromisoformat("2025-02-08T00:00:00+07:00")
    a = assignment("cb-a", due=due)
    a = a.model_copy(update={"assigned_at": datetime.fromisoformat("2025-01-02T08:00:00+07:00")})
    plan = _timers(a.assigned_at, reminder_days="7wd,5wd,3wd,1").plan(a)
    reminders = [(t.days_before, t.working_days, t.at.date().isoformat(), t.id) for t in plan
                 if t.kind == "remind"]  # fmt: skip
    assert [r[:3] for r in reminders] == [
        (7, True, "2025-01-23"),
        (5, True, "2025-02-03"),
        (3, True, "2025-02-05"),
        (1, False, "2025-02-07"),
    ]
    assert reminders[0][3] == "timer.remind-7wd.d1.cb-a.r1"  # not the calendar one's id


def test_the_reminder_days_setting_says_what_it_takes():
    assert Settings(reminder_days="7,3wd").reminder_days == ["7", "3wd"]
    with pytest.raises(ValueError, match="'3 days' is neither a number of days"):
        Settings(reminder_days="7,3 days")


def test_an_urgent_directive_is_chased_on_its_own_schedule():
    a = assignment("cb-a").model_copy(update={"urgency": "hoa_toc"})
    plan = _timers(datetime.fromisoformat("2024-06-19T08:00:00+07:00")).plan(a)
    # the default: 2 and 1 working days before, not 7, 3 and 1 calendar days
    assert [(t.days_before, t.working_days) for t in plan if t.kind == "remind"] == [
        (2, True),
        (1, True),
    ]
    assert "remind-2wd" in plan[0].id
