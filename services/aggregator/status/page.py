"""The status page written out: ``render(synthesis, staff_url, message)`` gives the HTML.

Everything is worked out here from the synthesis (``domain/synthesis.py``): the wording,
the links and the geometry of the two charts (inline SVG, ``charts.py``); the template
only lays it out and escapes every string. The page has no script and loads nothing: it
refreshes itself with ``<meta http-equiv="refresh">``, its style sheet is inline (allowed
by its hash in the Content-Security-Policy, so a snapshot saved to a file looks the
same), and its links are to the staff site (``staff_url``, CHIDAO_CONSOLE_URL: the reporter's
pages of the units' reports are there too). Saved as a file (``saved``) it is a snapshot:
no refresh and no form, a line saying when it was taken, and every link absolute, so
that it opens the same pages from wherever the file is kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.aggregator.console.periods import shown, with_period_label
from services.aggregator.documents.report import (
    bare_figure,
    extension_words,
    filled_columns,
    reporting_status,
    total_cells,
)
from services.aggregator.domain.recall import basis_sentence, recall_notice
from services.aggregator.domain.synthesis import (
    ChildSynthesis,
    Counted,
    DirectiveSynthesis,
    Figure,
    OwnReport,
    RequirementSynthesis,
    Synthesis,
    TotalsSynthesis,
    as_synthesis,
)
from services.aggregator.status.charts import (
    FILLS,
    LABEL_CHARS,
    LATE_COLOUR,
    MISSING_COLOUR,
    ON_TIME_COLOUR,
    completion_chart,
    timeliness_chart,
)
from services.aggregator.status.periods import period_parts
from shared.vietnamese import format_date, format_instant, format_number, format_rate
from shared.web import StyleSheet

# The page's colours and label length are the charts' (a reader of the page looks here).
__all__ = ["LABEL_CHARS", "LATE_COLOUR", "MISSING_COLOUR", "ON_TIME_COLOUR", "render", "view"]

REFRESH_SECONDS = 15
APPROVE_LABEL = "Duyệt và gửi báo cáo tổng hợp lên cấp trên"

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
STYLE = StyleSheet(_ENV.get_template("status.css.j2").render(fills=FILLS))


def render(
    synthesis: Synthesis | Mapping[str, Any],
    staff_url: str,
    message: str = "",
    csrf: str = "",
    upward: dict[str, str] | None = None,
    saved: bool = False,
    period: str | None = None,
    live: bool = False,
) -> str:
    """The page; ``csrf`` is the hidden field its approve form must carry
    (shared.web.csrf_field of the request it answers); ``upward``, the report its
    synthesis sent up, in words (console/views.py: upward_words): once the parent has
    accepted it, the approve button is gone and the page says when and who decided;
    ``period``, the period shown of a recurring requirement (its key, "2025-q1"; the
    latest if unset or unknown); ``live``, the page reloads itself every REFRESH_SECONDS
    (asked for, for a screen on a wall: a page that reloads under a reader loses their
    place, WCAG 2.2.1)."""
    shown = view(synthesis, staff_url, message, saved, period, live)
    return _ENV.get_template("status.html.j2").render(**shown, csrf=csrf, upward=upward)


def view(
    synthesis: Synthesis | Mapping[str, Any],
    staff_url: str,
    message: str = "",
    saved: bool = False,
    period: str | None = None,
    live: bool = False,
) -> dict[str, Any]:
    """What the template shows, every string already worded."""
    s = as_synthesis(synthesis)
    d, unit = s.directive, s.unit
    site = staff_url.rstrip("/") if saved else ""  # the page's own links: absolute in a file
    status_url = f"{site}/directives/{quote(d.id, safe='')}/status"
    issuer = unit.id == d.issuer_unit
    parent = unit.parent
    # The period asked for stays in the page's links: a unit below, a refresh, a snapshot.
    url = _page_urls(status_url, {"period": period} if period else {})
    synthesis_url = f"{site}/api/directives/{quote(d.id, safe='')}/synthesis"
    return {
        "title": f"Tình hình thực hiện {d.document}",
        "directive": d,
        "issued_on": format_date(date.fromisoformat(d.issued_on)),
        "unit": unit,
        "as_of": format_instant(datetime.fromisoformat(s.as_of)),
        "message": message,
        "saved": saved,
        # after a form: back to the page itself; asked for: every REFRESH_SECONDS
        "refresh": (
            f"{REFRESH_SECONDS}; url={url(unit.id)}"
            if message
            else (str(REFRESH_SECONDS) if live else "")
        ),
        "live": live,
        "live_on_url": url(unit.id, live="true"),
        # Up one level, while the parent is still inside the directive's tree.
        "up": {"name": parent.name, "url": url(parent.id)} if parent and not issuer else None,
        "issuer_url": None if issuer else url(None),
        "live_url": url(unit.id),
        "save_url": url(unit.id, saved="true"),
        "downloads": _downloads(synthesis_url, unit.id),
        # Recalled: said at the top; nothing more is sent up (domain/recall.py).
        "recalled": _recall_notice(d, site),
        "bases": [basis_sentence(b) for b in d.basis_recalled],
        "requirements": _requirements(
            s, staff_url, url, approvable=issuer and not saved and not d.recalled, period=period
        ),
        "approve_label": APPROVE_LABEL,
        "approve_url": status_url,
        "approve_to": parent.name if parent else "cấp trên",
        "refresh_seconds": REFRESH_SECONDS,
        "fills": FILLS,
        "style": STYLE.markup,
    }


def _recall_notice(d: DirectiveSynthesis, site: str) -> dict[str, str] | None:
    """The recall in words; replaced, with the link to the new document (absolute in a
    saved snapshot, as the page's other links)."""
    if d.recalled is None:
        return None
    notice = recall_notice(d.recalled)
    return {**notice, "href": site + notice["href"]} if notice["href"] else notice


def _page_urls(status_url: str, kept: dict[str, str]) -> Callable[..., str]:
    def page_url(unit_id: str | None, **more: str) -> str:
        """This page for a unit (the issuer's if None), with what is ``kept``."""
        query = urlencode({**({"unit": unit_id} if unit_id else {}), **kept, **more})
        return f"{status_url}?{query}" if query else status_url

    return page_url


def _requirements(
    s: Synthesis,
    staff_url: str,
    url: Callable[..., str],
    *,
    approvable: bool,
    period: str | None,
) -> list[dict[str, Any]]:
    """The sections: each requirement's, of a recurring one the period asked for."""
    d, unit = s.directive, s.unit
    staff = staff_url.rstrip("/")
    sections = shown(s.requirements, period)

    def period_url(key: str) -> str:
        return url(unit.id, period=key)

    shown_here = []
    for index, r in enumerate(sections, start=1):
        lead = f"{index}. " if len(sections) > 1 else ""
        heading = with_period_label(lead + _upper_first(r.action), r.period)
        shown_here.append(
            {
                **_requirement(
                    r,
                    heading,
                    _report_links(staff, d.id, r.id),
                    unit_id=unit.id,
                    unit_url=url,
                    approvable=approvable and bool(d.parents),
                ),
                **period_parts(s.requirements, r, period_url),
            }
        )
    return shown_here


def _downloads(synthesis_url: str, unit_id: str) -> list[dict[str, str]]:
    """The báo cáo tổng hợp of the unit's subtree, in each format."""
    return [
        {"label": label, "url": f"{synthesis_url}?{urlencode({'unit': unit_id, 'format': f})}"}
        for f, label in (
            ("docx", "Tải về bản Word (.docx)"),
            ("html", "Xem bản HTML"),
            ("md", "Tải về bản Markdown (.md)"),
        )
    ]


def _report_links(staff: str, directive_id: str, requirement_id: str) -> Callable[[str], str]:
    def report_url(of: str) -> str:
        """The reporter's staff page of one unit's report on this requirement."""
        parts = (directive_id, of, requirement_id)
        return "/".join([staff, "reports", *(quote(p, safe="") for p in parts)])

    return report_url


def _requirement(
    r: RequirementSynthesis,
    heading: str | None,
    report_url: Callable[[str], str],
    *,
    unit_id: str,
    unit_url: Callable[[str], str],
    approvable: bool,
) -> dict[str, Any]:
    t = r.totals
    # A child with nothing to report (expected 0) gets no bar and no row.
    children = [c for c in r.children if c.expected]
    late = [
        {"name": e.name, "url": report_url(e.unit_id),
         "extra": f"muộn {format_number(e.days_late or 0)} {r.day_word}"}
        for e in r.late
    ]  # fmt: skip
    return {
        "id": r.id,
        "heading": heading or _upper_first(r.action),
        "deadline": r.deadline,
        "form_title": r.form.title if r.form else "",
        "headline": _headline(t, r.day_word),
        "own": _own(r.own, report_url(unit_id)),
        "children": children,
        "completion": completion_chart(children, r.day_word),
        "timeliness": timeliness_chart(t),
        "table": _table(r, children, report_url, unit_url),
        "figures": _figures(r.figures),
        "on_time": [{"name": e.name, "url": report_url(e.unit_id), "extra": ""} for e in r.on_time],
        "late": late,
        "missing": [{"name": e.name} for e in r.missing],
        "returned": [
            {"name": e.name, "url": report_url(e.unit_id), "reason": e.reason or ""}
            for e in r.returned
        ],
        "extended": [extension_words(e) for e in r.extended],  # granted more time
        "texts": [g for g in r.texts if g.entries],
        "notes": r.notes,
        "truncated": r.truncated,
        # A plan is the unit's own document, sent up as itself: no synthesis to approve.
        "approve": approvable and not r.asks_for_a_plan,
    }


def _headline(t: TotalsSynthesis, day_word: str) -> list[dict[str, str]]:
    """The headline figures; ``day_word``: what days late are counted in."""
    late_note = ""
    if t.late and t.average_days_late:
        average = format_number(round(t.average_days_late, 1))
        late_note = f"bình quân muộn {average} {day_word}"
    return [
        {
            "key": "submitted",
            "label": "Đã báo cáo",
            "value": f"{format_number(t.submitted)}/{format_number(t.expected)}",
            "note": format_rate(t.submitted, t.expected),
        },
        {
            "key": "on_time",
            "label": "Đúng hạn",
            "value": format_number(t.on_time),
            "note": format_rate(t.on_time, t.expected) + " số phải báo cáo" if t.expected else "",
        },
        {"key": "late", "label": "Muộn", "value": format_number(t.late), "note": late_note},
        {
            "key": "missing",
            # Báo cáo 1270/BC-TCTTTg: not done, within the deadline or overdue
            "label": "Chưa báo cáo, quá hạn" if t.overdue else "Chưa báo cáo, còn trong hạn",
            "value": format_number(t.missing),
            "note": format_rate(t.missing, t.expected) if t.expected else "",
        },
        {
            "key": "accepted",
            "label": "Đã chấp nhận",
            "value": format_number(t.accepted),
            "note": f"trên {format_number(t.submitted)} báo cáo đã nhận",
        },
    ]


def _own(own: OwnReport | None, url: str) -> dict[str, str] | None:
    """The unit's own report, when it is itself assigned the requirement."""
    if own is None:
        return None
    if not own.version:
        return {"status": "Chưa báo cáo", "class": "missing", "received": "", "url": ""}
    notes = []
    if own.accepted:
        notes.append("đã được chấp nhận")
    if own.returned:
        notes.append("bị trả lại để sửa")
    received = own.received_at
    return {
        "status": ("Đúng hạn" if own.on_time else "Muộn")
        + (f" ({', '.join(notes)})" if notes else ""),
        "class": "on-time" if own.on_time else "late",
        "received": format_instant(datetime.fromisoformat(received)) if received else "",
        "url": url,
    }


def _table(
    r: RequirementSynthesis,
    children: list[ChildSynthesis],
    report_url: Callable[[str], str],
    unit_url: Callable[[str], str],
) -> dict[str, Any]:
    """Progress per child unit, and the form's added-up columns that have a value."""
    columns = filled_columns(r)
    rows = []
    for c in children:
        if c.expected > 1:
            url = unit_url(c.unit_id)
        elif c.submitted:
            url = report_url(c.unit_id)
        else:
            url = ""
        rows.append(
            {
                "name": c.name,
                "url": url,
                "status": reporting_status(c, r.day_word),
                "class": _status_class(c),
                "cells": [bare_figure(c.figures.get(col.name, "")) for col in columns],
            }
        )
    return {
        "columns": [{"label": c.label, "unit": "" if c.unit == "%" else c.unit} for c in columns],
        "rows": rows,
        "total": {
            "status": reporting_status(r.totals, r.day_word),
            "cells": total_cells(r, columns),
        },
    }


def _figures(figures: list[Figure]) -> list[dict[str, Any]]:
    """The added-up figures in form order; a count as "label: count" per choice."""
    shown = []
    for f in figures:
        if isinstance(f, Counted):
            choices = [
                {"text": f"{c.label}: {format_number(c.count)}", "zero": not c.count}
                for c in f.choices
            ]
            shown.append({"label": f.label, "text": "", "choices": choices})
        else:
            shown.append({"label": f.label, "text": f.text, "choices": []})
    return shown


def _status_class(c: ChildSynthesis) -> str:
    if c.submitted == 0:
        return "missing"
    if c.submitted < c.expected:
        return "partial"
    return "late" if c.late else "on-time"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
