"""Which timers an assignment gets (reminders before its deadline, the overdue notice at
it, the parent's digest after it, and one after its mail in case nobody opens it) and when
the next heartbeat is due: pure rules, the scheduling itself is in adapters/timers.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel

from services.notifier.domain.working_hours import working_hours_after
from shared import subjects
from shared.clock import VN_TZ
from shared.contracts import Assignment
from shared.workdays import WorkCalendar, in_force

# unopened: the assignment mailed again, to the unit's leaders too, if nobody opened it
# within ``unopened_hours`` working hours of its mail (handlers/unopened.py)
TimerKind = Literal["remind", "overdue", "digest", "unopened"]
UNOPENED: TimerKind = "unopened"
# what came of a timer that fired, as the chidao_reminders_fired_total metric counts it
# (moved: a reminder or overdue notice for a deadline an extension or a correction has
# since replaced, or planned before a correction that planned its own; recalled: any
# timer of a directive its issuer has since recalled, thu hồi; cancelled: a reminder or
# overdue notice of a unit a correction has since taken off, đính chính; opened: an
# unopened timer of a unit that has since opened its link, confirmed it has the document,
# saved a draft or asked for more time; revoked: one whose link the staff revoked since)
TimerOutcome = Literal[
    "mailed",
    "reported",
    "nobody_late",
    "stale",
    "moved",
    "recalled",
    "cancelled",
    "opened",
    "revoked",
]
# However fast a simulated clock runs, a timer may take this long (real seconds) to be
# handled before it counts as late: the time a busy notifier needs to get to it.
HANDLING_SECONDS = 10.0
EXTENDED = "-x"  # what ends the kind token of a timer planned for an extension ("-x1")
_EXTENSION_OF = re.compile(rf"{EXTENDED}(\d+)$")
# what follows the kind in the token of a timer planned for a correction ("overdue-c1");
# an extension granted after it ends the token still ("remind-3d-c1-x1")
CORRECTED = "-c"
_CORRECTION_OF = re.compile(rf"{CORRECTED}(\d+)(?:{EXTENDED}\d+)?$")


class Timer(BaseModel):
    """The payload of a schedule; it comes back as is on chidao.fired.*."""

    id: str  # also the ledger key of the mail it causes
    kind: TimerKind
    days_before: int | None = None
    working_days: bool = False  # days_before counts working days ("còn 3 ngày làm việc")
    unit_id: str  # who is mailed: the assigned unit, or for a digest its parent
    assignment: Assignment
    at: AwareDatetime  # on the chidao clock
    # n: planned for the unit's n-th extension granted (its assignment carries the new
    # deadline); 0, the default, for the deadline as assigned (timers set before this
    # field existed read as 0 and keep their ids)
    extension: int = 0
    # n: planned for the n-th correction of the directive (its assignment as published
    # again then); 0 for the assignment as issued, the same way
    correction: int = 0
    # an unopened timer's: when the unit's server accepted the assignment mail (the mail
    # sent again says since when it lies unopened)
    mailed_at: AwareDatetime | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        """The timer's subject after the owner, and its id. An extension's timers have
        kinds of their own ("remind-3d-x1", "overdue-x1"): the id is the Nats-Msg-Id (the
        same id scheduled again within the duplicate window is dropped) and the key of
        the mail in the ledger (a reminder mailed before the extension would block the
        new one). A correction's timers likewise ("remind-3d-c1", "digest-c1")."""
        a = self.assignment
        unit = "wd" if self.working_days else "d"
        kind = f"remind-{self.days_before}{unit}" if self.kind == "remind" else self.kind
        if self.correction:
            kind = f"{kind}{CORRECTED}{self.correction}"
        if self.extension:
            kind = f"{kind}{EXTENDED}{self.extension}"
        if self.kind == "digest":
            ids = (kind, a.directive_id, a.requirement.id, self.unit_id)
            # the parent's digest after one unit's new deadline names that unit too:
            # two units given their first extension to different dates get one each
            return (*ids, a.unit_id) if self.extension else ids
        return kind, a.directive_id, a.unit_id, a.requirement.id


class Heartbeat(BaseModel):
    """A timer the notifier sets for itself once a period (CHIDAO_HEARTBEAT_SECONDS, a
    minute), due in the middle of the next half-period: its arrival shows
    that JetStream's scheduled messages fire and reach the notifier (the
    ChidaoRemindersNotFiring alert watches the time it last arrived)."""

    heartbeat_at: float  # real unix time it is due


