"""The rules of a unit's requests for more time on one assignment (xin gia hạn) and its
parent's answers, on the ``Extensions`` the REPORTS stream holds:

- only an assignment with a deadline, and not yet reported, is extended: a report sent
  is judged on time or late already;
- one request waits at a time; at most ``MAX_EXTENSIONS`` in all;
- a request gives a reason and a day after the deadline in force (and after today), at
  most ``LONGEST`` after the original deadline (``Extensions.original_due``: the latest
  assignment's, as a correction may have moved it: ``handlers.extensions.state_of``);
- the answer grants the day asked or an earlier one (shortens), never one before the
  deadline in force, or refuses with a reason; a request is answered once.

``ask`` and ``decide`` return the event to append after the subject's last sequence.
Deadlines are "before the day" (midnight, Vietnam time), as a directive writes them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from services.reporter.domain.refusals import ExtensionConflict, ExtensionInvalid
from shared import subjects
from shared.clock import VN_TZ
from shared.contracts import Extension, ExtensionChanged, Extensions
from shared.contracts.extensions import MAX_EXTENSION_REASON, MAX_EXTENSIONS
from shared.contracts.submissions import clean_text
from shared.vietnamese import format_date, format_deadline, format_instant

LONGEST = timedelta(days=366)  # a year's reports are not postponed past the next year's
Decision = Literal["granted", "refused"]


def deadline_of(day: date) -> datetime:
    """ "trước ngày 10/12/2024": midnight starting that day, Vietnam time."""
    return datetime.combine(day, time(), VN_TZ)


def _reason(text: str, field: str, missing: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise ExtensionInvalid(missing, problems={field: missing})
    if len(cleaned) > MAX_EXTENSION_REASON:
        too_long = f"Lý do dài quá {MAX_EXTENSION_REASON} ký tự; đề nghị viết ngắn lại."
        raise ExtensionInvalid(too_long, problems={field: too_long})
    return cleaned


def ask(
    state: Extensions,
    requested: date,
    reason: str,
    *,
    at: datetime,
    by: str = "",
    reported: bool,
) -> ExtensionChanged:
    """The unit's request for ``requested`` (the new "trước ngày"), made ``at``."""
    if reported:
        raise ExtensionConflict(
            "Đơn vị đã gửi báo cáo cho yêu cầu này nên không xin gia hạn được nữa."
        )
    waiting = state.pending
    if waiting is not None:
        raise ExtensionConflict(
            f"Đơn vị đã xin gia hạn lúc {format_instant(waiting.asked_at)} và đang chờ cấp "
            "trên trả lời; chỉ xin lần nữa được sau khi có trả lời."
        )
    if len(state.requests) >= MAX_EXTENSIONS:
        raise ExtensionConflict(
            f"Đơn vị đã xin gia hạn {MAX_EXTENSIONS} lần cho yêu cầu này, số lần nhiều nhất "
            "được phép. Đề nghị liên hệ trực tiếp cấp trên."
        )
    cleaned = _reason(
        reason, "reason", "Ghi lý do xin gia hạn: cấp trên đọc lý do này để quyết định."
    )
    new_due = _later_day(state, requested, at, "requested_due")
    request = Extension(
        number=len(state.requests) + 1,
        previous_due=state.due,
        requested_due=new_due,
        reason=cleaned,
        asked_at=at,
        asked_by=by,
    )
    return _changed(state, [*state.requests, request], at)


def decide(
    state: Extensions,
    decision: Decision,
    *,
    granted: date | None,
    answer: str,
    at: datetime,
    by: str,
) -> ExtensionChanged:
    """The parent's answer to the waiting request: ``granted`` the day given (the one
    asked when None), or refused with ``answer`` as the reason."""
    waiting = state.pending
    if waiting is None:
        raise ExtensionConflict("Không có đề nghị gia hạn nào đang chờ trả lời.")
    if decision == "refused":
        note = _reason(answer, "answer", "Ghi lý do không đồng ý gia hạn: đơn vị sẽ đọc lý do này.")
        decided = waiting.model_copy(
            update={"status": "refused", "answer": note, "decided_at": at, "decided_by": by}
        )
    else:
        due = waiting.requested_due if granted is None else deadline_of(granted)
        # the deadline in force now, not when asked: a correction may have moved it since
        in_force = state.due
        if due <= in_force:
            problem = f"Hạn mới phải sau hạn đang áp dụng ({format_deadline(in_force)})."
            raise ExtensionInvalid(problem, problems={"granted_due": problem})
        if due > state.original_due + LONGEST:
            raise _too_far(state, "granted_due")
        decided = waiting.model_copy(
            update={
                "status": "granted",
                "granted_due": due,
                "answer": clean_text(answer)[:MAX_EXTENSION_REASON],
                "decided_at": at,
                "decided_by": by,
            }
        )
    return _changed(state, [*state.requests[:-1], decided], at)


def _later_day(state: Extensions, requested: date, at: datetime, field: str) -> datetime:
    due = deadline_of(requested)
    in_force = state.due
    if due <= in_force:
        problem = f"Ngày xin gia hạn phải sau hạn hiện nay ({format_deadline(in_force)})."
        raise ExtensionInvalid(problem, problems={field: problem})
    if due <= at:
        problem = "Ngày xin gia hạn phải sau hôm nay."
        raise ExtensionInvalid(problem, problems={field: problem})
    if due > state.original_due + LONGEST:
        raise _too_far(state, field)
    return due


def _too_far(state: Extensions, field: str) -> ExtensionInvalid:
    last = (state.original_due + LONGEST).astimezone(VN_TZ).date()
    problem = f"Chỉ gia hạn được đến trước ngày {format_date(last)} (một năm sau hạn ban đầu)."
    return ExtensionInvalid(problem, problems={field: problem})


def _changed(state: Extensions, requests: list[Extension], at: datetime) -> ExtensionChanged:
    current = requests[-1]
    ids = (state.directive_id, state.unit_id, state.requirement_id)
    return ExtensionChanged(
        event_id=subjects.extension_id(*ids, current.number, current.status),
        occurred_at=at,
        extensions=state.model_copy(update={"requests": requests}),
    )
