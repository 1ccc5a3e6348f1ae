"""A directive's page for one unit of its tree: per requirement, a row per child unit of
that unit with its own report's status, its processing status (tình trạng xử lý,
``domain/processing.py``) and, for a child with units below, how far they are; the
filters, by report status and by processing status; the cascade. Pure:
``handlers/home_directive.py`` reads the nodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlencode

from services.aggregator.console.directive_changes import CorrectionSection
from services.aggregator.console.periods import Choice, choices, shown
from services.aggregator.console.views import (
    FILTER_WORDS,
    FILTERS,
    Badge,
    Progress,
    combined,
    issued_day,
    next_deadline,
    own_badges,
    progress,
    subtree_keys,
    when,
)
from services.aggregator.domain.day_count import CALENDAR_DAYS, DayCount
from services.aggregator.domain.nodes import Node
from services.aggregator.domain.processing import (
    PROCESSING_WORDS,
    Processing,
    StepCount,
    processing_of,
    summary,
)
from services.aggregator.domain.replacement import Replaced
from shared.contracts import DirectiveIssued, ReportingRequirement, Totals
from shared.vietnamese import document_title, format_deadline

# The processing filter: a link per step, as the report status filter has one per status.
PROCESSING_FILTERS = ("all", *PROCESSING_WORDS)
PROCESSING_FILTER_WORDS: dict[str, str] = {"all": "Tất cả"} | dict(PROCESSING_WORDS)


@dataclass(frozen=True)
class ChildRow:
    unit_id: str
    name: str
    badges: list[Badge]
    keys: frozenset[str]  # the statuses the filters find it under
    received: str
    report_href: str | None  # the reporter's page of its own report
    view_href: str | None  # this directive's page for the child, when units are below it
    below: str  # how far the units below it are, in words ("" when none)
    plan_href: str | None = None  # its own implementing plan
    processing: Processing | None = None  # None: not assigned it itself (passes it down)


@dataclass(frozen=True)
class Section:
    """One requirement, with the rows the filter keeps."""

    id: str
    action: str
    deadline: str
    recurrence: str | None
    totals: Totals  # the unit's subtree's, from its roll-up node
    progress: Progress
    rows: list[ChildRow]
    shown: list[ChildRow]
    own: list[Badge]  # the unit's own report, when it is itself assigned the requirement
    own_received: str
    own_report_href: str | None
    period: str | None = None  # a recurring requirement's period, "Quý II/2025"
    choices: list[Choice] = field(default_factory=list)  # the links to its other periods
    own_processing: Processing | None = None  # the unit's own, when it is assigned it
    # how many of its rows are at each processing step
    summary: list[StepCount] = field(default_factory=list)


@dataclass(frozen=True)
class FilterLink:
    key: str
    words: str
    count: int
    href: str
    current: bool


@dataclass(frozen=True)
class PlanLink:
    directive_id: str
    document: str
    title: str
    unit_name: str


@dataclass
class DirectiveView:
    directive_id: str
    document: str
    title: str
    issuer: str
    issued_on: str
    place: str
    unit_id: str
    unit_name: str
    is_issuer: bool  # the page is for the issuer itself
    progress: Progress
    next_deadline: str
    sections: list[Section]
    filters: list[FilterLink]
    status: str
    processing: str = "all"  # the processing filter's step, "all" for none
    processing_filters: list[FilterLink] = field(default_factory=list)
    plans: list[PlanLink] = field(default_factory=list)
    parents: list[PlanLink] = field(default_factory=list)  # what this directive implements
    query: str = ""  # ?unit=... when the page is not the principal's default
    unit_param: str | None = None  # the unit asked for, kept in the page's links
    # thu hồi: the directive's own recall in words (domain/recall.py), and those of what
    # it implements
    recalled: dict[str, str] | None = None
    bases: list[str] = field(default_factory=list)
    # đính chính: its own corrections (console/directive_changes.py), and what it
    # implements corrected since it was issued, in words (domain/correction.py)
    corrections: list[CorrectionSection] = field(default_factory=list)
    basis_changes: list[str] = field(default_factory=list)
    # thay thế: the documents it replaced, linked back
    replaces: list[Replaced] = field(default_factory=list)


def child_row(
    directive_id: str,
    requirement: ReportingRequirement,
    child: Node,
    name: str,
    now: datetime,
    plan_of: Callable[[str], str | None],
    closed: str = "",
    days: DayCount = CALENDAR_DAYS,
) -> ChildRow:
    """A child unit's row under a requirement, from its own roll-up node; ``closed``: the
    directive was recalled or replaced, in the word a unit that had not reported reads
    ("Đã thu hồi"), never a lateness; ``days``: how the requirement counts days late."""
    own = child.own
    due = requirement.due_before
    below = Totals()
    for entry in child.children.values():
        below = below + entry.totals
    # A child assigned the requirement itself is filtered by its own report; one that
    # only passes it down, by the reports below it (none still awaited once closed).
    badges = own_badges(own, due, now, closed, days)
    keys = {key for key, _ in badges} if own is not None else subtree_keys(below, due, now)
    if closed:
        keys -= {"waiting", "overdue"}
    sent = own is not None and own.version > 0
    report = f"/reports/{directive_id}/{child.unit_id}/{requirement.id}"
    view = f"/directives/{directive_id}?{urlencode({'unit': child.unit_id})}"
    return ChildRow(
        unit_id=child.unit_id,
        name=name,
        badges=badges,
        keys=frozenset(keys),
        received=when(own.first_received_at) if own else "",
        report_href=report if sent else None,
        view_href=view if child.children else None,
        below=f"Cấp dưới: {below.submitted}/{below.expected} đã nộp" if below.expected else "",
        plan_href=plan_of(child.unit_id),
        processing=processing_of(own, closed),
    )


def section(
    requirement: ReportingRequirement,
    root: Node | None,
    rows: list[ChildRow],
    status: str,
    now: datetime,
    closed: str = "",
    processing: str = "all",
    days: DayCount = CALENDAR_DAYS,
) -> Section:
    """The rows kept are those under both filters, ``status`` and ``processing``."""
    totals = root.totals if root else Totals()
    own = root.own if root else None
    sent = own is not None and own.version > 0
    report = f"/reports/{root.directive_id}/{root.unit_id}/{requirement.id}" if root else None
    return Section(
        id=requirement.id,
        action=requirement.action,
        deadline=format_deadline(requirement.due_before),
        recurrence=requirement.recurrence,
        totals=totals,
        progress=progress([(totals, requirement.due_before)], now),
        rows=rows,
        shown=[r for r in rows if _kept_by(r, status, processing)],
        own=own_badges(own, requirement.due_before, now, closed, days),
        own_received=when(own.first_received_at) if own else "",
        own_report_href=report if sent else None,
        period=requirement.period,
        own_processing=processing_of(own, closed),
        summary=summary([r.processing for r in rows]),
    )


def _kept_by(row: ChildRow, status: str, processing: str) -> bool:
    by_status = status == "all" or status in row.keys
    step = row.processing.code if row.processing else None
    return by_status and (processing == "all" or processing == step)


def filters(
    sections: list[Section],
    status: str,
    unit: str | None,
    period: str | None = None,
    processing: str = "all",
) -> list[FilterLink]:
    """A link per status, with how many rows it keeps under the processing filter in
    force; the unit, the period and the processing step shown stay in the link."""
    return _filter_links(sections, "status", status, processing, unit, period)


def processing_filters(
    sections: list[Section],
    status: str,
    unit: str | None,
    period: str | None = None,
    processing: str = "all",
) -> list[FilterLink]:
    """A link per processing step, with how many rows it keeps under the status filter
    in force; the unit, the period and the status shown stay in the link."""
    return _filter_links(sections, "processing", status, processing, unit, period)


def _filter_links(
    sections: list[Section],
    axis: str,
    status: str,
    processing: str,
    unit: str | None,
    period: str | None,
) -> list[FilterLink]:
    """A link per value of ``axis`` ("status" or "processing"), the other filter kept."""
    keys, words, current = (
        (FILTERS, FILTER_WORDS, status)
        if axis == "status"
        else (PROCESSING_FILTERS, PROCESSING_FILTER_WORDS, processing)
    )
    links = []
    for key in keys:
        chosen = {"status": status, "processing": processing, axis: key}
        by_status, by_step = chosen["status"], chosen["processing"]
        count = sum(1 for s in sections for r in s.rows if _kept_by(r, by_status, by_step))
        params = _params(unit=unit, status=_set(by_status), period=period, processing=_set(by_step))
        href = "?" + urlencode(params) if params else "?"
        links.append(FilterLink(key, words[key], count, href, key == current))
    return links


def _set(key: str) -> str | None:
    """A filter's value as a query parameter: none for "all"."""
    return key if key != "all" else None


