"""Who under a parent is late on a requirement, when the parent's digest timer fires."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from services.notifier.domain.mails import LateUnit
from shared.contracts import Submission
from shared.vietnamese import format_date


def days_after(instant: datetime, due: datetime) -> int:
    return max(1, math.ceil((instant - due).total_seconds() / 86400))


def late_units(
    assigned: Iterable[tuple[str, Submission | None]],
    name: Callable[[str], str],
    due: datetime,
    now: datetime,
) -> tuple[list[LateUnit], list[LateUnit]]:
    """(still missing, reported after the deadline) among ``assigned``, the parent's units
    that were assigned the requirement with the report each sent (None if none yet), by
    name."""
    missing, late = [], []
    for child, submission in assigned:
        if submission is None:
            missing.append(LateUnit(name(child), days_after(now, due)))
        elif not submission.on_time:
            received = submission.first_received_at
            late.append(
                LateUnit(name(child), days_after(received, due), format_date(received.date()))
            )
    return sorted(missing, key=lambda u: u.name), sorted(late, key=lambda u: u.name)
