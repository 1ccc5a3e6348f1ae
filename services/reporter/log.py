"""The reporter's state is the REPORTS stream itself: every version of a unit's report is
one message on ``chidao.report.submitted.<directive>.<unit>.<requirement>``, the last one
is the current version, and appending is a compare-and-set on that subject's sequence."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import APIError

from shared import subjects, topology
from shared.contracts import AssignmentCreated, DirectiveIssued, ReportSubmitted
from shared.streams import last_event
from shared.telemetry import trace_headers

WRONG_LAST_SEQUENCE = (10071, 10164)


class SubmissionConflict(Exception):
    """Another version was appended first; read again and retry."""


async def directive_issued(js: JetStreamContext, directive_id: str) -> DirectiveIssued | None:
    found = await last_event(
        js, topology.DIRECTIVES.name, subjects.directive_issued(directive_id), DirectiveIssued
    )
    return found[0] if found else None


async def assignment(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> AssignmentCreated | None:
    subject = subjects.assignment_created(directive_id, unit_id, requirement_id)
    found = await last_event(js, topology.ASSIGNMENTS.name, subject, AssignmentCreated)
    return found[0] if found else None


async def latest(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> tuple[ReportSubmitted, int] | None:
    subject = subjects.report_submitted(directive_id, unit_id, requirement_id)
    return await last_event(js, topology.REPORTS.name, subject, ReportSubmitted)


async def append(js: JetStreamContext, event: ReportSubmitted, after_seq: int) -> None:
    """Publish a new version, only if the subject's last message is still ``after_seq``."""
    s = event.submission
    try:
        ack = await js.publish(
            subjects.report_submitted(s.directive_id, s.unit_id, s.requirement_id),
            event.model_dump_json().encode(),
            stream=topology.REPORTS.name,
            headers=trace_headers(
                {
                    "Nats-Msg-Id": event.event_id,
                    "Nats-Expected-Last-Subject-Sequence": str(after_seq),
                    "content-type": "application/json",
                }
            ),
        )
    except APIError as exc:
        if exc.err_code in WRONG_LAST_SEQUENCE:
            raise SubmissionConflict from exc
        raise
    if ack.duplicate:
        # Another request stored this version number first (same Nats-Msg-Id).
        raise SubmissionConflict
