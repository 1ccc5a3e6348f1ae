"""The reporter's state is the REPORTS stream itself: every version of a unit's report is
one message on ``chidao.report.submitted.<directive>.<unit>.<requirement>``, the last one
is the current version; the parent's decisions on it are messages on
``chidao.report.reviewed.<...>``, the last one counts. Appending is a compare-and-set on
the subject's last sequence, so two requests at once cannot both win."""

from __future__ import annotations

from collections import OrderedDict

from nats.js import JetStreamContext
from nats.js.errors import APIError

from shared import subjects, topology
from shared.availability import until_available
from shared.contracts import (
    AssignmentCreated,
    DirectiveIssued,
    Event,
    ReportReviewed,
    ReportSubmitted,
)
from shared.streams import last_event, last_event_with_headers
from shared.telemetry import trace_headers

WRONG_LAST_SEQUENCE = (10071, 10164)


class SubmissionConflict(Exception):
    """Another message was appended first; read again and retry."""


# An issued directive never changes (re-issuing different content is refused), so the
# few in use are kept parsed: reading one is a tenth of a submission's work otherwise.
_ISSUED: OrderedDict[str, DirectiveIssued] = OrderedDict()
_ISSUED_KEPT = 256


async def directive_issued(js: JetStreamContext, directive_id: str) -> DirectiveIssued | None:
    if directive_id in _ISSUED:
        _ISSUED.move_to_end(directive_id)
        return _ISSUED[directive_id]
    found = await last_event(
        js, topology.DIRECTIVES.name, subjects.directive_issued(directive_id), DirectiveIssued
    )
    if found is None:
        return None
    _ISSUED[directive_id] = found[0]
    if len(_ISSUED) > _ISSUED_KEPT:
        _ISSUED.popitem(last=False)
    return found[0]


async def assignment(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> AssignmentCreated | None:
    subject = subjects.assignment_created(directive_id, unit_id, requirement_id)
    found = await last_event(js, topology.ASSIGNMENTS.name, subject, AssignmentCreated)
    return found[0] if found else None


async def assignment_with_headers(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> tuple[AssignmentCreated, dict[str, str]] | None:
    """The assignment and the headers it was published with (its trace context)."""
    subject = subjects.assignment_created(directive_id, unit_id, requirement_id)
    found = await last_event_with_headers(js, topology.ASSIGNMENTS.name, subject, AssignmentCreated)
    return (found[0], found[2]) if found else None


async def latest(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> tuple[ReportSubmitted, int] | None:
    subject = subjects.report_submitted(directive_id, unit_id, requirement_id)
    return await last_event(js, topology.REPORTS.name, subject, ReportSubmitted)


async def latest_review(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> tuple[ReportReviewed, int] | None:
    subject = subjects.report_reviewed(directive_id, unit_id, requirement_id)
    return await last_event(js, topology.REPORTS.name, subject, ReportReviewed)


async def versions(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> list[ReportSubmitted]:
    """Every version of a unit's report, oldest first (each is kept with its time)."""
    subject = subjects.report_submitted(directive_id, unit_id, requirement_id)
    info = await js.stream_info(topology.REPORTS.name, subjects_filter=subject)
    count = sum((info.state.subjects or {}).values())
    if count == 0:
        return []
    # By direct get, one version after the other: no consumer is created, so the
    # reporter's NATS user needs no right to create consumers on REPORTS, where the other
    # services' durables live (deploy/nats/accounts.conf). A report has a few versions.
    events: list[ReportSubmitted] = []
    after = 0
    while len(events) < count:
        msg = await until_available(
            lambda after=after: js.get_msg(
                topology.REPORTS.name, seq=after + 1, next=True, subject=subject, direct=True
            ),
            f"reading the versions of {subject}",
        )
        events.append(ReportSubmitted.model_validate_json(msg.data))
        after = msg.seq
    return events


async def append(js: JetStreamContext, subject: str, event: Event, after_seq: int) -> None:
    """Publish ``event`` on ``subject``, only if the subject's last message is still
    ``after_seq`` (0: none yet)."""
    headers = trace_headers(
        {
            "Nats-Msg-Id": event.event_id,
            "Nats-Expected-Last-Subject-Sequence": str(after_seq),
            "content-type": "application/json",
        }
    )
    try:
        # A retry after a lost answer is safe: the same Nats-Msg-Id is a duplicate.
        ack = await until_available(
            lambda: js.publish(
                subject,
                event.model_dump_json().encode(),
                stream=topology.REPORTS.name,
                headers=headers,
            ),
            f"storing {subject}",
        )
    except APIError as exc:
        if exc.err_code in WRONG_LAST_SEQUENCE:
            raise SubmissionConflict from exc
        raise
    if ack.duplicate:
        # Another request stored this message first (same Nats-Msg-Id).
        raise SubmissionConflict