def _params(**given: str | None) -> dict[str, str]:
    return {k: v for k, v in given.items() if v}


def directive_view(
    issued: DirectiveIssued,
    unit_id: str,
    unit_name: str,
    sections: list[Section],
    status: str,
    unit_param: str | None,
    now: datetime,
    processing: str = "all",
) -> DirectiveView:
    d = issued.directive
    parts = [(s.totals, r.due_before) for s, r in zip(sections, d.requirements, strict=True)]
    return DirectiveView(
        directive_id=issued.directive_id,
        document=document_title(d.kind, d.ref),
        title=d.title,
        issuer=d.issuer,
        issued_on=issued_day(issued),
        place=d.place,
        unit_id=unit_id,
        unit_name=unit_name,
        is_issuer=unit_id == d.issuer_unit,
        progress=progress(parts, now),
        next_deadline=next_deadline(d.requirements, now),
        sections=sections,
        filters=filters(sections, status, unit_param, processing=processing),
        status=status,
        processing=processing,
        processing_filters=processing_filters(sections, status, unit_param, None, processing),
        query="?" + urlencode({"unit": unit_param}) if unit_param else "",
        unit_param=unit_param,
    )


def choose_period(view: DirectiveView, period: str | None) -> DirectiveView:
    """The page showing, of each recurring requirement, the period keyed ``period`` (the
    latest by default: console/periods.py) with links to its others; its filters, its
    bar and its links are of the sections shown, and keep the period asked for."""
    every, status, unit, step = view.sections, view.status, view.unit_param, view.processing

    def period_href(key: str) -> str:
        kept = _params(unit=unit, status=_set(status), period=key, processing=_set(step))
        return "?" + urlencode(kept)

    sections = [
        replace(
            s,
            choices=choices(every, s, period_href),
            rows=_kept(s.rows, period),
            shown=_kept(s.shown, period),
        )
        for s in shown(every, period)
    ]
    query = _params(unit=unit, period=period)
    return replace(
        view,
        sections=sections,
        progress=combined(s.progress for s in sections),
        filters=filters(sections, status, unit, period, step),
        processing_filters=processing_filters(sections, status, unit, period, step),
        query="?" + urlencode(query) if query else "",
    )


def _kept(rows: list[ChildRow], period: str | None) -> list[ChildRow]:
    """The rows, their links to the units below keeping the period asked for."""
    if not period:
        return rows
    return [
        replace(r, view_href=f"{r.view_href}&{urlencode({'period': period})}") if r.view_href else r
        for r in rows
    ]


def plan_link(issued: DirectiveIssued, unit_name: str) -> PlanLink:
    d = issued.directive
    return PlanLink(issued.directive_id, document_title(d.kind, d.ref), d.title, unit_name)
