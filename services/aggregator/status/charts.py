"""The two charts of the status page as geometry for inline SVG: the completion chart
(one bar per child unit) and the timeliness chart (one stacked bar and its legend).
Lengths are in viewBox units; the template draws them."""

from __future__ import annotations

from typing import Any

from services.aggregator.documents.report import reporting_status
from services.aggregator.domain.synthesis import ChildSynthesis, TotalsSynthesis
from shared.vietnamese import format_number, format_rate

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

FILLS = {"on-time": ON_TIME_COLOUR, "late": LATE_COLOUR, "missing": MISSING_COLOUR}


def completion_chart(children: list[ChildSynthesis]) -> dict[str, Any]:
    """One horizontal bar per child unit: its share reported, on time and late."""
    rows = []
    for i, c in enumerate(children):
        expected = c.expected
        on_time = BAR_WIDTH * c.on_time / expected
        late = BAR_WIDTH * c.late / expected
        y = 4 + i * ROW_HEIGHT
        segments = []
        if on_time:
            segments.append({"status": "on-time", "x": _n(BAR_X), "width": _n(on_time)})
        if late:
            segments.append({"status": "late", "x": _n(BAR_X + on_time), "width": _n(late)})
        rows.append(
            {
                "unit_id": c.unit_id,
                "name": c.name,
                "label": _truncate(c.name, LABEL_CHARS),
                "title": f"{c.name}: {reporting_status(c)}",
                "count": f"{format_number(c.submitted)}/{format_number(expected)}",
                "submitted": c.submitted,
                "expected": expected,
                "share": format_number(round(100 * c.submitted / expected)),
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


def timeliness_chart(t: TotalsSynthesis) -> dict[str, Any]:
    """One stacked bar of đúng hạn / muộn / chưa báo cáo, with a legend and counts."""
    parts = [
        ("on-time", "Đúng hạn", t.on_time),
        ("late", "Muộn", t.late),
        ("missing", "Chưa báo cáo", t.missing),
    ]
    expected = t.expected
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
            f"đúng hạn {format_number(t.on_time)}, muộn {format_number(t.late)}, "
            f"chưa báo cáo {format_number(t.missing)}"
        ),
    }


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
