"""The status page written out: ``render(synthesis, public_url, message)`` gives the HTML.

Everything is worked out here from the synthesis JSON (``synthesis.build``): the wording,
the links and the geometry of the two charts (inline SVG); the template only lays it out
and escapes every string. The page has no script and loads nothing: it refreshes itself
with ``<meta http-equiv="refresh">``, its style sheet is inline (allowed by its hash in the
Content-Security-Policy, so a snapshot saved to a file looks the same), and its only
absolute links are to the reporter's pages of the units' reports (``public_url``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.aggregator.documents.report import bare_figure, reporting_status
from shared.contracts.directives import reads_as_a_plan
from shared.forms import PLAN_FORM
from shared.vietnamese import format_date, format_instant, format_number, format_rate
from shared.web import StyleSheet

REFRESH_SECONDS = 15
APPROVE_LABEL = "Duyệt và gửi báo cáo tổng hợp lên cấp trên"

# Colours of the report statuses, the same in both charts and in the table.
ON_TIME_COLOUR = "#2e7d32"
LATE_COLOUR = "#e59a00"
MISSING_COLOUR = "#c9c9c9"

# The completion chart: one row per child unit; lengths in viewBox units.
CHART_WIDTH = 760
LABEL_CHARS = 44  # a longer unit name is cut, with an ellipsis; its <title> has it whole
BAR_X = 340
BAR_WIDTH = 320
ROW_HEIGHT = 26
BAR_HEIGHT = 16
# The timeliness chart: one stacked bar and its legend.
STACK_Y = 4
STACK_HEIGHT = 28
LEGEND_Y = 58

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
FILLS = {"on-time": ON_TIME_COLOUR, "late": LATE_COLOUR, "missing": MISSING_COLOUR}
STYLE = StyleSheet(_ENV.get_template("status.css.j2").render(fills=FILLS))


def render(synthesis: dict, public_url: str, message: str = "") -> str:
    return _ENV.get_template("status.html.j2").render(**view(synthesis, public_url, message))


def view(s: dict, public_url: str, message: str = "") -> dict[str, Any]:
    """What the template shows, every string already worded."""
    d, unit = s["directive"], s["unit"]
    reporter = public_url.rstrip("/")
    status_url = f"/directives/{quote(d['id'], safe='')}/status"
    issuer = unit["id"] == d["issuer_unit"]
    parent = unit.get("parent")
    synthesis_url = f"/api/directives/{quote(d['id'], safe='')}/synthesis"
    downloads = [
        {"label": label, "url": f"{synthesis_url}?{urlencode({'unit': unit['id'], 'format': f})}"}
        for f, label in (
            ("docx", "Tải về bản Word (.docx)"),
            ("html", "Xem bản HTML"),
            ("md", "Tải về bản Markdown (.md)"),
        )
    ]
    return {
        "title": f"Tình hình thực hiện {d['document']}",
        "directive": d,
        "issued_on": format_date(date.fromisoformat(d["issued_on"])),
        "unit": unit,
        "as_of": format_instant(datetime.fromisoformat(s["as_of"])),
        "message": message,
        "refresh": (
            f"{REFRESH_SECONDS}; url={status_url}?{urlencode({'unit': unit['id']})}"
            if message
            else str(REFRESH_SECONDS)
        ),
        # Up one level, while the parent is still inside the directive's tree.
        "up": (
            {"name": parent["name"], "url": _unit_url(status_url, parent["id"])}
            if parent and not issuer
            else None
        ),
        "issuer_url": None if issuer else status_url,
        "downloads": downloads,
        "requirements": [
            _requirement(
                r,
                index,
                many=len(s["requirements"]) > 1,
                directive_id=d["id"],
                unit_id=unit["id"],
                reporter=reporter,
                status_url=status_url,
                approvable=issuer and bool(d.get("parents")),
            )
            for index, r in enumerate(s["requirements"], start=1)
        ],
        "approve_label": APPROVE_LABEL,
        "approve_url": status_url,
        "approve_to": parent["name"] if parent else "cấp trên",
        "refresh_seconds": REFRESH_SECONDS,
        "fills": FILLS,
        "style": STYLE.markup,
    }


def _requirement(
    r: dict,
    index: int,
    *,
    many: bool,
    directive_id: str,
    unit_id: str,
    reporter: str,
    status_url: str,
    approvable: bool,
) -> dict[str, Any]:
    t = r["totals"]
    form = r.get("form") or {}

    def report_url(of: str) -> str:
        """The reporter's staff page of one unit's report on this requirement."""
        parts = (directive_id, of, r["id"])
        return "/".join([reporter, "reports", *(quote(p, safe="") for p in parts)])

    # A child with nothing to report (expected 0) gets no bar and no row.
    children = [c for c in r["children"] if c["expected"]]
    return {
        "id": r["id"],
        "heading": f"{index}. {_upper_first(r['action'])}" if many else _upper_first(r["action"]),
        "deadline": r["deadline"],
        "form_title": form.get("title", ""),
        "headline": _headline(t),
        "own": _own(r.get("own"), report_url(unit_id)),
        "children": children,
        "completion": _completion_chart(children),
        "timeliness": _timeliness_chart(t),
        "table": _table(r, children, report_url, status_url),
        "figures": _figures(r["figures"]),
        "on_time": [
            {"name": e["name"], "url": report_url(e["unit_id"]), "extra": ""} for e in r["on_time"]
        ],
        "late": [
            {
                "name": e["name"],
                "url": report_url(e["unit_id"]),
                "extra": f"muộn {format_number(e.get('days_late') or 0)} ngày",
            }
            for e in r["late"]
        ],
        "missing": [{"name": e["name"]} for e in r["missing"]],
        "returned": [
            {"name": e["name"], "url": report_url(e["unit_id"]), "reason": e.get("reason") or ""}
            for e in r["returned"]
        ],
        "texts": [g for g in r.get("texts", []) if g["entries"]],
        "notes": r.get("notes", []),
        "truncated": r.get("truncated", False),
        "approve": approvable and not _is_plan(r),
    }


def _is_plan(r: dict) -> bool:
    if r.get("form"):
        return r["form"]["id"] == PLAN_FORM
    return reads_as_a_plan(r["action"])


def _headline(t: dict) -> list[dict[str, str]]:
    late_note = ""
    if t["late"] and t.get("average_days_late"):
        late_note = f"bình quân muộn {format_number(round(t['average_days_late'], 1))} ngày"
    return [
        {
            "key": "submitted",
            "label": "Đã báo cáo",
            "value": f"{format_number(t['submitted'])}/{format_number(t['expected'])}",
            "note": format_rate(t["submitted"], t["expected"]),
        },
        {
            "key": "on_time",
            "label": "Đúng hạn",
            "value": format_number(t["on_time"]),
            "note": format_rate(t["on_time"], t["expected"]) + " số phải báo cáo"
            if t["expected"]
            else "",
        },
        {"key": "late", "label": "Muộn", "value": format_number(t["late"]), "note": late_note},
        {
            "key": "missing",
            "label": "Chưa báo cáo",
            "value": format_number(t["missing"]),
            "note": format_rate(t["missing"], t["expected"]) if t["expected"] else "",
        },
        {
            "key": "accepted",
            "label": "Đã chấp nhận",
            "value": format_number(t["accepted"]),
            "note": f"trên {format_number(t['submitted'])} báo cáo đã nhận",
        },
    ]


def _own(own: dict | None, url: str) -> dict[str, str] | None:
    """The unit's own report, when it is itself assigned the requirement."""
    if own is None:
        return None
    if not own["version"]:
        return {"status": "Chưa báo cáo", "class": "missing", "received": "", "url": ""}
    notes = []
    if own.get("accepted"):
        notes.append("đã được chấp nhận")
    if own.get("returned"):
        notes.append("bị trả lại để sửa")
    received = own.get("received_at")
    return {
        "status": ("Đúng hạn" if own["on_time"] else "Muộn")
        + (f" ({', '.join(notes)})" if notes else ""),
        "class": "on-time" if own["on_time"] else "late",
        "received": format_instant(datetime.fromisoformat(received)) if received else "",
        "url": url,
    }


