"""A recurring requirement on the status page: the links to its other periods and the
trend across them, a table and a chart (console/periods.py says which period shows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.aggregator.console.periods import choices, synthesis_counts, trend
from services.aggregator.domain.synthesis import RequirementSynthesis
from services.aggregator.status.charts import trend_chart
from shared.vietnamese import format_number


def period_parts(
    requirements: Sequence[RequirementSynthesis],
    r: RequirementSynthesis,
    period_url: Callable[[str], str],
) -> dict[str, Any]:
    """What the section of ``r`` shows of its requirement's periods (nothing for a
    requirement that does not recur, or has had one period only so far)."""
    rows = trend(requirements, r, period_url, synthesis_counts)
    return {
        "choices": choices(requirements, r, period_url),
        "trend": [
            {
                "key": row.period.key,
                "label": row.period.label,
                "url": row.period.href,
                "current": row.period.current,
                "deadline": row.counts.deadline,
                "cells": [
                    format_number(n)
                    for n in (
                        row.counts.expected,
                        row.counts.submitted,
                        row.counts.on_time,
                        row.counts.late,
                        row.counts.overdue,
                    )
                ],
                "rate": row.rate,
            }
            for row in rows
        ],
        "trend_chart": trend_chart(rows) if rows else None,
    }
