"""Who under a parent is late on a requirement, when the parent's digest timer fires."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from services.notifier.domain.mails import LateUnit
from shared.contracts import Submission
from shared.vietnamese import format_date

# a unit assigned the requirement: its id, the last report it sent (None if none yet),
# and its deadline in force (the assignment's, or the last extension granted)
Assigned = tuple[str, Submission | None, datetime | None]


def days_after(instant: datetime, due: datetime) -> int:
    return max(1, math.ceil((instant - due).total_seconds() / 86400))


def late_units(
    assigned: Iterable[Assigned],
    name: Callable[[str], str],
    now: datetime,
) -> tuple[list[LateUnit], list[LateUnit]]:
    """(still missing, reported after the deadline) among ``assigned``, the parent's units
    that were assigned the requirement, by name. Each is judged by its own deadline in
    force: one whose extension runs past ``now`` is not missing yet, and its days late
    count from its new deadline (whether its report was on time, the reporter said)."""
    missing, late = [], []
    for child, submission, due in assigned:
        if due is None:
            continue  # no deadline, never late
        if submission is None:
            if now >= due:
                missing.append(LateUnit(name(child), days_after(now, due)))
        elif not submission.on_time:
            received = submission.first_received_at
            late.append(
                LateUnit(name(child), days_after(received, due), format_date(received.date()))
            )
    return sorted(missing, key=lambda u: u.name), sorted(late, key=lambda u: u.name)
