"""How one requirement counts a report's days late, for the pages that word them one by
one (a directive's rows, the home, the lateness ranking): as its form says, calendar days
or working days on the operator's calendar, the rule the roll-up and the synthesis
count by (``nodes.days_late_as``), so that a page never says "3 ngày" where the báo cáo
tổng hợp says "1 ngày làm việc". Pure: the caller reads the form and the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.aggregator.domain.nodes import days_late_as
from services.aggregator.domain.synthesis import DAY_WORDS
from shared.forms import DaysLate, Form
from shared.workdays import WorkCalendar


@dataclass(frozen=True)
class DayCount:
    form: Form | None = None  # None: no form known, calendar days as ever
    calendar: WorkCalendar | None = None  # the operator's, for a working-day form

    @property
    def kind(self) -> DaysLate:
        return self.form.days_late if self.form is not None else "calendar"

    @property
    def word(self) -> str:
        """ "ngày", or "ngày làm việc" for a form counting working days."""
        return DAY_WORDS[self.kind]

    def late(self, received: datetime | None, due: datetime | None) -> int:
        return days_late_as(self.form, received, due, self.calendar)

    def late_words(self, received: datetime | None, due: datetime | None) -> str:
        """ "Nộp muộn 2 ngày làm việc"."""
        return f"Nộp muộn {self.late(received, due)} {self.word}"


CALENDAR_DAYS = DayCount()
