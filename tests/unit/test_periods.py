"""Recurring requirements' periods (shared/periods.py): their deadlines, names and data
windows, their end, the id of each period's copy, and what a page reads at a moment."""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice

from shared.contracts import Directive, ReportingRequirement
from shared.periods import as_of, current_period, periods, requirement_in

T = "T00:00:00+07:00"


def requirement(recurrence: str, due: str, **more) -> ReportingRequirement:
    return ReportingRequirement(
        id="r1",
        action="báo cáo kết quả",
        recurrence=recurrence,
        due_before=datetime.fromisoformat(due + T),
        **more,
    )


def test_a_quarterly_requirement_until_the_end_of_2025_has_four_periods():
    r = requirement("quarterly", "2025-03-20", until=datetime.fromisoformat("2026-01-01" + T))
    found = list(periods(r))
    assert [p.key for p in found] == ["2025-q1", "2025-q2", "2025-q3", "2025-q4"]
    assert [p.label for p in found] == ["Quý I/2025", "Quý II/2025", "Quý III/2025", "Quý IV/2025"]
    assert [p.due_before.date() for p in found] == [
        date(2025, 3, 20), date(2025, 6, 20), date(2025, 9, 20), date(2025, 12, 20)
    ]  # fmt: skip
    # each opens when the one before is due; the first at issue
    assert found[0].opens_at is None and found[2].opens_at == found[1].due_before
    assert (found[1].first_day, found[1].last_day) == (date(2025, 4, 1), date(2025, 6, 30))


def test_a_month_end_deadline_keeps_to_the_months_last_day():
    r = requirement("monthly", "2025-01-31")
    dues = [p.due_before.date() for p in islice(periods(r), 4)]
    assert dues == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_the_decree_09_windows_run_from_the_15th_to_the_14th():
    monthly = requirement("monthly", "2025-03-18", closing="nd09")
    first = next(periods(monthly))
    assert (first.label, first.first_day, first.last_day) == (
        "Tháng 3/2025",
        date(2025, 2, 15),
        date(2025, 3, 14),
    )
    yearly = requirement("yearly", "2024-12-20", closing="nd09")
    year = next(periods(yearly))
    assert (year.label, year.first_day, year.last_day) == (
        "Năm 2024",
        date(2023, 12, 15),
        date(2024, 12, 14),
    )
    half = next(periods(requirement("semiannual", "2025-06-20", closing="nd09")))
    assert (half.label, half.first_day, half.last_day) == (
        "6 tháng đầu năm 2025",
        date(2024, 12, 15),
        date(2025, 6, 14),
    )


def test_a_yearly_report_due_at_the_new_year_is_the_years_before():
    r = requirement("yearly", "2025-01-01", until=datetime.fromisoformat("2026-01-01" + T))
    assert [p.label for p in periods(r)] == ["Năm 2024", "Năm 2025"]


def test_issuing_assigns_the_period_still_ahead_and_pages_show_those_opened():
    r = requirement("quarterly", "2025-03-20")
    issued = datetime.fromisoformat("2025-05-02" + T)
    assert current_period(r, issued).key == "2025-q2"
    directive = Directive(
        kind="KH", ref="5-KH/ĐU", issued_on=date(2025, 5, 2), issuer_unit="du-a",
        issuer="Đảng ủy A", title="Báo cáo hằng quý", requirements=[r],
    )  # fmt: skip
    at_issue = as_of(directive, issued, issued)
    assert [x.id for x in at_issue.requirements] == ["r1--2025-q2"]
    later = as_of(directive, issued, datetime.fromisoformat("2025-10-01" + T))
    assert [x.id for x in later.requirements] == ["r1--2025-q2", "r1--2025-q3", "r1--2025-q4"]
    q3 = requirement_in(directive, "r1--2025-q3")
    assert q3 is not None and (q3.period, q3.period_of) == ("Quý III/2025", "r1")
    assert q3.due_before == datetime.fromisoformat("2025-09-20" + T)
    assert requirement_in(directive, "r1--2031-q9") is None
    assert requirement_in(directive, "r1") is r


def test_a_requirement_that_does_not_recur_is_itself():
    once = ReportingRequirement(id="r1", action="báo cáo", due_before=None, recurrence="yearly")
    assert list(periods(once)) == [] and current_period(once, datetime.now().astimezone()) is None