def timer(
    kind: TimerKind,
    assignment: Assignment,
    unit_id: str,
    at: datetime,
    days: int | None = None,
    working_days: bool = False,
    extension: int = 0,
    correction: int = 0,
) -> Timer:
    draft = Timer(
        id="-",
        kind=kind,
        days_before=days,
        working_days=working_days,
        unit_id=unit_id,
        assignment=assignment,
        at=at,
        extension=extension,
        correction=correction,
    )
    return draft.model_copy(update={"id": subjects.timer_id(*draft.tokens)})


def plan(
    assignment: Assignment,
    now: datetime,
    *,
    reminder_days: Iterable[int | str],
    digest_after: timedelta,
    parent: str | None,
    calendar: Callable[[], WorkCalendar] = in_force,
    extension: int = 0,
    correction: int = 0,
) -> list[Timer]:
    """The timers an assignment needs from now on. A deadline already passed when the
    assignment was made gets none: its mail already said so. ``parent`` (the assigned
    unit's, if it has one) gets the digest. A reminder "3wd" goes out at the start of the
    third working day before the deadline's (on ``calendar``, asked only then).
    ``extension``: the number of the extension whose deadline ``assignment`` carries;
    ``correction``: the number of the correction it was published again for."""
    due = assignment.requirement.due_before
    if due is None or due <= assignment.assigned_at:
        return []

    def made(
        kind: TimerKind, unit: str, at: datetime, days: int | None = None, wd: bool = False
    ) -> Timer:
        return timer(kind, assignment, unit, at, days, wd, extension, correction)

    timers = []
    for days, working in sorted({reminder(r) for r in reminder_days}, reverse=True):
        at = working_days_before(due, days, calendar()) if working else due - timedelta(days=days)
        if at > now and at > assignment.assigned_at:
            timers.append(made("remind", assignment.unit_id, at, days, working))
    timers.append(made("overdue", assignment.unit_id, due))
    if parent is not None:
        timers.append(made("digest", parent, due + digest_after))
    return timers


def unopened_timer(
    assignment: Assignment, mailed_at: datetime, hours: float, calendar: WorkCalendar
) -> Timer | None:
    """The timer that mails ``assignment`` again if its unit has not opened it ``hours``
    working hours after its mail was accepted at ``mailed_at``; None when ``hours`` is 0
    (the setting turned off). Its id names the assignment only: whichever path mailed the
    unit, and however often, it is one timer, set once (scheduled again, it replaces
    itself), and its mail one ledger key."""
    if hours <= 0:
        return None
    at = working_hours_after(mailed_at, hours, calendar)
    made = timer(UNOPENED, assignment, assignment.unit_id, at)
    return made.model_copy(update={"mailed_at": mailed_at})


def extension_of(kind_token: str) -> int:
    """Which extension a timer's kind token ("overdue-x2", "remind-3d") was planned for."""
    found = _EXTENSION_OF.search(kind_token)
    return int(found.group(1)) if found else 0


def correction_of(kind_token: str) -> int:
    """Which correction a timer's kind token ("overdue-c1", "remind-3d-c2-x1", "digest")
    was planned for (0: the directive as issued)."""
    found = _CORRECTION_OF.search(kind_token)
    return int(found.group(1)) if found else 0


def extended(assignment: Assignment, due: datetime) -> Assignment:
    """``assignment`` with the deadline an extension granted: what its new timers carry,
    and its link is signed for (a link lasts the grace after the deadline)."""
    requirement = assignment.requirement.model_copy(update={"due_before": due})
    return assignment.model_copy(update={"requirement": requirement})


def reminder(written: int | str) -> tuple[int, bool]:
    """``7`` or ``"7"``: seven days; ``"3wd"``: three working days."""
    text = str(written).strip().lower()
    return (int(text[:-2]), True) if text.endswith("wd") else (int(text), False)


def working_days_before(due: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """Midnight starting the ``days``-th working day before ``due``'s day."""
    local = due.astimezone(VN_TZ)
    day = local.date()
    while days:
        day -= timedelta(days=1)
        if calendar.is_working(day):
            days -= 1
    return datetime.combine(day, time(), VN_TZ)


def heartbeat_slot(now: float, every: float) -> tuple[int, float]:
    """The next heartbeat period still ahead of ``now`` (real unix time) and its due time,
    the middle of that period."""
    slot = int(now // every)
    due = slot * every + every / 2
    if due <= now:
        slot += 1
        due += every
    return slot, due


def stale(timer: Timer, now: datetime, tolerance: timedelta) -> bool:
    """Whether a reminder came too late to be true: its moment passed more than
    ``tolerance`` ago, or its deadline has passed ("còn 3 ngày" read after the deadline,
    or several reminders at once after an outage). The overdue notice and the digest are
    never stale: each says how things stand now, and is sent once."""
    if timer.kind != "remind":
        return False
    due = timer.assignment.requirement.due_before
    return now - timer.at > tolerance or (due is not None and now >= due)
