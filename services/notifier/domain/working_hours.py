"""Working hours as Vietnamese offices keep them: 08:00-12:00 and 13:00-17:00, Vietnam time,
on the working days of the operator's calendar (shared/workdays.py). How long a unit has
left its assignment mail unopened is counted in them: a mail that arrives on a Friday
afternoon has not been ignored over the weekend (pure rules, no I/O)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from shared.clock import VN_TZ
from shared.workdays import WorkCalendar

# (opening, closing) of each part of a working day
WORKING_HOURS: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(13), time(17)))
# A calendar with no working day this far ahead is wrong; never loop for ever on it.
MAX_DAYS = 3660


def working_hours_after(start: datetime, hours: float, calendar: WorkCalendar) -> datetime:
    """The instant ``hours`` working hours after ``start``, in Vietnam time. Only the time
    inside the working hours of a working day counts: a start outside them counts from
    the next opening (a Friday 16:00 mail + 16 hours is Tuesday 16:00). An instant that
    falls at a closing time stays there, not at the next opening."""
    if hours < 0:
        raise ValueError("count zero or more working hours")
    left = timedelta(hours=hours)
    local = start.astimezone(VN_TZ)
    day = local.date()
    for _ in range(MAX_DAYS):
        if calendar.is_working(day):
            for opens, closes in WORKING_HOURS:
                begin = max(local, datetime.combine(day, opens, VN_TZ))
                end = datetime.combine(day, closes, VN_TZ)
                if begin >= end:
                    continue  # this part of the day is over already
                if begin + left <= end:
                    return begin + left
                left -= end - begin
        day += timedelta(days=1)
    raise ValueError(f"no working day in the {MAX_DAYS} days after {local:%d/%m/%Y}")
