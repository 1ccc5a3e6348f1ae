"""Working days as Vietnamese offices count them: Monday to Friday, less the public
holidays (Tết included) and the days the government gives off in exchange, plus the
Saturdays worked in exchange. The ``holidays`` package knows the statutory holidays and
the swaps already announced (``weekend_workdays``); the operator adds each year's new
announcements with ``chidao calendar load FILE`` (kept in NATS, ``CALENDAR``), read here
as ``days_off`` and ``working_days``.

Nghị định 30/2020/NĐ-CP counts many of its time limits in working days ("trong 05 ngày
làm việc kể từ ngày nhận"): ``add`` gives the n-th working day after a day, and
``working_days_late`` how many working days a report came late."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from time import monotonic

import holidays
import yaml
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError

from shared.clock import VN_TZ
from shared.kv import get_value
from shared.topology import CALENDAR

FIRST_YEAR, LAST_YEAR = 2000, 2100
DAY = timedelta(days=1)


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message says where, in plain words."""


@dataclass(frozen=True)
class WorkCalendar:
    # announced by the government, not yet in the holidays package: {day: why}
    days_off: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)  # Saturdays worked instead

    @cached_property
    def _public(self) -> holidays.HolidayBase:
        return holidays.country_holidays("VN")  # each year filled in when first asked

    def is_working(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return bool(self._public.is_working_day(day))

    def why_off(self, day: date) -> str | None:
        """Why ``day`` is no working day ("Tết Nguyên đán", "thứ Bảy"), None if it is one."""
        if self.is_working(day):
            return None
        if day in self.days_off:
            return self.days_off[day]
        if day in self._public:
            return _VIETNAMESE.get(str(self._public.get(day)), "ngày nghỉ lễ")
        return "thứ Bảy" if day.weekday() == 5 else "Chủ nhật"

    def add(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (n >= 1); ``day`` itself does not count."""
        if n < 1:
            raise ValueError("count at least one working day")
        current = day
        while n:
            current += timedelta(days=1)
            if self.is_working(current):
                n -= 1
        return current

    def as_json(self) -> dict:
        return {
            "days_off": {d.isoformat(): why for d, why in sorted(self.days_off.items())},
            "working_days": {d.isoformat(): why for d, why in sorted(self.working_days.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> WorkCalendar:
        return cls(
            {date.fromisoformat(d): w for d, w in data.get("days_off", {}).items()},
            {date.fromisoformat(d): w for d, w in data.get("working_days", {}).items()},
        )

    def encoded(self) -> bytes:
        return json.dumps(self.as_json(), ensure_ascii=False, sort_keys=True).encode()


def working_days_late(
    received: datetime | None, due: datetime | None, calendar: WorkCalendar
) -> int:
    """How many working days late ``received`` came after ``due``: the calendar-day
    count (whole days, started ones counted) with the days off left out. The time between
    the deadline and the receipt that falls on working days (Vietnamese days, midnight to
    midnight) is counted in days, a started one counted whole; at least 1 when late at
    all, so a report sent over the weekend after a Friday deadline is 1 day late.

    For a midnight deadline ("trước ngày 24/01/2025") that is the working days from the
    deadline's day to the receipt's day, both counted. One hour late on a working day is
    1 day; due by the end of Friday 24/01/2025 and received on Monday 03/02/2025, the
    first working day after Tết, is 1 (10 calendar days). Never more than the calendar
    count: the time is the same, less the days off."""
    if received is None or due is None or received < due:
        return 0
    start, end = due.astimezone(VN_TZ), received.astimezone(VN_TZ)
    late = timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_working(day):
            midnight = datetime.combine(day, time(), VN_TZ)
            late += min(end, midnight + DAY) - max(start, midnight)
        day += DAY
    return max(1, math.ceil(late / DAY))


_IN_FORCE: list[WorkCalendar] = []


def in_force() -> WorkCalendar:
    """The calendar the process counts with: the operator's, once ``use`` was given it."""
    if not _IN_FORCE:
        _IN_FORCE.append(WorkCalendar())
    return _IN_FORCE[0]


def use(calendar: WorkCalendar) -> None:
    """Count with ``calendar`` from now on (the service's, as loaded from NATS; a parse
    worker's, as its request carries it)."""
    _IN_FORCE[:] = [calendar]


# The holidays package names days in English; the staff read them in Vietnamese.
_VIETNAMESE = {
    "New Year's Day": "Tết Dương lịch",
    "Lunar New Year's Eve": "Tết Nguyên đán",
    "Lunar New Year": "Tết Nguyên đán",
    "29 of Lunar New Year": "Tết Nguyên đán",
    "Second Day of Lunar New Year": "Tết Nguyên đán",
    "Third Day of Lunar New Year": "Tết Nguyên đán",
    "Fourth Day of Lunar New Year": "Tết Nguyên đán",
    "Fifth Day of Lunar New Year": "Tết Nguyên đán",
    "Hung Kings' Commemoration Day": "Giỗ Tổ Hùng Vương",
    "Liberation Day/Reunification Day": "Ngày Giải phóng miền Nam, thống nhất đất nước",
    "International Labor Day": "Ngày Quốc tế Lao động",
    "National Day": "Quốc khánh",
}


def read_calendar_file(path: Path) -> WorkCalendar:
    """``days_off`` and ``working_days``, each a list of {day: dd/mm/yyyy or ISO, why}, or
    a mapping day: why; CalendarError saying what is wrong and where."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarError(f"{path}: cannot read it as YAML: {exc}") from exc
    if not isinstance(data, dict) or not set(data) <= {"days_off", "working_days"}:
        raise CalendarError(f"{path}: give days_off and working_days, nothing else")
    off = _days(path, "days_off", data.get("days_off") or [])
    work = _days(path, "working_days", data.get("working_days") or [])
    both = sorted(set(off) & set(work))
    if both:
        raise CalendarError(f"{path}: {both[0]:%d/%m/%Y} is both a day off and a working day")
    saturdays_only = [d for d in work if d.weekday() < 5]
    if saturdays_only:
        raise CalendarError(
            f"{path}: working_days {saturdays_only[0]:%d/%m/%Y} is a weekday already; list "
            "the Saturdays (or Sundays) worked in exchange"
        )
    return WorkCalendar(off, work)


def _days(path: Path, key: str, entries: Iterable | dict) -> dict[date, str]:
    items = entries.items() if isinstance(entries, dict) else _pairs(path, key, entries)
    days: dict[date, str] = {}
    for raw, why in items:
        day = _day(path, key, raw)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise CalendarError(f"{path}: {key} {raw}: a year from {FIRST_YEAR} to {LAST_YEAR}")
        days[day] = str(why or "")
    return days


def _pairs(path: Path, key: str, entries: Iterable) -> list[tuple[object, object]]:
    if not isinstance(entries, list):
        raise CalendarError(f"{path}: {key} is a list of days (or day: why)")
    pairs = []
    for entry in entries:
        if isinstance(entry, dict) and "day" in entry:
            pairs.append((entry["day"], entry.get("why", "")))
        else:
            pairs.append((entry, ""))
    return pairs


def _day(path: Path, key: str, raw: object) -> date:
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    try:
        if "/" in text:
            d, m, y = (int(p) for p in text.split("/"))
            return date(y, m, d)
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{path}: {key}: “{raw}” is not a day (dd/mm/yyyy)") from None


_KEY = "calendar"


async def store_calendar(js: JetStreamContext, calendar: WorkCalendar) -> None:
    kv = await js.key_value(CALENDAR.name)
    await kv.put(_KEY, calendar.encoded())


async def read_calendar(js: JetStreamContext) -> WorkCalendar:
    """The operator's calendar in NATS; the statutory one when none was loaded."""
    try:
        kv = await js.key_value(CALENDAR.name)
    except BucketNotFoundError:
        return WorkCalendar()
    value = await get_value(kv, _KEY)
    return WorkCalendar.from_json(json.loads(value)) if value else WorkCalendar()


CALENDAR_SECONDS = 300.0


class CalendarCopy:
    """A service's copy of the operator's calendar (bucket ``chidao_calendar``): read when
    first needed and again at most every ``every`` seconds. A new year's announcement is
    loaded once a year; reminders and roll-ups ask every moment."""

    def __init__(
        self,
        js: JetStreamContext,
        every: float = CALENDAR_SECONDS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._js = js
        self._every = every
        self._clock = clock
        self._calendar = WorkCalendar()
        self._until: float | None = None  # None: not read yet

    async def get(self) -> WorkCalendar:
        """The calendar, read again if the copy is older than ``every`` seconds."""
        if self._until is None or self._clock() >= self._until:
            self._calendar = await read_calendar(self._js)
            self._until = self._clock() + self._every
        return self._calendar
