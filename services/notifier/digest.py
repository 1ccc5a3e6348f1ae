"""Who under a parent is late on a requirement, when the parent's digest timer fires."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime

from nats.js import JetStreamContext

from services.notifier.compose import LateUnit
from shared import subjects, topology
from shared.contracts import Assignment, AssignmentCreated, ReportSubmitted
from shared.directory import Directory
from shared.streams import last_event
from shared.vietnamese import format_date


def days_after(instant: datetime, due: datetime) -> int:
    return max(1, math.ceil((instant - due).total_seconds() / 86400))


async def late_units(
    js: JetStreamContext, directory: Directory, parent: str, a: Assignment, now: datetime
) -> tuple[list[LateUnit], list[LateUnit]]:
    """(still missing, reported after the deadline) among the parent's units that were
    assigned this requirement, by name."""
    due = a.requirement.due_before
    assert due is not None
    requirement = a.requirement.id

    async def status(child: str):
        assigned = await last_event(
            js,
            topology.ASSIGNMENTS.name,
            subjects.assignment_created(a.directive_id, child, requirement),
            AssignmentCreated,
        )
        if assigned is None:
            return None
        report = await last_event(
            js,
            topology.REPORTS.name,
            subjects.report_submitted(a.directive_id, child, requirement),
            ReportSubmitted,
        )
        return child, report[0].submission if report else None

    missing, late = [], []
    for found in await asyncio.gather(*(status(c) for c in directory.children(parent))):
        if found is None:
            continue
        child, submission = found
        if submission is None:
            missing.append(LateUnit(directory.name(child), days_after(now, due)))
        elif not submission.on_time:
            received = submission.first_received_at
            late.append(
                LateUnit(
                    directory.name(child), days_after(received, due), format_date(received.date())
                )
            )
    return sorted(missing, key=lambda u: u.name), sorted(late, key=lambda u: u.name)
