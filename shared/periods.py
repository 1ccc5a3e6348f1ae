"""Recurring requirements ("hằng quý", "định kỳ 6 tháng", "hằng năm vào tháng 12"): one
assignment per period, each under its own requirement id, so that every period has its
own deadline, reminders, report, review, roll-up and synthesis with nothing else keyed
differently.

A requirement's ``due_before`` is its first period's deadline; period n's is n steps
later (the same day of the month, the last one when the month is shorter). Period n's
assignments are made when period n-1's deadline passes (the issuer's durable timer), the
first at issue. The period a deadline reports on is the calendar month, quarter, half or
year just before it, or, for ``closing="nd09"``, the data-closing window of Nghị định
09/2019/NĐ-CP Điều 12 (from the 15th of the month before the period to the 14th of its
last month) that closed last. No period starts at or after ``until``.

A period's copy of the requirement has the id ``<requirement>--<period key>``
("r1--2025-q1"); ``requirement_in`` finds either in a directive."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.clock import VN_TZ
from shared.contracts.directives import Directive, ReportingRequirement

STEP_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
SEPARATOR = "--"
MAX_PERIODS = 240  # twenty years of monthly reports: past it a directive is reissued
_ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    index: int  # 0: the first
    key: str  # "2025-q1": slug, part of the period's requirement id
    label: str  # "Quý I/2025", as mails and pages name it
    due_before: datetime
    opens_at: datetime | None  # when its assignments are made (None: at issue)
    first_day: date  # the data it reports on
    last_day: date


def recurring(requirement: ReportingRequirement) -> bool:
    """Whether a requirement is assigned once per period (not a period's copy itself)."""
    return (
        requirement.recurrence in STEP_MONTHS
        and requirement.due_before is not None
        and requirement.period_of is None
    )


def add_months(instant: datetime, months: int) -> datetime:
    local = instant.astimezone(VN_TZ)
    total = local.year * 12 + local.month - 1 + months
    year, month = divmod(total, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def _span(recurrence: str, year: int, month: int) -> tuple[str, str, date, date]:
    """(key, label, first month day, last month day) of the calendar period holding
    ``month`` of ``year``."""
    if recurrence == "monthly":
        first, last = (year, month), (year, month)
        key, label = f"{year}-{month:02d}", f"Tháng {month}/{year}"
    elif recurrence == "quarterly":
        q = (month - 1) // 3
        first, last = (year, 3 * q + 1), (year, 3 * q + 3)
        key, label = f"{year}-q{q + 1}", f"Quý {_ROMAN[q]}/{year}"
    elif recurrence == "semiannual":
        h = (month - 1) // 6
        first, last = (year, 6 * h + 1), (year, 6 * h + 6)
        key = f"{year}-h{h + 1}"
        label = f"6 tháng {'đầu' if h == 0 else 'cuối'} năm {year}"
    else:
        first, last = (year, 1), (year, 12)
        key, label = f"{year}", f"Năm {year}"
    start = date(first[0], first[1], 1)
    end = date(last[0], last[1], calendar.monthrange(*last)[1])
    return key, label, start, end


def _reported(recurrence: str, due: datetime, closing: str) -> tuple[str, str, date, date]:
    """The period a deadline reports on: the one just before it."""
    last = (due.astimezone(VN_TZ) - timedelta(seconds=1)).date()
    if closing != "nd09":
        return _span(recurrence, last.year, last.month)
    # the window that closed last: it ends on a 14th, the month's own or the one before
    if last.day < 14:
        last = last.replace(day=1) - timedelta(days=1)
    key, label, start, end = _span(recurrence, last.year, last.month)
    before = start.replace(day=1) - timedelta(days=1)  # the month before the period's first
    return key, label, before.replace(day=15), end.replace(day=14)


def periods(requirement: ReportingRequirement) -> Iterator[Period]:
    """Every period of a recurring requirement, in order (a bare one: only itself)."""
    due = requirement.due_before
    if not recurring(requirement) or due is None:
        return
    step = STEP_MONTHS[str(requirement.recurrence)]
    until = requirement.until.astimezone(VN_TZ).date() if requirement.until else None
    opens: datetime | None = None
    for index in range(MAX_PERIODS):
        due_n = add_months(due, index * step)
        key, label, first, last = _reported(str(requirement.recurrence), due_n, requirement.closing)
        if until is not None and index > 0 and first >= until:
            return
        yield Period(index, key, label, due_n, opens, first, last)
        opens = due_n


def period_at(requirement: ReportingRequirement, index: int) -> Period | None:
    for period in periods(requirement):
        if period.index == index:
            return period
    return None


def instance(requirement: ReportingRequirement, period: Period) -> ReportingRequirement:
    """The requirement as one period's assignments carry it."""
    return requirement.model_copy(
        update={
            "id": f"{requirement.id}{SEPARATOR}{period.key}",
            "due_before": period.due_before,
            "period_of": requirement.id,
            "period": period.label,
        }
    )


def current_period(requirement: ReportingRequirement, at: datetime) -> Period | None:
    """The period issuing at ``at`` assigns: the first whose deadline is still ahead (the
    last when none is: a directive issued past its end assigns that one, late); None for
    a requirement that does not recur."""
    last = None
    for period in periods(requirement):
        if period.due_before > at:
            return period
        last = period
    return last


def issued_instance(requirement: ReportingRequirement, at: datetime) -> ReportingRequirement:
    """What issuing at ``at`` assigns: a recurring requirement's current period, else the
    requirement itself."""
    period = current_period(requirement, at)
    return instance(requirement, period) if period is not None else requirement


def requirement_in(directive: Directive, requirement_id: str) -> ReportingRequirement | None:
    """A directive's requirement by id, or one period's copy of a recurring one."""
    for r in directive.requirements:
        if r.id == requirement_id:
            return r
    base, sep, key = requirement_id.rpartition(SEPARATOR)
    if not sep:
        return None
    for r in directive.requirements:
        if r.id == base:
            found = next((p for p in periods(r) if p.key == key), None)
            return instance(r, found) if found is not None else None
    return None


def as_of(directive: Directive, issued_at: datetime, now: datetime) -> Directive:
    """The directive as its pages and syntheses read it at ``now``: each recurring
    requirement replaced by its periods assigned so far (from the one issuing assigned
    to the last opened), oldest first."""
    if not any(recurring(r) for r in directive.requirements):
        return directive
    shown: list[ReportingRequirement] = []
    for r in directive.requirements:
        first = current_period(r, issued_at) if recurring(r) else None
        if first is None:
            shown.append(r)
            continue
        for period in periods(r):
            if period.index < first.index:
                continue
            if period.index > first.index and (period.opens_at is None or period.opens_at > now):
                break
            shown.append(instance(r, period))
    return directive.model_copy(update={"requirements": shown})
