"""The parent's decision on a unit's report: accept it (it can no longer change) or
return it for correction with a reason (it reopens, and the unit is mailed)."""

from __future__ import annotations

from services.reporter.adapters.reports_stream import APPEND_ATTEMPTS, AppendConflict
from services.reporter.deps import Deps
from services.reporter.domain.report_thread import Outcome, ReviewDecision
from services.reporter.handlers.queue import after_review
from shared import subjects
from shared.contracts import ReportReviewed
from shared.retry import on_conflict_retry


async def review_report(
    deps: Deps,
    directive_id: str,
    unit_id: str,
    requirement_id: str,
    decision: ReviewDecision,
    reason: str,
) -> Outcome[ReportReviewed]:
    """Record a decision on the latest version (ReportThread.review); the same decision
    again is no change (``new`` False)."""
    ids = (directive_id, unit_id, requirement_id)

    async def attempt(_: int) -> Outcome[ReportReviewed]:
        thread = await deps.reports.thread(*ids)
        outcome = thread.review(decision, reason, at=deps.now())
        if outcome.new:
            subject = subjects.report_reviewed(*ids)
            await deps.reports.append(subject, outcome.event, thread.review_seq)
        return outcome

    outcome = await on_conflict_retry(
        attempt,
        conflicts=AppendConflict,
        attempts=APPEND_ATTEMPTS,
        busy="the report was reviewed by another request at the same time; try again",
    )
    deps.metrics.reviews.labels(decision).inc()
    await after_review(deps, *ids)
    return outcome
