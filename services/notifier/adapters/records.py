"""What the notifier reads back from the other services' streams: an assignment, and the
last report a unit sent on it."""

from __future__ import annotations

from nats.js import JetStreamContext

from shared import subjects, topology
from shared.contracts import Assignment, AssignmentCreated, ReportSubmitted, Submission
from shared.streams import last_event


async def assignment(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> Assignment | None:
    found = await last_event(
        js,
        topology.ASSIGNMENTS.name,
        subjects.assignment_created(directive_id, unit_id, requirement_id),
        AssignmentCreated,
    )
    return found[0].assignment if found else None


async def last_report(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> Submission | None:
    found = await last_event(
        js,
        topology.REPORTS.name,
        subjects.report_submitted(directive_id, unit_id, requirement_id),
        ReportSubmitted,
    )
    return found[0].submission if found else None
