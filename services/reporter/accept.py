"""Accepting a submission: the checks against the assignment and the report form, the
server's stamp, the files attached, the new version."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from nats.js import JetStreamContext

from services.reporter import log as reports
from services.reporter.metrics import ReporterMetrics
from shared import subjects, topology
from shared.contracts import (
    DirectiveIssued,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
    Submission,
    SubmissionRequest,
)
from shared.contracts.submissions import MAX_NARRATIVE
from shared.forms import Form, builtin, check, default_form_for
from shared.objects import describe, store
from shared.telemetry import continued_from
from shared.vietnamese import format_instant, format_number

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


def form_for(issued: DirectiveIssued, requirement: ReportingRequirement) -> Form:
    """The form the directive went out with (or, for one issued before forms, the
    built-in form its action calls for)."""
    return issued.form_of(requirement.id) or builtin()[default_form_for(requirement)]


async def find_requirement(
    js: JetStreamContext, request: SubmissionRequest, metrics: ReporterMetrics
) -> tuple[DirectiveIssued, ReportingRequirement]:
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
    return issued, requirements[request.requirement_id]


async def accept(
    js: JetStreamContext,
    request: SubmissionRequest,
    now: Callable[[], datetime],
    metrics: ReporterMetrics,
    *,
    keep_existing: bool = False,
    source: Literal["unit", "plan", "synthesis"] = "unit",
    synthesis_of: str | None = None,
    max_versions: int,
) -> Accepted:
    """Store a new version of a unit's report. Timeliness is judged on the first version;
    a request identical to the latest version is not a new one; a report the parent has
    accepted cannot change until the parent returns it; a report has at most
    ``max_versions`` versions (CHIDAO_MAX_REPORT_VERSIONS). With
    ``keep_existing`` an existing report is left as it is (a report the system files for
    the unit)."""
    # The directive and the assignment are read at once: two round trips become one.
    (issued, requirement), found_assignment = await asyncio.gather(
        find_requirement(js, request, metrics),
        reports.assignment_with_headers(
            js, request.directive_id, request.unit_id, request.requirement_id
        ),
    )
    assigned, assigned_headers = found_assignment or (None, {})
    if assigned is None:
        metrics.refused.labels("not_assigned").inc()
        raise Refused(
            403,
            f"unit '{request.unit_id}' was not assigned requirement "
            f"'{request.requirement_id}' of {issued.directive.ref}, so it cannot report on it",
        )
    form = form_for(issued, requirement)
    checked = check(form, request.values)
    problems = dict(checked.problems)
    if len(request.narrative) > MAX_NARRATIVE:
        problems["narrative"] = f"Ghi chú: dài quá {format_number(MAX_NARRATIVE)} ký tự."
    if problems:
        metrics.refused.labels("invalid_values").inc()
        raise Refused(
            422,
            "the report has values that are not right; each problem names its field",
            problems=problems,
            form=form.id,
        )
    values: dict[str, Any] = dict(checked.values)
    # Files are referenced by content hash before they are stored: a resend is told from
    # a change, and a refused request (too many versions, accepted) stores nothing.
    files = {
        name: (describe(u.data, u.filename, u.content_type), u.data)
        for name, u in checked.uploads.items()
    }
    values.update({name: attached for name, (attached, _) in files.items()})
    due = assigned.assignment.requirement.due_before
    stored = False

    for _ in range(CONFLICT_RETRIES):
        found, reviewed = await _latest(js, request)
        previous, last_seq = found if found else (None, 0)
        if previous is not None and keep_existing:
            return Accepted(200, previous)
        if previous is not None:
            _refuse_if_accepted(previous.submission, reviewed, metrics)
            for f in form.fields:
                # A correction that sends no new file keeps the one already attached.
                old = previous.submission.values.get(f.name)
                if f.type == "attachment" and f.name not in request.values and old:
                    values[f.name] = old
            if (
                previous.submission.values == values
                and previous.submission.narrative == request.narrative
            ):
                return Accepted(200, previous)
            _refuse_if_too_many(previous, max_versions, request, issued, metrics)
        if not stored:
            for attached, data in files.values():
                await store(js, topology.ATTACHMENTS.name, attached, data)
            stored = True
        stamp = now()
        first = previous.submission if previous else None
        submission = Submission(
            directive_id=request.directive_id,
            unit_id=request.unit_id,
            requirement_id=request.requirement_id,
            values=values,
            narrative=request.narrative,
            version=(first.version + 1) if first else 1,
            received_at=stamp,
            first_received_at=first.first_received_at if first else stamp,
            due_before=due,
            on_time=first.on_time if first else (due is None or stamp < due),
            source=source,
            synthesis_of=synthesis_of,
        )
        event = ReportSubmitted(
            event_id=subjects.report_submitted_id(
                request.directive_id, request.unit_id, request.requirement_id, submission.version
            ),
            occurred_at=stamp,
            submission=submission,
        )
        subject = subjects.report_submitted(
            request.directive_id, request.unit_id, request.requirement_id
        )
        try:
            # The report joins the directive's trace (the assignment's context), so one
            # trace runs from the issue request through the mail to the roll-up.
            with continued_from(assigned_headers, "store report", subject=subject):
                await reports.append(js, subject, event, last_seq)
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


async def _latest(
    js: JetStreamContext, request: SubmissionRequest
) -> tuple[tuple[ReportSubmitted, int] | None, tuple[ReportReviewed, int] | None]:
    """The latest version of the report (with its stream sequence) and its last review."""
    ids = (request.directive_id, request.unit_id, request.requirement_id)
    return await asyncio.gather(reports.latest(js, *ids), reports.latest_review(js, *ids))


def _refuse_if_too_many(
    previous: ReportSubmitted,
    limit: int,
    request: SubmissionRequest,
    issued: DirectiveIssued,
    metrics: ReporterMetrics,
) -> None:
    """Every version is kept and shown to the parent: a unit may not add them without end
    (200 a second made the parent's page 3.7 MB)."""
    if previous.submission.version < limit:
        return
    metrics.refused.labels("too_many_versions").inc()
    message = (
        f"Báo cáo này đã được gửi {limit} lần, số lần nhiều nhất được phép; hệ thống không "
        f"nhận thêm bản sửa nào. Nếu cần sửa nữa, đề nghị đơn vị liên hệ "
        f"{issued.directive.issuer} (đơn vị giao báo cáo)."
    )
    logger.warning(
        "submission refused: too many versions",
        extra={
            "directive_id": request.directive_id,
            "unit": request.unit_id,
            "requirement": request.requirement_id,
            "versions": previous.submission.version,
        },
    )
    # "problems" is what the form page shows beside the note
    raise Refused(409, message, problems={"narrative": message})


def _refuse_if_accepted(
    current: Submission, found: tuple[ReportReviewed, int] | None, metrics: ReporterMetrics
) -> None:
    if found is None:
        return
    review = found[0].review
    if review.decision == "accepted" and review.version == current.version:
        metrics.refused.labels("already_accepted").inc()
        raise Refused(
            409,
            f"the parent accepted version {review.version} of this report on "
            f"{format_instant(review.reviewed_at)}; it can be corrected only after they "
            "return it",
        )
