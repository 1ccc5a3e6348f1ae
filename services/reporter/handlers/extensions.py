"""A unit's request for more time on one assignment and its parent's answer
(domain/extensions.py says the rules): read the thread, decide, append after the
subject's last sequence, and again should another request append first. The notifier
mails the answer and moves the unit's reminders; the aggregator judges lateness by it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from services.reporter.adapters.reports_stream import APPEND_ATTEMPTS, AppendConflict
from services.reporter.deps import Deps
from services.reporter.domain import extensions
from services.reporter.domain.extensions import Decision
from services.reporter.domain.refusals import ExtensionConflict, ExtensionInvalid, NotAssigned
from services.reporter.domain.report_thread import ReportThread
from services.reporter.handlers.submissions import cancelled_refusal, recall_refusal
from shared import subjects
from shared.contracts import Assignment, ExtensionChanged, Extensions
from shared.retry import on_conflict_retry

Ids = tuple[str, str, str]


async def _assignment(deps: Deps, ids: Ids) -> Assignment:
    found = await deps.reports.assignment(*ids)
    if found is None:
        raise NotAssigned(
            f"Đơn vị {ids[1]} không được giao yêu cầu báo cáo “{ids[2]}” của văn bản này."
        )
    return found.assignment


def state_of(thread: ReportThread, assignment: Assignment) -> Extensions:
    """The requests so far; none yet is the assignment's own deadline. The deadline the
    rules count from (``original_due``: a request after the deadline in force, at most a
    year past it) is the latest assignment's: a correction (đính chính) may have moved it
    since the record began, and what is appended next carries the corrected one."""
    due = assignment.requirement.due_before
    if thread.extensions is not None:
        if due is None:
            return thread.extensions
        return thread.extensions.model_copy(update={"original_due": due})
    if due is None:
        raise ExtensionInvalid("Yêu cầu báo cáo này không ghi thời hạn nên không cần gia hạn.")
    return Extensions(
        directive_id=thread.directive_id,
        unit_id=thread.unit_id,
        requirement_id=thread.requirement_id,
        original_due=due,
    )


Decide = Callable[[ReportThread, Extensions], ExtensionChanged]


async def _append(deps: Deps, ids: Ids, decide: Decide) -> ExtensionChanged:
    recalled = await deps.reports.recalled(ids[0])
    if recalled is not None:
        raise recall_refusal(recalled)  # nothing is asked under it any more
    assignment = await _assignment(deps, ids)
    if assignment.cancelled:
        raise cancelled_refusal(assignment)  # a correction took the unit off

    async def attempt(_: int) -> ExtensionChanged:
        thread = await deps.reports.thread(*ids)
        event = decide(thread, state_of(thread, assignment))
        await deps.reports.append(subjects.extension(*ids), event, thread.extension_seq)
        return event

    return await on_conflict_retry(
        attempt,
        conflicts=AppendConflict,
        attempts=APPEND_ATTEMPTS,
        busy="the extension request was changed by another request at the same time; try again",
    )


async def ask_extension(
    deps: Deps, ids: Ids, requested: date, reason: str, by: str = ""
) -> ExtensionChanged:
    """The unit asks for the deadline "trước ngày ``requested``" with ``reason``."""

    def decide(thread: ReportThread, state: Extensions) -> ExtensionChanged:
        reported = thread.current is not None
        return extensions.ask(state, requested, reason, at=deps.now(), by=by, reported=reported)

    event = await _append(deps, ids, decide)
    deps.metrics.extensions.labels("asked").inc()
    return event


async def decide_extension(
    deps: Deps, ids: Ids, decision: Decision, granted: date | None, answer: str, by: str
) -> ExtensionChanged:
    """The parent grants (``granted``: the day, None for the one asked) or refuses."""

    def decide(thread: ReportThread, state: Extensions) -> ExtensionChanged:
        if thread.current is not None and state.pending is not None:
            raise ExtensionConflict(
                "Đơn vị đã gửi báo cáo nên đề nghị gia hạn không còn cần trả lời."
            )
        return extensions.decide(
            state, decision, granted=granted, answer=answer, at=deps.now(), by=by
        )

    event = await _append(deps, ids, decide)
    deps.metrics.extensions.labels(decision).inc()
    return event
