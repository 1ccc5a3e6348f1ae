"""Storing a unit's report: checked against the directive, the assignment and the report
form, stamped by the server, and appended as the thread's next version."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from services.reporter.adapters.reports_stream import APPEND_ATTEMPTS, AppendConflict
from services.reporter.deps import Deps
from services.reporter.domain.refusals import (
    AssignmentCancelled,
    DirectiveWasRecalled,
    NotAssigned,
    Refusal,
    TooManyVersions,
    UnknownDirective,
)
from services.reporter.domain.report_thread import Outcome, Source
from services.reporter.domain.requirements import (
    CheckedReport,
    checked_report,
    requirement_of,
)
from services.reporter.handlers.drafts import forget_draft
from services.reporter.handlers.queue import after_submission
from shared import subjects
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    DirectiveIssued,
    DirectiveRecalled,
    ReportingRequirement,
    ReportSubmitted,
    SubmissionRequest,
)
from shared.forms import issued_form
from shared.retry import on_conflict_retry
from shared.telemetry import continued_from
from shared.vietnamese import document_title, format_instant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filed:
    event: ReportSubmitted  # the version stored, or the current one if nothing changed
    new: bool
    assignment: AssignmentCreated


@contextmanager
def counted(deps: Deps) -> Iterator[None]:
    """Count a refused report under its reason (chidao_submissions_refused_total)."""
    try:
        yield
    except Refusal as exc:
        if exc.reason:
            deps.metrics.refused.labels(exc.reason).inc()
        raise


async def find_requirement(
    deps: Deps, directive_id: str, requirement_id: str
) -> tuple[DirectiveIssued, ReportingRequirement]:
    """The issued directive and its requirement; UnknownDirective, UnknownRequirement."""
    with counted(deps):
        issued = await deps.reports.directive_issued(directive_id)
        if issued is None:
            raise UnknownDirective(f"Chưa có văn bản {directive_id} nào được ban hành.")
        return issued, requirement_of(issued, requirement_id)


async def submit_report(
    deps: Deps,
    request: SubmissionRequest,
    *,
    now: Callable[[], datetime] | None = None,
    keep_existing: bool = False,
    source: Source = "unit",
    synthesis_of: str | None = None,
) -> Filed:
    """Store a new version of a unit's report (ReportThread.submit says when there is
    one). ``now`` stamps it (the service's clock by default). With ``keep_existing`` an
    existing report is left as it is (a report the system files for the unit)."""
    ids = (request.directive_id, request.unit_id, request.requirement_id)
    # The directive, the assignment and a recall are read at once: one round trip.
    (issued, requirement), found_assignment, recalled = await asyncio.gather(
        find_requirement(deps, request.directive_id, request.requirement_id),
        deps.reports.assignment_with_headers(*ids),
        deps.reports.recalled(request.directive_id),
    )
    with counted(deps):
        if recalled is not None:
            raise recall_refusal(recalled)
        if found_assignment is None:
            raise NotAssigned(
                f"Đơn vị {request.unit_id} không được giao yêu cầu báo cáo "
                f"“{request.requirement_id}” của {issued.directive.ref}, nên không báo cáo được."
            )
        assigned, assigned_headers = found_assignment
        if assigned.assignment.cancelled:
            raise cancelled_refusal(assigned.assignment)
        form = issued_form(issued, requirement)
        report = checked_report(form, request.values, request.narrative)
    filing = _Filing(
        deps, request, report, assigned, assigned_headers, issued.directive.issuer,
        now or deps.now, keep_existing, source, synthesis_of,
        {f.name: f.label for f in form.fields},
    )  # fmt: skip
    outcome = await on_conflict_retry(
        filing.attempt,
        conflicts=AppendConflict,
        attempts=APPEND_ATTEMPTS,
        busy="the report was changed by another request at the same time; send it again",
    )
    if outcome.new:
        _accepted(deps, outcome.event)
    await after_submission(deps, issued, requirement, outcome.event, outcome.new)
    await forget_draft(deps, *ids)  # sent (or the same as sent): the draft is done with
    return Filed(outcome.event, outcome.new, assigned)


@dataclass
class _Filing:
    """One request's attempts at appending its version: each reads the thread again."""

    deps: Deps
    request: SubmissionRequest
    report: CheckedReport
    assigned: AssignmentCreated
    assigned_headers: dict[str, str]
    issuer: str
    now: Callable[[], datetime]
    keep_existing: bool
    source: Source
    synthesis_of: str | None
    labels: dict[str, str] = field(default_factory=dict)  # the form's fields, in words
    stored: bool = False  # the files, once for all attempts

    async def attempt(self, _: int) -> Outcome[ReportSubmitted]:
        deps, request = self.deps, self.request
        ids = (request.directive_id, request.unit_id, request.requirement_id)
        thread = await deps.reports.thread(*ids)
        if self.keep_existing and thread.latest is not None:
            return Outcome(thread.latest, new=False)
        with counted(deps):
            try:
                outcome = thread.submit(
                    self.report.values,
                    request.narrative,
                    at=self.now(),
                    # judged by the deadline in force: a unit granted more time is on time before it
                    due_before=thread.due(self.assigned.assignment.requirement.due_before),
                    max_versions=deps.max_versions,
                    issuer=self.issuer,
                    unsent_files=self.report.unsent_files,
                    source=self.source,
                    synthesis_of=self.synthesis_of,
                    cleared=request.clear,
                    labels=self.labels,
                )
            except TooManyVersions:
                logger.warning(
                    "submission refused: too many versions",
                    extra={
                        "directive_id": ids[0],
                        "unit": ids[1],
                        "requirement": ids[2],
                        "versions": thread.current.version if thread.current else 0,
                    },
                )
                raise
        if not outcome.new:
            return outcome
        if not self.stored:
            for attached, data in self.report.files.values():
                await deps.attachments.store(attached, data)
            self.stored = True
        subject = subjects.report_submitted(*ids)
        # The report joins the directive's trace (the assignment's context), so one trace
        # runs from the issue request through the mail to the roll-up.
        with continued_from(self.assigned_headers, "store report", subject=subject):
            await deps.reports.append(subject, outcome.event, thread.latest_seq)
        return outcome


def recall_refusal(recalled: DirectiveRecalled) -> DirectiveWasRecalled:
    d, recall = recalled.directive, recalled.recall
    if recall.replaced_by:
        # a replacement is a recall whose units now report under the document named
        return DirectiveWasRecalled(
            f"{d.issuer} đã thay thế {document_title(d.kind, d.ref)} bằng văn bản "
            f"{recall.replaced_by_ref or recall.replaced_by} lúc "
            f"{format_instant(recall.recalled_at)}: không nhận báo cáo theo văn bản này nữa; "
            "đơn vị báo cáo theo văn bản mới."
        )
    return DirectiveWasRecalled(
        f"{d.issuer} đã thu hồi {document_title(d.kind, d.ref)} lúc "
        f"{format_instant(recall.recalled_at)}: không nhận báo cáo theo văn bản này nữa."
    )


def cancelled_refusal(a: Assignment) -> AssignmentCancelled:
    """A correction took the unit off: nothing more is asked of it under this one."""
    document = document_title(a.directive_kind, a.directive_ref)
    return AssignmentCancelled(
        f"Theo đính chính lần {a.correction} của {document}, đơn vị {a.unit_id} không còn "
        f"phải báo cáo yêu cầu “{a.requirement.id}”: không nhận báo cáo hay đề nghị gia hạn "
        "theo yêu cầu này nữa. Báo cáo đã gửi (nếu có) vẫn được lưu."
    )


def _accepted(deps: Deps, event: ReportSubmitted) -> None:
    submission = event.submission
    deps.metrics.accepted.labels(
        "on_time" if submission.on_time else "late",
        "first" if submission.version == 1 else "correction",
    ).inc()
    logger.info(
        "submission accepted", extra={"event_id": event.event_id, "on_time": submission.on_time}
    )
