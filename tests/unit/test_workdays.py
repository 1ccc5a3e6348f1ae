"""Working days as offices count them (shared/workdays.py): Tết, the swapped Saturdays,
the days an operator adds; and the deadlines documents write in working days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.issuer.documents.parse import parse_lines
from shared import workdays
from shared.clock import VN_TZ
from shared.workdays import CalendarError, WorkCalendar, read_calendar_file
from tests.factories import small_plan


@pytest.fixture(autouse=True)
def statutory_calendar():
    workdays.use(WorkCalendar())
    yield
    workdays.use(WorkCalendar())


FIVE_WORKING_DAYS = "trong 05 ngày làm việc kể từ ngày\nban hành Kế hoạch này"


def plan_issued_on(day: date, when: str = FIVE_WORKING_DAYS):
    return parse_lines(small_plan(14, day, when).splitlines())


@pytest.mark.parametrize(
    ("issued", "last_day"),
    [
        # the Friday before Tết Ất Tỵ: 27/01-31/01/2025 off, work starts again on 03/02
        (date(2025, 1, 24), date(2025, 2, 7)),
        # the Friday before Tết Giáp Thìn: 08/02-14/02/2024 off
        (date(2024, 2, 2), date(2024, 2, 16)),
        # an ordinary week: Monday 05/08/2024 + 5 working days
        (date(2024, 8, 5), date(2024, 8, 12)),
    ],
)
def test_five_working_days_from_the_date_of_issue(issued, last_day):
    [deadline] = plan_issued_on(issued).deadlines
    assert deadline.action == "báo cáo kết quả"
    # by the end of the last day: before the midnight after it
    assert deadline.due_before == datetime.combine(
        date.fromordinal(last_day.toordinal() + 1), datetime.min.time(), VN_TZ
    )


def test_a_saturday_worked_in_exchange_counts_and_the_day_off_for_it_does_not():
    calendar = WorkCalendar()
    assert calendar.is_working(date(2025, 4, 26))  # Saturday, worked for Friday 02/05/2025
    assert not calendar.is_working(date(2025, 5, 2))
    assert calendar.why_off(date(2025, 1, 29)) == "Tết Nguyên đán"
    # from Thursday 24/04/2025: 25 (Fri), 26 (Sat, worked), 28 (Mon), 29 (Tue)
    assert calendar.add(date(2025, 4, 24), 4) == date(2025, 4, 29)


def test_a_day_off_the_operator_loads_moves_the_deadline(tmp_path):
    announced = tmp_path / "2025.yaml"
    announced.write_text(
        "days_off:\n  - {day: 04/02/2025, why: Nghỉ bù theo thông báo}\nworking_days: []\n",
        encoding="utf-8",
    )
    workdays.use(read_calendar_file(announced))
    [deadline] = plan_issued_on(date(2025, 1, 24)).deadlines
    assert deadline.due_before.date() == date(2025, 2, 11)  # 03, 05, 06, 07, 10/02


def test_a_deadline_ending_on_a_holiday_is_warned_of():
    # "trước ngày 01/05/2025": its last day, 30/04, is the Reunification Day holiday
    holiday = plan_issued_on(date(2025, 4, 10), "trước ngày 01/05/2025")
    assert holiday.deadlines[0].due_before.date() == date(2025, 5, 1)
    assert (
        'the deadline of "báo cáo kết quả" ends on 30/04/2025, a day off (Ngày Giải phóng '
        "miền Nam, thống nhất đất nước); the last working day before it is 29/04/2025"
    ) in holiday.warnings
    ordinary = plan_issued_on(date(2025, 4, 10), "trước ngày 24/04/2025")
    assert not [w for w in ordinary.warnings if "a day off" in w]
    weekend = plan_issued_on(date(2025, 4, 10), "trước ngày 21/04/2025")  # ends on a Sunday
    assert not [w for w in weekend.warnings if "a day off" in w]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("days_off: [31/02/2025]\n", "“31/02/2025” is not a day"),
        ("days_off: [2025-02-04]\nworking_days: [2025-02-04]\n", "both a day off and"),
        ("working_days: [05/02/2025]\n", "is a weekday already"),
        ("holidays: []\n", "give days_off and working_days, nothing else"),
    ],
)
def test_a_calendar_file_that_cannot_be_used_says_why(tmp_path, content, words):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError, match=words):
        read_calendar_file(wrong)
