"""shared/vietnamese.py: dates, deadlines, numbers and kinds as Vietnamese documents write them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shared.vietnamese import (
    document_title,
    format_date,
    format_date_long,
    format_deadline,
    format_instant,
    format_number,
    format_rate,
    kind_name,
    last_day,
    weekday,
)

MIDNIGHT = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
AFTERNOON = datetime.fromisoformat("2017-12-05T14:00:00+07:00")


def test_midnight_deadline_names_the_day_only():
    assert format_deadline(MIDNIGHT) == "trước ngày 10/12/2024 (Thứ Ba)"


def test_deadline_with_a_time_names_hour_and_minutes():
    assert format_deadline(AFTERNOON) == "trước 14 giờ 00, ngày 05/12/2017 (Thứ Ba)"


def test_deadline_given_in_utc_is_shown_in_vietnam_time():
    # 17:00 UTC on 9/12 is midnight of 10/12 in Vietnam.
    utc = datetime.fromisoformat("2024-12-09T17:00:00+00:00")
    assert format_deadline(utc) == "trước ngày 10/12/2024 (Thứ Ba)"
    # 07:30 UTC on 5/12/2017 is 14:30 in Vietnam.
    utc = datetime.fromisoformat("2017-12-05T07:30:00+00:00")
    assert format_deadline(utc) == "trước 14 giờ 30, ngày 05/12/2017 (Thứ Ba)"


def test_no_deadline():
    assert format_deadline(None) == "không ghi thời hạn"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2024, 6, 17), "Thứ Hai"),
        (date(2024, 6, 19), "Thứ Tư"),
        (date(2024, 6, 23), "Chủ nhật"),
    ],
)
def test_weekday_names(day, name):
    assert weekday(day) == name


def test_dates():
    assert format_date(date(2024, 6, 9)) == "09/06/2024"
    assert format_date_long(date(2024, 6, 19)) == "ngày 19 tháng 6 năm 2024"


def test_instant_is_shown_in_vietnam_time():
    utc = datetime.fromisoformat("2024-06-19T01:05:00+00:00")
    assert format_instant(utc) == "08 giờ 05, ngày 19/06/2024"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234, "1.234"), (95.5, "95,5"), (0, "0"), (1234567.25, "1.234.567,25"), (12.0, "12")],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [(191, 200, "95,5%"), (200, 200, "100%"), (0, 9, "0%"), (1, 0, "—")],
)
def test_format_rate(part, whole, text):
    assert format_rate(part, whole) == text


def test_document_title():
    assert document_title("KH", "101-KH/ĐU") == "Kế hoạch số 101-KH/ĐU"
    assert document_title("HD", "143-HD/BTGTW") == "Hướng dẫn số 143-HD/BTGTW"


def test_unknown_kind_is_kept_as_written():
    assert kind_name("XYZ") == "XYZ"
    assert kind_name("QĐ") == "Quyết định"


def test_last_day_of_a_midnight_deadline_is_the_day_before():
    assert last_day(MIDNIGHT) == date(2024, 12, 9)


def test_last_day_of_a_deadline_with_a_time_is_that_day():
    assert last_day(AFTERNOON) == date(2017, 12, 5)


def test_last_day_is_judged_in_vietnam_time():
    # Midnight of 10/12 in Vietnam, given in UTC (still 9/12 in UTC).
    assert last_day(datetime.fromisoformat("2024-12-09T17:00:00+00:00")) == date(2024, 12, 9)
    # 20:00 UTC on 9/12 is 03:00 on 10/12 in Vietnam.
    assert last_day(datetime.fromisoformat("2024-12-09T20:00:00+00:00")) == date(2024, 12, 10)
