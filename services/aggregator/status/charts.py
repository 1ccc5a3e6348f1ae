"""The charts of the status page as geometry for inline SVG: the completion chart (one
bar per child unit), the timeliness chart (one stacked bar and its legend) and, for a
recurring requirement, the trend chart (one bar per period, as the completion chart).
Lengths are in viewBox units; the template draws them."""

from __future__ import annotations

from typing import Any, Protocol

from services.aggregator.console.periods import TrendRow
from services.aggregator.documents.report import reporting_status
from services.aggregator.domain.synthesis import DAY_WORDS, ChildSynthesis, TotalsSynthesis
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


class Tally(Protocol):
    """What a bar is drawn from: a child unit's totals, a period's counts."""

    @property
    def expected(self) -> int: ...
    @property
    def submitted(self) -> int: ...
    @property
    def on_time(self) -> int: ...
    @property
    def late(self) -> int: ...


def completion_chart(
    children: list[ChildSynthesis], day_word: str = DAY_WORDS["calendar"]
) -> dict[str, Any]:
    """One horizontal bar per child unit: its share reported, on time and late (days
    late in ``day_word``, as the form counts them)."""
    rows = [
        {
            "key": c.unit_id,
            "name": c.name,
            **_bar(i, c.name, f"{c.name}: {reporting_status(c, day_word)}", c),
        }
        for i, c in enumerate(children)
    ]
    return {
        **_frame(len(rows)),
        "rows": rows,
        "label": (
            f"Biểu đồ tỷ lệ đã báo cáo của {format_number(len(children))} đơn vị trực thuộc: "
            + "; ".join(f"{r['name']} {r['count']}" for r in rows)
        ),
    }


def trend_chart(rows: list[TrendRow]) -> dict[str, Any]:
    """One horizontal bar per period of a recurring requirement, oldest first, drawn as
    the completion chart's: the share of the units that reported, on time and late."""
    bars = []
    for i, row in enumerate(rows):
        c, label = row.counts, row.period.label
        title = f"{label}: {format_number(c.submitted)}/{format_number(c.expected)} đã báo cáo"
        bars.append({"key": row.period.key, **_bar(i, label, title, c)})
    return {
        **_frame(len(bars)),
        "rows": bars,
        "label": "Biểu đồ tỷ lệ đã báo cáo qua các kỳ: "
        + "; ".join(f"{r.period.label} {r.counts.submitted}/{r.counts.expected}" for r in rows),
    }


def _frame(count: int) -> dict[str, Any]:
    """The geometry a chart of ``count`` bars shares with every other."""
    return {
        "width": CHART_WIDTH,
        "height": 8 + count * ROW_HEIGHT,
        "bar_x": BAR_X,
        "bar_width": BAR_WIDTH,
        "bar_height": BAR_HEIGHT,
        "count_x": BAR_X + BAR_WIDTH + 10,
    }


def _bar(i: int, name: str, title: str, c: Tally) -> dict[str, Any]:
    """Row ``i`` of a bar chart: its label, and the shares of what ``c`` expects sent on
    time and late (none drawn of nothing expected: a period no unit is assigned yet)."""
    expected, submitted = c.expected, c.submitted
    on_time_width = BAR_WIDTH * c.on_time / expected if expected else 0
    late_width = BAR_WIDTH * c.late / expected if expected else 0
    y = 4 + i * ROW_HEIGHT
    segments = []
    if on_time_width:
        segments.append({"status": "on-time", "x": _n(BAR_X), "width": _n(on_time_width)})
    if late_width:
        x = _n(BAR_X + on_time_width)
        segments.append({"status": "late", "x": x, "width": _n(late_width)})
    return {
        "label": _truncate(name, LABEL_CHARS),
        "title": title,
        "count": f"{format_number(submitted)}/{format_number(expected)}",
        "submitted": submitted,
        "expected": expected,
        "share": format_number(round(100 * submitted / expected)) if expected else "0",
        "y": _n(y),
        "text_y": _n(y + BAR_HEIGHT - 3),
        "segments": segments,
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
