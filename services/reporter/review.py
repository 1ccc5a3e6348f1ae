"""The parent's decision on a unit's report: accept it (it can no longer change) or
return it for correction with a reason (it reopens, and the unit is mailed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from nats.js import JetStreamContext

from services.reporter import log as reports
from services.reporter.accept import CONFLICT_RETRIES, Refused
from shared import subjects
from shared.contracts import ReportReviewed, Review
from shared.contracts.submissions import clean_text


async def review(
    js: JetStreamContext,
    directive_id: str,
    unit_id: str,
    requirement_id: str,
    decision: Literal["accepted", "returned"],
    reason: str,
    now: Callable[[], datetime],
) -> tuple[int, ReportReviewed]:
    """Record a decision on the latest version; the same decision again is no change."""
    reason = clean_text(reason)  # it goes into mails, pages and documents
    if decision == "returned" and not reason:
        raise Refused(422, "say why the report is returned: the unit reads the reason")
    for _ in range(CONFLICT_RETRIES):
        found = await reports.latest(js, directive_id, unit_id, requirement_id)
        if found is None:
            raise Refused(404, f"unit '{unit_id}' has not reported on this requirement yet")
        current = found[0].submission
        last = await reports.latest_review(js, directive_id, unit_id, requirement_id)
        previous, last_seq = last if last else (None, 0)
        if previous is not None:
            p = previous.review
            if (p.version, p.decision, p.reason) == (current.version, decision, reason):
                return 200, previous
        stamp = now()
        event = ReportReviewed(
            event_id=subjects.report_reviewed_id(
                directive_id, unit_id, requirement_id, current.version, decision, last_seq
            ),
            occurred_at=stamp,
            review=Review(
                directive_id=directive_id,
                unit_id=unit_id,
                requirement_id=requirement_id,
                version=current.version,
                decision=decision,
                reason=reason,
                reviewed_at=stamp,
            ),
        )
        subject = subjects.report_reviewed(directive_id, unit_id, requirement_id)
        try:
            await reports.append(js, subject, event, last_seq)
        except reports.SubmissionConflict:
            continue
        return 201, event
    raise Refused(409, "the report was reviewed by another request at the same time; try again")
