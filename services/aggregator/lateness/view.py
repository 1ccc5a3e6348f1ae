"""The ranking as the page shows it: each unit's counts in words and as a stacked bar
(``ui.progress``), most often late first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.aggregator.lateness.ranking import TOP, UnitTally, ranked
from services.aggregator.lateness.scan import MAX_DIRECTIVES, Scan
from shared.directory import Directory
from shared.vietnamese import format_number, format_rate


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_id: str
    name: str
    parent_name: str
    has_children: bool  # its own ranking means something
    tally: UnitTally
    owed: str  # written out, as the page shows it
    late_rate: str
    average_days: str
    segments: list[dict[str, Any]]
    label: str


@dataclass(frozen=True)
class LatenessView:
    unit_id: str
    unit_name: str
    rows: list[RankRow]
    directives: int
    units_owing: int
    units_behind: int
    notes: list[str]  # what the scan left out


def _row(rank: int, tally: UnitTally, directory: Directory) -> RankRow:
    unit = directory.get(tally.unit_id)
    counts = {
        "on_time": ("Đúng hạn", tally.on_time),
        "late": ("Nộp muộn", tally.late),
        "overdue": ("Quá hạn chưa nộp", tally.overdue),
        "missing": ("Chưa đến hạn", tally.waiting),
    }
    segments = [{"key": k, "label": w, "count": c} for k, (w, c) in counts.items()]
    label = (
        f"{directory.name(tally.unit_id)}: {tally.owed} báo cáo phải nộp, {tally.late} nộp "
        f"muộn, {tally.overdue} quá hạn chưa nộp"
    )
    average = tally.average_words
    return RankRow(
        rank=rank,
        unit_id=tally.unit_id,
        name=directory.name(tally.unit_id),
        parent_name=directory.name(unit.parent) if unit and unit.parent else "",
        has_children=bool(directory.children(tally.unit_id)),
        tally=tally,
        owed=format_number(tally.owed),
        late_rate=format_rate(tally.late, tally.owed),
        average_days=average,
        segments=segments,
        label=label,
    )


def lateness_view(unit_id: str, scan: Scan, directory: Directory) -> LatenessView:
    top = ranked(scan.tallies, TOP)
    notes = []
    if scan.skipped:
        notes.append(
            f"Chỉ xét {format_number(MAX_DIRECTIVES)} văn bản mới nhất; "
            f"{format_number(scan.skipped)} văn bản cũ hơn không được tính."
        )
    if scan.truncated:
        notes.append(
            "Cây đơn vị quá lớn để đọc hết trong một lần: số liệu dưới đây chỉ tính các văn "
            "bản đã đọc được."
        )
    behind = sum(1 for t in scan.tallies.values() if t.behind)
    return LatenessView(
        unit_id=unit_id,
        unit_name=directory.name(unit_id),
        rows=[_row(i, t, directory) for i, t in enumerate(top, start=1)],
        directives=scan.directives,
        units_owing=len(scan.tallies),
        units_behind=behind,
        notes=notes,
    )
