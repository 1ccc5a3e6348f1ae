"""What the unit's page shows of its requests for more time (xin gia hạn): each request
with its answer, and the form to ask, when asking is still possible (a deadline, no
report yet, no request waiting, fewer than the most allowed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.reporter.handlers.reading import ReportForm
from shared.clock import VN_TZ
from shared.contracts import Extension
from shared.contracts.extensions import MAX_EXTENSIONS
from shared.vietnamese import format_deadline, format_instant


@dataclass(frozen=True)
class AskingForm:
    """A request sent back with what is wrong with it, as the unit typed it."""

    requested: str = ""
    reason: str = ""
    problems: dict[str, str] = field(default_factory=dict)
    error: str = ""  # a refusal of the request as a whole


def shown_request(e: Extension) -> dict[str, Any]:
    """One request and its answer, in words."""
    return {
        "number": e.number,
        "asked": format_instant(e.asked_at),
        "asked_by": e.asked_by,
        "previous": format_deadline(e.previous_due),
        "requested": format_deadline(e.requested_due),
        "reason": e.reason,
        "status": e.status,
        "granted": format_deadline(e.granted_due) if e.granted_due else "",
        "shortened": e.granted_due is not None and e.granted_due < e.requested_due,
        "answer": e.answer,
        "decided": format_instant(e.decided_at) if e.decided_at else "",
        "decided_by": e.decided_by,
    }


def asking_for_time(
    found: ReportForm, action: str, asking: AskingForm | None = None
) -> dict[str, Any] | None:
    """The page's "Xin gia hạn" box; None for an assignment without a deadline."""
    assigned = found.assignment.assignment.requirement.due_before
    if assigned is None:
        return None
    thread = found.thread
    state = thread.extensions
    requests = state.requests if state is not None else []
    due = thread.due(assigned) or assigned
    open_to_ask = (
        thread.current is None
        and (state is None or state.pending is None)
        and len(requests) < MAX_EXTENSIONS
    )
    asking = asking or AskingForm()
    return {
        "requests": [shown_request(e) for e in requests],
        "may_ask": open_to_ask,
        "action": action,
        # the first day that makes a later deadline ("trước ngày" the day after)
        "earliest": (due.astimezone(VN_TZ).date() + timedelta(days=1)).isoformat(),
        "requested": asking.requested,
        "reason": asking.reason,
        "problems": asking.problems,
        "error": asking.error,
    }
