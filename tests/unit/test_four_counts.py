"""The synthesis counts what is not reported as Báo cáo 1270/BC-TCTTTg does: still within
the deadline, or overdue (services/aggregator/domain/synthesis_build.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.aggregator.documents.report import _situation
from services.aggregator.domain.nodes import Node
from services.aggregator.domain.synthesis_build import Listing, requirement_synthesis
from shared.contracts import ReportingRequirement
from shared.contracts.rollup import Totals
from shared.directory import Directory

DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
REQUIREMENT = ReportingRequirement(id="r1", action="báo cáo kết quả", due_before=DUE)


def section(now: datetime):
    totals = Totals(expected=9, submitted=8, on_time=6, late=2)
    node = Node(directive_id="d", requirement_id="r1", unit_id="root", totals=totals)
    directory = Directory()
    listing = Listing(directory, None)
    return requirement_synthesis(REQUIREMENT, None, node, listing, False, directory, now)


def test_before_the_deadline_what_is_missing_is_pending():
    t = section(DUE - timedelta(seconds=1)).totals
    assert (t.on_time, t.late, t.pending, t.overdue) == (6, 2, 1, 0)


def test_from_the_deadline_on_what_is_missing_is_overdue():
    s = section(DUE)
    t = s.totals
    assert (t.on_time, t.late, t.pending, t.overdue) == (6, 2, 0, 1)
    assert _situation(s).endswith("; chưa báo cáo: 1 (quá hạn).")
    assert _situation(section(DUE - timedelta(days=1))).endswith("chưa báo cáo: 1 (còn trong hạn).")
