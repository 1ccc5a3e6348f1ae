"""Accepting a submission: the checks, the server's stamp, the new version."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nats.js import JetStreamContext

from services.reporter import log as reports
from services.reporter.metrics import ReporterMetrics
from shared.contracts import ReportSubmitted, Submission, SubmissionRequest

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5


class Refused(Exception):
    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


@dataclass
class Accepted:
    status: int  # 201 a new version, 200 the same report again
    event: ReportSubmitted


async def accept(
    js: JetStreamContext,
    request: SubmissionRequest,
    now: Callable[[], datetime],
    metrics: ReporterMetrics,
    keep_existing: bool = False,
) -> Accepted:
    """Store a new version of a unit's report. Timeliness is judged on the first version;
    a request identical to the latest version is not a new one. With ``keep_existing`` an
    existing report is left as it is (a report the system files for the unit)."""
    issued = await reports.directive_issued(js, request.directive_id)
    if issued is None:
        metrics.refused.labels("unknown_directive").inc()
        raise Refused(404, f"no directive '{request.directive_id}' has been issued")
    requirements = {r.id: r for r in issued.directive.requirements}
    if request.requirement_id not in requirements:
        metrics.refused.labels("unknown_requirement").inc()
        raise Refused(
            404,
            f"{issued.directive.ref} has no reporting requirement '{request.requirement_id}'",
            requirements=sorted(requirements),
        )
    assigned = await reports.assignment(
        js, request.directive_id, request.unit_id, request.requirement_id
    )
    if assigned is None:
        metrics.refused.labels("not_assigned").inc()
        raise Refused(
            403,
            f"unit '{request.unit_id}' was not assigned requirement "
            f"'{request.requirement_id}' of {issued.directive.ref}, so it cannot report on it",
        )
    due = assigned.assignment.requirement.due_before

    for _ in range(CONFLICT_RETRIES):
        found = await reports.latest(
            js, request.directive_id, request.unit_id, request.requirement_id
        )
        previous, last_seq = found if found else (None, 0)
        if previous is not None and (
            keep_existing
            or (
                previous.submission.figures == request.figures
                and previous.submission.narrative == request.narrative
            )
        ):
            return Accepted(200, previous)
        stamp = now()
        first = previous.submission if previous else None
        submission = Submission(
            **request.model_dump(),
            version=(first.version + 1) if first else 1,
            received_at=stamp,
            first_received_at=first.first_received_at if first else stamp,
            due_before=due,
            on_time=first.on_time if first else (due is None or stamp < due),
        )
        event = ReportSubmitted(
            event_id=(
                f"report-submitted.{request.directive_id}.{request.unit_id}."
                f"{request.requirement_id}.v{submission.version}"
            ),
            occurred_at=stamp,
            submission=submission,
        )
        try:
            await reports.append(js, event, last_seq)
        except reports.SubmissionConflict:
            continue
        metrics.accepted.labels(
            "on_time" if submission.on_time else "late",
            "first" if submission.version == 1 else "correction",
        ).inc()
        logger.info(
            "submission accepted", extra={"event_id": event.event_id, "on_time": submission.on_time}
        )
        return Accepted(201, event)
    raise Refused(409, "the report was changed by another request at the same time; send it again")
