"""The staff's page of one unit's report (``/reports/{d}/{u}/{r}``, routes in ``http``),
drawn inside the console's frame: every version with its values and attached files, the
parent's review, and the state of the unit's signed link (revoked when, by whom). The
forms (review, revoke) are shown to those the routes let through: the role, and acting
as the unit the report goes to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from services.reporter.adapters.revoked_links import Revocation
from services.reporter.deps import Deps
from services.reporter.domain.requirements import reviewing_unit
from services.reporter.entrypoints.asking_for_time import shown_request
from services.reporter.entrypoints.pages import CONSOLE, shown_values
from services.reporter.handlers.reading import StaffReport, report_for_staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.clock import VN_TZ
from shared.contracts import ReportSubmitted
from shared.errors import NotFound, http_status
from shared.vietnamese import document_title, format_deadline, format_instant

REVOKED = (
    "Đã thu hồi đường dẫn báo cáo của {unit}: đường dẫn trong thư gửi đơn vị không mở được nữa."
)


def _version(found: StaffReport, event: ReportSubmitted) -> dict[str, Any]:
    s = event.submission
    return {
        "version": s.version,
        "received": format_instant(s.received_at),
        "values": shown_values(found.form, s),
        "narrative": s.narrative,
        "source": s.source,
    }


def _review(found: StaffReport) -> dict[str, Any] | None:
    last = found.thread.decision
    if last is None:
        return None
    return {
        "decision": last.decision,
        "version": last.version,
        "reason": last.reason,
        "at": format_instant(last.reviewed_at),
    }


def _revocation(revocation: Revocation | None) -> dict[str, str] | None:
    if revocation is None:
        return None
    return {"at": format_instant(revocation.revoked_at), "by": revocation.by}


def _day(instant: datetime) -> date:
    return instant.astimezone(VN_TZ).date()


def _extension(found: StaffReport) -> dict[str, Any] | None:
    """The unit's requests for more time and, while one waits, what the answer form needs."""
    state = found.thread.extensions
    if state is None or not state.requests:
        return None
    # the deadline in force as the latest assignment has it, not the record's first one
    due = found.thread.due(found.assigned.due_before) or state.due
    pending = state.pending
    return {
        "requests": [shown_request(e) for e in state.requests],
        "pending": pending is not None,
        "earliest": (_day(due) + timedelta(days=1)).isoformat(),
        "pending_requested": _day(pending.requested_due).isoformat() if pending else "",
    }


def _correction(found: StaffReport) -> dict[str, Any] | None:
    """What a correction (đính chính) of the directive did to this unit's assignment."""
    a = found.assignment
    if a is None or a.correction == 0:
        return None
    return {"number": a.correction, "cancelled": a.cancelled}


def _acting(principal: Principal, found: StaffReport, action: Action) -> bool:
    """What the routes check for ``action``: the role, and acting as the reviewing unit."""
    return principal.may(action) and principal.acts_as(
        reviewing_unit(found.issued, found.requirement)
    )


async def staff_view(
    deps: Deps,
    request: Request,
    principal: Principal,
    ids: tuple[str, str, str],
    status: int = 200,
    message: str = "",
    error: str = "",
) -> HTMLResponse:
    """The page; ``message`` a notice after a form, ``error`` the form's refusal."""
    d, u, r = ids
    try:
        found = await report_for_staff(deps, d, u, r)
    except NotFound as exc:
        return CONSOLE.page(request, principal, "report_missing.html.j2", http_status(exc),
                            title="Không tìm thấy", explanation=exc.message)  # fmt: skip
    versions = found.versions
    unit = deps.directory().name(u)
    assigned = found.assigned.due_before  # as the latest correction set it
    due = found.thread.due(assigned)
    return CONSOLE.page(
        request,
        principal,
        "report.html.j2",
        status,
        title=f"Báo cáo của {unit}",
        directive_href=f"/directives/{d}",
        revoke_action=f"/reports/{d}/{u}/{r}/revoke",
        document=document_title(found.issued.directive.kind, found.issued.directive.ref),
        directive_title=found.assignment.directive_title
        if found.assignment
        else found.issued.directive.title,
        correction=_correction(found),
        action=found.requirement.action,
        deadline=format_deadline(due),
        original_deadline=format_deadline(assigned) if due != assigned else "",
        extension=_extension(found),
        extension_action=f"/reports/{d}/{u}/{r}/extension",
        may_decide=_acting(principal, found, Action.EXTENSION_DECIDE),
        versions=[_version(found, v) for v in reversed(versions)],
        on_time=versions[-1].submission.on_time if versions else None,
        review=_review(found),
        revoked=_revocation(await deps.revoked.find(d, u, r)),
        may_review=_acting(principal, found, Action.REPORT_REVIEW),
        may_revoke=_acting(principal, found, Action.LINK_REVOKE),
        may_queue=principal.may(Action.REPORT_REVIEW),
        notice=message,
        refusal=error,
    )
