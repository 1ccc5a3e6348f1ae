"""Counting, per unit, the reports it owed and how it sent them, from its roll-up nodes'
own part (``Own``: its assignment, first report and deadline): sent late (judged on the
first version, as everywhere), not sent past the deadline (overdue), not sent before it
(still to come). The deadline is the one in force: a unit granted more time is not
overdue before the new one; one a correction (đính chính) took off before it reported
owes nothing. A late report's days are counted as its requirement's form counts them
(calendar or working days, ``domain/day_count.py``), as the synthesis counts them; the
two kinds are kept apart, as a day of one is not a day of the other. Pure: ``scan.py``
reads the nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.aggregator.domain.day_count import CALENDAR_DAYS, DayCount
from services.aggregator.domain.nodes import Own
from services.aggregator.domain.synthesis import DAY_WORDS
from shared.forms import DaysLate
from shared.vietnamese import format_number

TOP = 50


@dataclass
class UnitTally:
    unit_id: str
    owed: int = 0  # requirements of directives it was assigned
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # nothing sent and the deadline passed
    waiting: int = 0  # nothing sent, the deadline still ahead (or none)
    days_late: int = 0  # summed over the late reports, each as its form counts
    # the late reports and their days, by how their forms count them
    by_kind: dict[DaysLate, tuple[int, int]] = field(default_factory=dict)

    def add(self, own: Own, now: datetime, days: DayCount = CALENDAR_DAYS) -> None:
        if own.dropped:
            return  # a correction took it off before it reported: it owes nothing
        self.owed += 1
        if own.version > 0:
            if own.on_time:
                self.on_time += 1
            else:
                self.late += 1
                late = days.late(own.first_received_at, own.due)
                self.days_late += late
                count, summed = self.by_kind.get(days.kind, (0, 0))
                self.by_kind[days.kind] = (count + 1, summed + late)
        elif own.due is not None and now >= own.due:
            self.overdue += 1
        else:
            self.waiting += 1

    @property
    def behind(self) -> int:
        """Reports late or still missing past their deadline."""
        return self.late + self.overdue

    @property
    def average_days_late(self) -> float:
        return self.days_late / self.late if self.late else 0.0

    @property
    def average_words(self) -> str:
        """ "2 ngày", "1,5 ngày làm việc", or both ("3 ngày; 1 ngày làm việc") when some of
        its late reports are counted one way and some the other; "—" when none."""
        parts = [
            f"{format_number(round(summed / count, 1))} {DAY_WORDS[kind]}"
            for kind, (count, summed) in sorted(self.by_kind.items())
        ]
        return "; ".join(parts) or "—"


def ranked(tallies: dict[str, UnitTally], top: int = TOP) -> list[UnitTally]:
    """The units with something late or overdue, most often late first; then the most
    overdue, the most days late, and the id so the order is the same on every visit."""
    behind = [t for t in tallies.values() if t.behind]
    behind.sort(key=lambda t: (-t.late, -t.overdue, -t.days_late, t.unit_id))
    return behind[:top]
