"""Days late counted in working days (shared/workdays.py, ``working_days_late``), as a
report form may ask its synthesis to count them: the calendar-day count with the days
off left out, a started working day counted whole, at least 1 when late at all."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.aggregator.domain.nodes import days_late
from shared.clock import VN_TZ
from shared.workdays import WorkCalendar, working_days_late

STATUTORY = WorkCalendar()


def at(text: str) -> datetime:
    """A Vietnamese instant, "24/01/2025 17:00"."""
    return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=VN_TZ)


# Tết Ất Tỵ: Saturday 25/01 to Sunday 02/02/2025 off (Monday 27 to Saturday 01/02 as
# holidays), work again from Monday 03/02.
@pytest.mark.parametrize(
    ("due", "received", "working", "calendar"),
    [
        # by the end of Friday 24/01, sent on Monday 03/02: the first working day after Tết
        ("25/01/2025 00:00", "03/02/2025 09:00", 1, 10),
        # and on Tuesday 04/02: Monday whole, Tuesday started
        ("25/01/2025 00:00", "04/02/2025 10:00", 2, 11),
        # "trước ngày 24/01/2025": late all Friday, then Monday started
        ("24/01/2025 00:00", "03/02/2025 09:00", 2, 11),
        # before 17:00 on Friday: Friday's 7 hours and Monday's 9 make one started day
        ("24/01/2025 17:00", "03/02/2025 09:00", 1, 10),
        # and Monday's 18 hours make a second one
        ("24/01/2025 17:00", "03/02/2025 18:00", 2, 11),
        # sent during Tết itself: only Friday's evening was a working day
        ("24/01/2025 17:00", "29/01/2025 10:00", 1, 5),
    ],
)
def test_tet_is_not_counted(due, received, working, calendar):
    assert working_days_late(at(received), at(due), STATUTORY) == working
    assert days_late(at(received), at(due)) == calendar


@pytest.mark.parametrize(
    ("due", "received", "working"),
    [
        # one hour late on a working day (Wednesday 05/03/2025) is one day
        ("05/03/2025 17:00", "05/03/2025 18:00", 1),
        # due by the end of Friday 07/03, sent on Saturday or Sunday: late all the same
        ("08/03/2025 00:00", "08/03/2025 10:00", 1),
        ("08/03/2025 00:00", "09/03/2025 23:00", 1),
        # sent on Monday: one working day; on Tuesday: two
        ("08/03/2025 00:00", "10/03/2025 09:00", 1),
        ("08/03/2025 00:00", "11/03/2025 09:00", 2),
        # before 17:00 on Friday, sent on Saturday: Friday's evening, one started day
        ("07/03/2025 17:00", "08/03/2025 10:00", 1),
    ],
)
def test_a_weekend_is_not_counted(due, received, working):
    assert working_days_late(at(received), at(due), STATUTORY) == working


def test_on_time_or_unknown_is_not_late():
    due = at("07/03/2025 17:00")
    assert working_days_late(at("07/03/2025 16:59"), due, STATUTORY) == 0
    assert working_days_late(None, due, STATUTORY) == 0
    assert working_days_late(due, None, STATUTORY) == 0


def test_the_days_off_the_operator_loads_are_not_counted():
    due, received = at("08/03/2025 00:00"), at("11/03/2025 09:00")
    announced = WorkCalendar(days_off={date(2025, 3, 10): "Nghỉ bù"})
    assert working_days_late(received, due, STATUTORY) == 2
    assert working_days_late(received, due, announced) == 1
    # and a Saturday worked in exchange is
    worked = WorkCalendar(working_days={date(2025, 3, 8): "Làm bù"})
    assert working_days_late(at("08/03/2025 10:00"), at("07/03/2025 17:00"), worked) == 1
    assert working_days_late(at("09/03/2025 10:00"), at("07/03/2025 17:00"), worked) == 2


def test_the_instants_are_read_as_vietnamese_days_whatever_their_offset():
    # 17:00 UTC on Friday 24/01 is midnight starting Saturday 25/01 in Việt Nam
    due = datetime.fromisoformat("2025-01-24T17:00:00+00:00")
    received = datetime.fromisoformat("2025-02-03T02:00:00+00:00")  # Monday, 09:00
    assert working_days_late(received, due, STATUTORY) == 1


def test_never_more_than_the_calendar_days():
    due = at("20/01/2025 17:00")
    for hours in range(1, 24 * 30, 7):
        received = due + timedelta(hours=hours)
        working = working_days_late(received, due, STATUTORY)
        assert 1 <= working <= days_late(received, due), received
