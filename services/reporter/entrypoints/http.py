"""The staff boundary: everything the committee's staff use, and nothing a unit's signed
link opens (that is ``public``). The API (``POST /api/submissions``, a report's history,
the review, revoking a unit's link), the page that shows a unit's report with every
version and takes the review (``/reports/{d}/{u}/{r}``, drawn by ``report_page``) and the
revoking of its link (``/reports/{d}/{u}/{r}/revoke``), and the files attached to a
version (``/files/...``, linked from that page).

Who may: reading a report, its history and its files needs the unit in the account's
subtree; submitting through the API, acting as that unit; reviewing and revoking, acting
as the unit the report goes to (``reviewing_unit``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field

from services.reporter.adapters.revoked_links import Revocation
from services.reporter.deps import Deps
from services.reporter.domain.refusals import ReasonMissing
from services.reporter.domain.report_thread import ReviewDecision
from services.reporter.domain.requirements import reviewing_unit
from services.reporter.entrypoints.pages import attached_file_response
from services.reporter.entrypoints.report_page import REVOKED, staff_view
from services.reporter.handlers import reviews
from services.reporter.handlers.reading import report_history
from services.reporter.handlers.submissions import find_requirement, submit_report
from shared.auth.audit import audit_target
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import Contract, ReportReviewed, ReportSubmitted, SubmissionRequest
from shared.errors import DomainError
from shared.service import deps_of
from shared.web import SlugPath

NO_REASON = "Đề nghị ghi lý do trả lại để đơn vị biết cần sửa gì."
SUBMISSIONS_PATH = "/api/submissions"  # a report's files come base64-encoded in the JSON

router = APIRouter()

DepsOf = Annotated[Deps, Depends(deps_of)]
Reader = Annotated[Principal, staff(Action.REPORT_READ)]
Reviewer = Annotated[Principal, staff(Action.REPORT_REVIEW)]
Revoker = Annotated[Principal, staff(Action.LINK_REVOKE)]


async def require_reviewer(
    deps: Deps, principal: Principal, directive_id: str, requirement_id: str, action: Action
) -> None:
    """Only the staff of the unit the report goes to review it or revoke its link."""
    issued, requirement = await find_requirement(deps, directive_id, requirement_id)
    principal.require_acts_as(reviewing_unit(issued, requirement), deps.directory(), action)


async def revoke_links(
    deps: Deps, principal: Principal, directive_id: str, unit_id: str, requirement_id: str
) -> Revocation:
    """Every signed link to this unit's report opens nothing from now on (the API's route
    and the report page's form): the reviewing unit's staff only."""
    await require_reviewer(deps, principal, directive_id, requirement_id, Action.LINK_REVOKE)
    revocation = Revocation(revoked_at=deps.now(), by=principal.username)
    await deps.revoked.revoke(directive_id, unit_id, requirement_id, revocation)
    return revocation


class ReviewRequest(Contract):
    decision: Literal["accept", "return"]
    reason: str = Field("", max_length=5000)


def receipt(event: ReportSubmitted) -> dict:
    s = event.submission
    return {
        "event_id": event.event_id,
        "directive_id": s.directive_id,
        "unit_id": s.unit_id,
        "requirement_id": s.requirement_id,
        "version": s.version,
        "received_at": s.received_at.isoformat(),
        "first_received_at": s.first_received_at.isoformat(),
        "due_before": s.due_before.isoformat() if s.due_before else None,
        "on_time": s.on_time,
        "values": s.model_dump(mode="json")["values"],
    }


def review_json(event: ReportReviewed) -> dict:
    return {"event_id": event.event_id, **event.review.model_dump(mode="json")}


# --- the staff's pages ----------------------------------------------------------------


@router.get("/files/{d}/{u}/{r}/v{version}/{field}", tags=["pages"])
async def download(
    d: SlugPath,
    u: SlugPath,
    r: SlugPath,
    version: Annotated[int, FastAPIPath(ge=1, le=1_000_000)],
    field: SlugPath,
    deps: DepsOf,
    principal: Reader,
) -> Response:
    """A file a unit attached to a version of its report."""
    principal.require_reads(u, deps.directory(), Action.REPORT_READ)
    return await attached_file_response(deps, d, u, r, version, field)


@router.get("/reports/{d}/{u}/{r}", response_class=HTMLResponse, tags=["pages"])
async def read_report(
    request: Request,
    d: SlugPath,
    u: SlugPath,
    r: SlugPath,
    deps: DepsOf,
    principal: Reader,
    revoked: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The report; ``revoked``: just after its link was revoked here (the notice)."""
    principal.require_reads(u, deps.directory(), Action.REPORT_READ)
    done = REVOKED.format(unit=deps.directory().name(u)) if revoked else ""
    return await staff_view(deps, request, principal, (d, u, r), message=done)


