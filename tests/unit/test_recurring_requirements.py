"""Recurring requirements as documents write them: until when ("đến hết năm 2025"), over
which data (Nghị định 09/2019's closing windows), a period without a day; and the seeds
whose yearly report runs over more than one period."""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice

from services.issuer.documents.dates import find_until, period_end_after, reads_closing_window
from services.issuer.documents.ingest import _schedule, resolve_document
from services.issuer.documents.parse import parse_file
from shared.contracts import ParsedDeadline
from shared.periods import periods
from shared.slugs import fold
from tests.unit.test_seed_documents import DIRECTORY, read, seed

VN = "T00:00:00+07:00"


def test_until_is_read_from_the_year_or_the_day_the_clause_ends_on():
    assert find_until(fold("báo cáo hằng quý đến hết năm 2025")) == datetime.fromisoformat(
        "2026-01-01" + VN
    )
    assert find_until(fold("định kỳ hằng tháng đến năm 2026")) == datetime.fromisoformat(
        "2027-01-01" + VN
    )
    assert find_until(fold("hằng tháng, đến hết ngày 30/6/2025")) == datetime.fromisoformat(
        "2025-07-01" + VN
    )
    assert find_until(fold("báo cáo hằng quý trước ngày 20 tháng cuối quý")) is None


def test_the_decree_09_closing_window_is_recognised():
    assert reads_closing_window(fold("thời gian chốt số liệu từ ngày 15 tháng trước"))
    assert reads_closing_window(fold("theo Nghị định số 09/2019/NĐ-CP của Chính phủ"))
    assert not reads_closing_window(fold("báo cáo hằng tháng trước ngày 20"))


def test_a_period_that_names_no_day_is_due_when_it_is_over():
    assert period_end_after("quarterly", date(2025, 5, 2)) == datetime.fromisoformat(
        "2025-07-01" + VN
    )
    assert period_end_after("yearly", date(2025, 5, 2)) == datetime.fromisoformat("2026-01-01" + VN)
    assert period_end_after("periodic", date(2025, 5, 2)) is None


def test_until_read_as_a_deadline_is_the_end_and_each_quarter_is_due_at_its_close():
    deadline = ParsedDeadline(
        text="hằng quý báo cáo kết quả về Ban Thường vụ đến hết năm 2025",
        action="báo cáo kết quả",
        to=None,
        due_before=datetime.fromisoformat("2026-01-01" + VN),  # _IN_YEAR's reading
        recurrence="quarterly",
    )
    schedule = _schedule(deadline, date(2025, 2, 10))
    assert schedule["until"] == datetime.fromisoformat("2026-01-01" + VN)
    assert schedule["due_before"] == datetime.fromisoformat("2025-04-01" + VN)


def test_seed_000s_yearly_report_runs_over_more_than_one_year():
    reading = read("000", issuer="duk-cqdn-hung-yen")
    [yearly] = [r for r in reading.requirements if r.recurrence == "yearly"]
    assert [p.label for p in islice(periods(yearly), 3)] == ["Năm 2024", "Năm 2025", "Năm 2026"]
    assert [p.due_before.date() for p in islice(periods(yearly), 2)] == [
        date(2025, 1, 1), date(2026, 1, 1)
    ]  # fmt: skip


def test_seed_002s_yearly_report_without_a_day_is_due_at_each_years_end():
    reading = resolve_document(parse_file(seed("002")), DIRECTORY)
    yearly = [r for r in reading.requirements if r.recurrence == "yearly"]
    assert yearly and yearly[0].due_before is not None
    assert len(list(islice(periods(yearly[0]), 2))) == 2
