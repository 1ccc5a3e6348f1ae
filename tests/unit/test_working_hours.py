"""Working hours (08:00-12:00, 13:00-17:00 Vietnam time on working days): what the unopened
timer counts an assignment mail's wait in."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.notifier.domain.working_hours import working_hours_after
from shared.clock import VN_TZ
from shared.workdays import WorkCalendar

STATUTORY = WorkCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def test_a_friday_afternoon_mail_plus_sixteen_hours_is_tuesday_afternoon():
    # Friday 16-17 (1), Monday 8-12 and 13-17 (9), Tuesday 8-12 (13) and 13-16 (16)
    assert working_hours_after(at("2024-06-21T16:00"), 16, STATUTORY) == at("2024-06-25T16:00")


def test_a_day_off_the_operator_announced_is_skipped():
    swapped = WorkCalendar(days_off={date(2024, 6, 24): "nghỉ bù"})
    assert working_hours_after(at("2024-06-21T16:00"), 16, swapped) == at("2024-06-26T16:00")


def test_a_statutory_holiday_is_skipped():
    # Thursday 18/04/2024 is Giỗ Tổ Hùng Vương: Wednesday 16-17, then Friday
    assert working_hours_after(at("2024-04-17T16:00"), 8, STATUTORY) == at("2024-04-19T16:00")
    # Quốc khánh 2024: Monday 2 and Tuesday 3 September
    assert working_hours_after(at("2024-08-30T17:00"), 4, STATUTORY) == at("2024-09-04T12:00")


def test_a_saturday_worked_in_exchange_counts():
    worked = WorkCalendar(working_days={date(2024, 6, 22): "làm bù"})
    assert working_hours_after(at("2024-06-21T16:00"), 5, worked) == at("2024-06-22T12:00")


def test_the_lunch_break_and_the_night_do_not_count():
    assert working_hours_after(at("2024-06-19T11:00"), 2, STATUTORY) == at("2024-06-19T14:00")
    assert working_hours_after(at("2024-06-19T12:30"), 1, STATUTORY) == at("2024-06-19T14:00")
    assert working_hours_after(at("2024-06-19T20:00"), 1, STATUTORY) == at("2024-06-20T09:00")
    assert working_hours_after(at("2024-06-19T06:15"), 0.5, STATUTORY) == at("2024-06-19T08:30")


def test_a_mail_on_a_sunday_counts_from_monday_morning():
    assert working_hours_after(at("2024-06-23T10:00"), 4, STATUTORY) == at("2024-06-24T12:00")


def test_an_end_at_closing_time_stays_there():
    assert working_hours_after(at("2024-06-19T16:00"), 1, STATUTORY) == at("2024-06-19T17:00")
    assert working_hours_after(at("2024-06-19T08:00"), 8, STATUTORY) == at("2024-06-19T17:00")


def test_an_instant_in_another_zone_is_counted_in_vietnam_time():
    # 09:00 UTC is 16:00 in Hà Nội, a Friday
    start = datetime.fromisoformat("2024-06-21T09:00:00+00:00")
    found = working_hours_after(start, 16, STATUTORY)
    assert found == at("2024-06-25T16:00") and found.tzinfo == VN_TZ


def test_zero_hours_is_the_next_working_moment_and_fewer_are_refused():
    assert working_hours_after(at("2024-06-19T09:10"), 0, STATUTORY) == at("2024-06-19T09:10")
    assert working_hours_after(at("2024-06-22T09:10"), 0, STATUTORY) == at("2024-06-24T08:00")
    with pytest.raises(ValueError):
        working_hours_after(at("2024-06-19T09:10"), -1, STATUTORY)