@router.post("/reports/{d}/{u}/{r}", response_class=HTMLResponse, tags=["pages"])
async def review_page(
    request: Request, d: SlugPath, u: SlugPath, r: SlugPath, deps: DepsOf, principal: Reviewer
) -> HTMLResponse:
    await require_reviewer(deps, principal, d, r, Action.REPORT_REVIEW)
    posted = await request.form()
    decision: ReviewDecision = "accepted" if posted.get("decision") == "accept" else "returned"
    ids = (d, u, r)
    try:
        await reviews.review_report(deps, d, u, r, decision, str(posted.get("reason", "")))
    except ReasonMissing:
        return await staff_view(deps, request, principal, ids, 422, error=NO_REASON)
    except DomainError as exc:
        return await staff_view(deps, request, principal, ids, 422, error=exc.message)
    done = "Đã chấp nhận báo cáo." if decision == "accepted" else (
        "Đã trả lại báo cáo để đơn vị sửa; đơn vị sẽ nhận được thư báo.")  # fmt: skip
    return await staff_view(deps, request, principal, ids, 200, message=done)


@router.post("/reports/{d}/{u}/{r}/revoke", tags=["pages"])
async def revoke_page(
    d: SlugPath, u: SlugPath, r: SlugPath, deps: DepsOf, principal: Revoker
) -> RedirectResponse:
    """The report page's "Thu hồi đường dẫn báo cáo": as ``POST /api/links/.../revoke``,
    then back to the page, which says so."""
    await revoke_links(deps, principal, d, u, r)
    return RedirectResponse(f"/reports/{d}/{u}/{r}?revoked=true", status_code=303)


# --- the API --------------------------------------------------------------------------


@router.post(SUBMISSIONS_PATH, status_code=201, tags=["submissions"])
async def submit(
    http_request: Request,
    request: SubmissionRequest,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.REPORT_SUBMIT)],
) -> JSONResponse:
    """Accept a unit's report for one of its assignments, as the signed-in account's
    unit: the values of its report form by field name (a file as {"filename",
    "content_type", "data": base64}). The server stamps the time and timeliness; a
    correction keeps the first version's timeliness."""
    audit_target(
        http_request,
        directive_id=request.directive_id,
        unit_id=request.unit_id,
        requirement_id=request.requirement_id,
    )
    principal.require_acts_as(request.unit_id, deps.directory(), Action.REPORT_SUBMIT)
    with deps.tracer.start_as_current_span(
        "submit report",
        attributes={"chidao.directive_id": request.directive_id, "chidao.unit": request.unit_id},
    ):
        filed = await submit_report(deps, request)
        return JSONResponse(receipt(filed.event), status_code=201 if filed.new else 200)


@router.get("/api/submissions/{directive_id}/{unit_id}/{requirement_id}", tags=["submissions"])
async def history(
    directive_id: SlugPath,
    unit_id: SlugPath,
    requirement_id: SlugPath,
    deps: DepsOf,
    principal: Reader,
) -> JSONResponse:
    """Every version of a unit's report with its time, and the parent's last review."""
    principal.require_reads(unit_id, deps.directory(), Action.REPORT_READ)
    found = await report_history(deps, directive_id, unit_id, requirement_id)
    return JSONResponse(
        {
            "versions": [receipt(v) for v in found.versions],
            "review": review_json(found.review) if found.review else None,
        }
    )


@router.post(
    "/api/submissions/{directive_id}/{unit_id}/{requirement_id}/review",
    status_code=201,
    tags=["submissions"],
)
async def review_report(
    directive_id: SlugPath,
    unit_id: SlugPath,
    requirement_id: SlugPath,
    request: ReviewRequest,
    deps: DepsOf,
    principal: Reviewer,
) -> JSONResponse:
    """The parent accepts the latest version (it can no longer change) or returns it
    for correction with a reason (the unit is mailed)."""
    await require_reviewer(deps, principal, directive_id, requirement_id, Action.REPORT_REVIEW)
    decision: ReviewDecision = "accepted" if request.decision == "accept" else "returned"
    outcome = await reviews.review_report(
        deps, directive_id, unit_id, requirement_id, decision, request.reason
    )
    return JSONResponse(review_json(outcome.event), status_code=201 if outcome.new else 200)


@router.post("/api/links/{directive_id}/{unit_id}/{requirement_id}/revoke", tags=["submissions"])
async def revoke_link(
    directive_id: SlugPath,
    unit_id: SlugPath,
    requirement_id: SlugPath,
    deps: DepsOf,
    principal: Revoker,
) -> JSONResponse:
    """Revoke every signed link to this unit's report (a mail forwarded to the wrong
    person): the link's page then says so; the staff's own routes still work."""
    revocation = await revoke_links(deps, principal, directive_id, unit_id, requirement_id)
    return JSONResponse({"revoked": True, **revocation.model_dump(mode="json")})
