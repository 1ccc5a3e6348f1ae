"""The operator's working-day calendar (``chidao calendar load``, bucket
``chidao_calendar``), which the roll-up and the synthesis count days late on for a form
that counts them in working days. Read when first needed and again at most every
``CALENDAR_SECONDS``, as the notifier reads it for its reminders
(``services/notifier/adapters/timers.py``): a new year's announcement is loaded once a
year, a roll-up batch comes every moment."""

from __future__ import annotations

import time
from collections.abc import Callable

from nats.js import JetStreamContext

from shared.workdays import WorkCalendar, read_calendar

CALENDAR_SECONDS = 300.0


class CalendarCopy:
    def __init__(
        self,
        js: JetStreamContext,
        every: float = CALENDAR_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._js = js
        self._every = every
        self._monotonic = monotonic
        self._calendar = WorkCalendar()
        self._until: float | None = None  # None: not read yet

    async def get(self) -> WorkCalendar:
        """The calendar, read again if the copy is older than ``every`` seconds."""
        if self._until is None or self._monotonic() >= self._until:
            self._calendar = await read_calendar(self._js)
            self._until = self._monotonic() + self._every
        return self._calendar
