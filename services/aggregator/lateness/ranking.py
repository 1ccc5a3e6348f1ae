"""Counting, per unit, the reports it owed and how it sent them, from its roll-up nodes'
own part (``Own``: its assignment, first report and deadline): sent late (judged on the
first version, as everywhere), not sent past the deadline (overdue), not sent before it
(still to come). The deadline is the one in force: a unit granted more time is not
overdue before the new one. Pure: ``scan.py`` reads the nodes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.aggregator.domain.nodes import Own, days_late

TOP = 50


@dataclass
class UnitTally:
    unit_id: str
    owed: int = 0  # requirements of directives it was assigned
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # nothing sent and the deadline passed
    waiting: int = 0  # nothing sent, the deadline still ahead (or none)
    days_late: int = 0  # summed over the late reports

    def add(self, own: Own, now: datetime) -> None:
        self.owed += 1
        if own.version > 0:
            if own.on_time:
                self.on_time += 1
            else:
                self.late += 1
                self.days_late += days_late(own.first_received_at, own.due)
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


def ranked(tallies: dict[str, UnitTally], top: int = TOP) -> list[UnitTally]:
    """The units with something late or overdue, most often late first; then the most
    overdue, the most days late, and the id so the order is the same on every visit."""
    behind = [t for t in tallies.values() if t.behind]
    behind.sort(key=lambda t: (-t.late, -t.overdue, -t.days_late, t.unit_id))
    return behind[:top]
