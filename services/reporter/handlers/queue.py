"""Keeping the review queue (adapters/review_queue.py) in step with the REPORTS stream:
a stored version waits for its parent's decision, a recorded decision ends the wait.

Every path that files a report goes through ``submissions.submit_report`` and every
decision through ``reviews.review_report``, which call these; each is idempotent, so a
redelivered event or a retried request that stores nothing new still repairs an item a
crash left out."""

from __future__ import annotations

from services.reporter.adapters.review_queue import QueueItem
from services.reporter.deps import Deps
from services.reporter.domain.report_thread import ReportThread
from services.reporter.domain.requirements import requirement_of, reviewing_unit
from shared.contracts import DirectiveIssued, ReportingRequirement, ReportSubmitted
from shared.vietnamese import document_title


def queue_item(
    deps: Deps, issued: DirectiveIssued, requirement: ReportingRequirement, event: ReportSubmitted
) -> QueueItem:
    s, directive = event.submission, issued.directive
    return QueueItem(
        reviewer=reviewing_unit(issued, requirement),
        directive_id=s.directive_id,
        unit_id=s.unit_id,
        requirement_id=s.requirement_id,
        unit_name=deps.directory().name(s.unit_id),
        document=document_title(directive.kind, directive.ref),
        directive_title=directive.title,
        requirement=requirement.action,
        submitted_at=s.received_at,
        version=s.version,
        on_time=s.on_time,
        due_before=s.due_before,
    )


def _waiting(thread: ReportThread) -> bool:
    """Whether the version that counts still waits for a decision."""
    return thread.latest is not None and thread.decision_on_current is None


async def after_submission(
    deps: Deps,
    issued: DirectiveIssued,
    requirement: ReportingRequirement,
    event: ReportSubmitted,
    new: bool,
) -> None:
    """``event`` is the version a filing stored (``new``) or found unchanged."""
    item = queue_item(deps, issued, requirement, event)
    if new:
        await deps.queue.put(item)
    # Read back after the put: a decision recorded between the append and the put has
    # already deleted a key that was not there yet, so it is deleted here instead.
    thread = await deps.reports.thread(*item.ids)
    if not _waiting(thread):
        if new:
            await deps.queue.remove(item.reviewer, *item.ids)
        return
    latest = thread.latest
    if latest is not None and (not new or latest.submission.version != event.submission.version):
        # nothing new (a redelivery, a resend), or another request stored a later version
        await deps.queue.put(queue_item(deps, issued, requirement, latest))


async def after_review(deps: Deps, directive_id: str, unit_id: str, requirement_id: str) -> None:
    """A decision is recorded on the version that counts: it no longer waits. (A later
    version, filed once a return reopened it, puts the item back.)"""
    issued = await deps.reports.directive_issued(directive_id)
    if issued is None:
        return
    requirement = requirement_of(issued, requirement_id)
    reviewer = reviewing_unit(issued, requirement)
    await deps.queue.remove(reviewer, directive_id, unit_id, requirement_id)
    # A version filed between the decision and this delete was put and then removed:
    # read back, as ``after_submission`` does, and put it again.
    thread = await deps.reports.thread(directive_id, unit_id, requirement_id)
    if _waiting(thread) and thread.latest is not None:
        await deps.queue.put(queue_item(deps, issued, requirement, thread.latest))