def _completion_chart(children: list[dict]) -> dict[str, Any]:
    """One horizontal bar per child unit: its share reported, on time and late."""
    rows = []
    for i, c in enumerate(children):
        expected = c["expected"]
        on_time = BAR_WIDTH * c["on_time"] / expected
        late = BAR_WIDTH * c["late"] / expected
        y = 4 + i * ROW_HEIGHT
        segments = []
        if on_time:
            segments.append({"status": "on-time", "x": _n(BAR_X), "width": _n(on_time)})
        if late:
            segments.append({"status": "late", "x": _n(BAR_X + on_time), "width": _n(late)})
        rows.append(
            {
                "unit_id": c["unit_id"],
                "name": c["name"],
                "label": _truncate(c["name"], LABEL_CHARS),
                "title": f"{c['name']}: {reporting_status(c)}",
                "count": f"{format_number(c['submitted'])}/{format_number(expected)}",
                "submitted": c["submitted"],
                "expected": expected,
                "share": format_number(round(100 * c["submitted"] / expected)),
                "y": _n(y),
                "text_y": _n(y + BAR_HEIGHT - 3),
                "segments": segments,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": 8 + len(children) * ROW_HEIGHT,
        "bar_x": BAR_X,
        "bar_width": BAR_WIDTH,
        "bar_height": BAR_HEIGHT,
        "count_x": BAR_X + BAR_WIDTH + 10,
        "rows": rows,
        "label": (
            f"Biểu đồ tỷ lệ đã báo cáo của {format_number(len(children))} đơn vị trực thuộc: "
            + "; ".join(f"{r['name']} {r['count']}" for r in rows)
        ),
    }


def _timeliness_chart(t: dict) -> dict[str, Any]:
    """One stacked bar of đúng hạn / muộn / chưa báo cáo, with a legend and counts."""
    parts = [
        ("on-time", "Đúng hạn", t["on_time"]),
        ("late", "Muộn", t["late"]),
        ("missing", "Chưa báo cáo", t["missing"]),
    ]
    expected = t["expected"]
    segments, legend = [], []
    x = 0.0
    for i, (status, label, count) in enumerate(parts):
        if expected and count:
            width = CHART_WIDTH * count / expected
            segments.append({"status": status, "label": label, "count": count,
                             "x": _n(x), "width": _n(width)})  # fmt: skip
            x += width
        share = format_rate(count, expected)
        legend.append(
            {
                "status": status,
                "count": count,
                "x": i * 250,
                "text": f"{label}: {format_number(count)}" + (f" ({share})" if expected else ""),
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": LEGEND_Y + 10,
        "bar_y": STACK_Y,
        "bar_height": STACK_HEIGHT,
        "legend_y": LEGEND_Y,
        "segments": segments,
        "legend": legend,
        "label": (
            f"Biểu đồ tình hình báo cáo của {format_number(expected)} đơn vị phải báo cáo: "
            f"đúng hạn {format_number(t['on_time'])}, muộn {format_number(t['late'])}, "
            f"chưa báo cáo {format_number(t['missing'])}"
        ),
    }


def _table(r: dict, children: list[dict], report_url, status_url: str) -> dict[str, Any]:
    """Progress per child unit, and the form's added-up columns that have a value."""
    by_name = {f["name"]: f for f in r["figures"]}
    columns = [
        c
        for c in (r.get("form") or {}).get("columns", [])
        if by_name.get(c["name"], {}).get("text")
    ]
    rows = []
    for c in children:
        if c["expected"] > 1:
            url = _unit_url(status_url, c["unit_id"])
        elif c["submitted"]:
            url = report_url(c["unit_id"])
        else:
            url = ""
        rows.append(
            {
                "name": c["name"],
                "url": url,
                "status": reporting_status(c),
                "class": _status_class(c),
                "cells": [bare_figure(c["figures"].get(col["name"], "")) for col in columns],
            }
        )
    return {
        "columns": [
            {"label": c["label"], "unit": "" if c["unit"] == "%" else c["unit"]} for c in columns
        ],
        "rows": rows,
        "total": {
            "status": reporting_status(r["totals"]),
            "cells": [bare_figure(by_name[c["name"]]["text"]) for c in columns],
        },
    }


def _figures(figures: list[dict]) -> list[dict[str, Any]]:
    """The added-up figures in form order; a count as "label: count" per choice."""
    shown = []
    for f in figures:
        if f["kind"] == "count":
            shown.append(
                {
                    "label": f["label"],
                    "text": "",
                    "choices": [
                        {
                            "text": f"{c['label']}: {format_number(c['count'])}",
                            "zero": not c["count"],
                        }
                        for c in f.get("choices", [])
                    ],
                }
            )
        else:
            shown.append({"label": f["label"], "text": f["text"], "choices": []})
    return shown


def _status_class(c: dict) -> str:
    if c["submitted"] == 0:
        return "missing"
    if c["submitted"] < c["expected"]:
        return "partial"
    return "late" if c["late"] else "on-time"


def _unit_url(status_url: str, unit_id: str) -> str:
    return f"{status_url}?{urlencode({'unit': unit_id})}"


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,-–") + "…"


def _n(x: float) -> str:
    """A length in the viewBox: at most two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
