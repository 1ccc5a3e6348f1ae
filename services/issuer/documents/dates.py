"""Dates and deadlines as documents write them, read from folded text (see text.fold).

Every deadline becomes an *exclusive* instant in Vietnam time: "trước ngày 10/12/2024" is
2024-12-10T00:00+07:00; "chậm nhất ngày 15/3/2021" (the day itself still counts) is
2021-03-16T00:00; "trong tháng 5/2024" is 2024-06-01T00:00; "trong quý II/2024" is
2024-07-01T00:00; "hằng năm vào tháng 12" is the end of the first December after the
document, recurring yearly.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.clock import VN_TZ
from shared.workdays import in_force

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4})"
# "ngày 30 tháng 4 năm 2011" (OCR: "ngay 16 thang 4 ndam 2024") or "30/4/2011".
_LONG_BODY = rf"{_D}\s+th[a4]ng\s*{_M}\s*,?\s+n\w{{0,2}}m\s*{_Y}"
_LONG = rf"ng[a4]y\s*{_LONG_BODY}"
_NUMERIC = rf"{_D}\s*[/.-]\s*{_M}\s*[/.-]\s*{_Y}"
DATE = re.compile(rf"{_LONG}|(?:ng[a4]y\s*)?{_NUMERIC}")

_MONTH_YEAR = rf"{_M}(?:\s*/\s*{_Y}|\s+nam\s+{_Y})?"
_QUARTER = r"(iv|1v|i{1,3}|[1l]{1,3}|[1-4])"  # OCR reads "II" as "11"


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    due_before: datetime | None
    recurrence: str | None


MIN_YEAR, MAX_YEAR = 1900, 2200  # outside these a "year" is a misread number


def make_date(day: int, month: int, year: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_of(match: re.Match[str]) -> date | None:
    """The date a DATE match names (long form groups 1-3, numeric 4-6)."""
    groups = [g for g in match.groups() if g is not None]
    if len(groups) < 3:
        return None
    day, month, year = (int(g) for g in groups[:3])
    return make_date(day, month, year)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN_TZ)


def month_end(year: int, month: int) -> datetime:
    """The instant the month is over."""
    return at(date(year + month // 12, month % 12 + 1, 1))


def quarter_number(token: str) -> int | None:
    token = token.lower()
    if token in ("iv", "1v"):
        return 4
    if token.isdigit() and len(token) == 1:
        number = int(token)
        return number if 1 <= number <= 4 else None
    if set(token) <= {"i", "1", "l"} and 1 <= len(token) <= 3:
        return len(token)
    return None


_RECURRENCES = [
    (
        re.compile(r"dinh\s+ky\s+(?:6|sau)\s+thang|(?:6|sau)\s+thang\s+(?:mot|1)\s+lan"),
        "semiannual",
    ),
    (re.compile(r"h[a]ng\s+nam|dinh\s+ky\s+nam|moi\s+nam"), "yearly"),
    (re.compile(r"h[a]ng\s+quy|dinh\s+ky\s+quy|moi\s+quy"), "quarterly"),
    (re.compile(r"h[a]ng\s+thang|dinh\s+ky\s+thang|moi\s+thang"), "monthly"),
    (re.compile(r"dinh\s+ky"), "periodic"),
]


def find_recurrence(folded: str) -> tuple[int, int, str] | None:
    for pattern, name in _RECURRENCES:
        match = pattern.search(folded)
        if match:
            return match.start(), match.end(), name
    return None


_TIME_OF_DAY = r"(\d{1,2})\s*(?:gio|h)(?:\s*(\d{1,2})(?:\s*phut)?)?"
_BEFORE_AT = re.compile(
    rf"truoc\s+{_TIME_OF_DAY}\s*,?\s*(?:ng[a4]y\s*)?(?:{_NUMERIC}|{_LONG_BODY})"
)
_BEFORE_DAY = re.compile(rf"(?:truoc|han\s+chot(?:\s+la)?)\s+(?:{_LONG}|(?:ngay\s*)?{_NUMERIC})")
_LATEST_DAY = re.compile(
    rf"(?:cham\s+nhat|khong\s+qua|den\s+het)\s+(?:la\s+)?(?:vao\s+)?(?:{_LONG}|(?:ngay\s*)?{_NUMERIC})"
)
# "trong 05 ngày làm việc kể từ ngày ban hành" (Nghị định 30/2020 counts so): counted on
# the working-day calendar from the document's date, the day itself not counted.
_WORKING_DAYS = re.compile(
    r"(?:trong|trong\s+vong|trong\s+thoi\s+han|cham\s+nhat(?:\s+la)?|khong\s+qua)\s+"
    r"(\d{1,3})\s+ngay\s+lam\s+viec\s*,?\s*(?:ke\s+tu|tinh\s+tu)\s+(?:ngay\s+)?"
    r"(?:ban\s+hanh|ky|nhan)"
)
_MONTHLY_DAY = re.compile(rf"truoc\s+ngay\s+{_D}\s+h[a]ng\s+thang")
# "trước ngày 10/12" with no year: the document's year.
_BEFORE_DAY_MONTH = re.compile(
    rf"(?:truoc|han\s+chot(?:\s+la)?)\s+ngay\s*{_D}\s*/\s*{_M}(?!\s*[/.-]\s*\d)"
)
_IN_MONTH = re.compile(
    rf"(?:trong|vao|cuoi|het|den\s+het)\s+(?:cuoi\s+)?th[a4]ng\s*{_MONTH_YEAR}(?![\d/])"
)
_IN_QUARTER = re.compile(
    rf"(?:trong|vao|cuoi|het|den\s+het)\s+(?:cuoi\s+)?qu[yi]\s+{_QUARTER}(?:\s*/\s*{_Y}|\s+nam\s+{_Y})?\b"
)
_IN_YEAR = re.compile(rf"(?:trong|cuoi|het|den\s+het)\s+nam\s+{_Y}")


def _numbers(match: re.Match[str]) -> list[int]:
    return [int(g) for g in match.groups() if g is not None and g.isdigit()]


def find_deadline_time(folded: str, reference: date | None) -> Found | None:
    """The deadline a clause states, if any. ``reference`` is the document's date: a
    month or quarter without a year takes its year, a yearly month or a monthly day
    the first one after it."""
    recurrence = find_recurrence(folded)
    rec_name = recurrence[2] if recurrence else None
    spans: list[tuple[int, int]] = [recurrence[:2]] if recurrence else []
    due, rec_name = _due_on_a_day(folded, reference, rec_name, spans)
    if due is None:
        due = _due_in_a_period(folded, reference, rec_name, spans)
    if not spans:
        return None
    return Found(min(s for s, _ in spans), max(e for _, e in spans), due, rec_name)


def _due_on_a_day(
    folded: str, reference: date | None, rec_name: str | None, spans: list[tuple[int, int]]
) -> tuple[datetime | None, str | None]:
    """A deadline on a day ("trước ngày 10/12/2024", "trước ngày 5 hằng tháng"), and the
    recurrence (a monthly day makes it monthly); each span read is added to ``spans``."""
    due: datetime | None = None
    if match := _WORKING_DAYS.search(folded):
        count = int(match.group(1))
        spans.append(match.span())
        if reference is not None and 1 <= count <= 366:
            # by the end of the n-th working day: before the day after it
            due = at(in_force().add(reference, count) + timedelta(days=1))
            return due, rec_name
    if match := _BEFORE_AT.search(folded):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        rest = [int(g) for g in match.groups()[2:] if g is not None]
        day = make_date(rest[0], rest[1], rest[2]) if len(rest) == 3 else None
        if day is not None and hour < 24 and minute < 60:
            due = at(day, hour, minute)
            spans.append(match.span())
    if due is None and (match := _BEFORE_DAY.search(folded)):
        day = date_of(match)
        if day is not None:
            due = at(day)
            spans.append(match.span())
    if due is None and (match := _LATEST_DAY.search(folded)):
        day = date_of(match)
        if day is not None:
            due = at(day + timedelta(days=1))
            spans.append(match.span())
    if due is None and (match := _MONTHLY_DAY.search(folded)):
        day_of_month = int(match.group(1))
        rec_name = "monthly"
        spans.append(match.span())
        if reference is not None and 1 <= day_of_month <= 31:
            due = at(_next_monthly(reference, day_of_month))
    if due is None and not spans_from_dates(spans) and (match := _BEFORE_DAY_MONTH.search(folded)):
        day_of_month, month = int(match.group(1)), int(match.group(2))
        spans.append(match.span())
        day = make_date(day_of_month, month, reference.year) if reference else None
        due = at(day) if day else None
    return due, rec_name


def _due_in_a_period(
    folded: str, reference: date | None, rec_name: str | None, spans: list[tuple[int, int]]
) -> datetime | None:
    """A deadline at the end of a month, a quarter or a year ("trong tháng 12/2024")."""
    due: datetime | None = None
    if match := _IN_MONTH.search(folded):
        month, *years = _numbers(match)
        if 1 <= month <= 12 and all(MIN_YEAR <= y <= MAX_YEAR for y in years):
            spans.append(match.span())
            if years:
                due = month_end(years[0], month)
            elif reference is None:
                pass  # no year anywhere: the deadline is kept without a date
            else:
                # "hằng năm vào tháng 12": the first such month after the document.
                later = rec_name == "yearly" and month < reference.month
                due = month_end(reference.year + (1 if later else 0), month)
    if due is None and (match := _IN_QUARTER.search(folded)):
        quarter = quarter_number(match.group(1))
        year = next((int(g) for g in match.groups()[1:] if g), None)
        year = year or (reference.year if reference else None)
        if quarter is not None:
            spans.append(match.span())
            if year is not None and MIN_YEAR <= year <= MAX_YEAR:
                due = month_end(year, quarter * 3)
    if due is None and (match := _IN_YEAR.search(folded)):
        year = int(match.group(1))
        if MIN_YEAR <= year < MAX_YEAR:
            due = at(date(year + 1, 1, 1))
            spans.append(match.span())
    return due


def spans_from_dates(spans: list[tuple[int, int]]) -> bool:
    """Whether a full date was already found (the recurrence span alone does not count)."""
    return len(spans) > 1


def _next_monthly(reference: date, day_of_month: int) -> date:
    """The first such day of a month after ``reference``; the 30th of February is its end."""
    year, month = reference.year, reference.month
    for _ in range(2):
        last = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day_of_month, last))
        if candidate > reference:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return candidate


# --- recurring requirements: until when, and over which data ---------------------------

# "đến hết năm 2025", "đến năm 2025", "đến hết 31/12/2025": no period starts after it
_UNTIL_YEAR = re.compile(rf"den\s+(?:het\s+)?nam\s+{_Y}")
_UNTIL_DAY = re.compile(rf"den\s+het\s+(?:ngay\s*)?{_NUMERIC}")
# Nghị định 09/2019/NĐ-CP Điều 12: the data from the 15th of the month before to the 14th
_CLOSING = re.compile(
    r"nghi\s+dinh\s+(?:so\s+)?09\s*/\s*2019|chot\s+so\s+lieu\s+(?:tu\s+)?(?:ngay\s+)?15"
)


def find_until(folded: str) -> datetime | None:
    """When a recurring requirement's periods end, if the clause says: the instant after
    the year or the day it names."""
    if match := _UNTIL_DAY.search(folded):
        day = make_date(*(int(g) for g in match.groups()[:3]))
        return at(day + timedelta(days=1)) if day else None
    if match := _UNTIL_YEAR.search(folded):
        year = int(match.group(1))
        return at(date(year + 1, 1, 1)) if MIN_YEAR <= year < MAX_YEAR else None
    return None


def reads_closing_window(folded: str) -> bool:
    """Whether a clause counts its data by Nghị định 09/2019's closing windows."""
    return _CLOSING.search(folded) is not None


def period_end_after(recurrence: str, reference: date) -> datetime | None:
    """A recurring requirement that names no day: due when the period holding the
    document's date is over (a quarterly report at the end of the quarter)."""
    months = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}.get(recurrence)
    if months is None:
        return None
    last = (reference.month - 1) // months * months + months
    return month_end(reference.year, last)
