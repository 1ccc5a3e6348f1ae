"""Requests for more time (xin gia hạn) on the staff side: the API, and the report page's
answer form (``/reports/{d}/{u}/{r}/extension``, drawn by ``report_page``). A unit asks
through its signed link (``public``) or, signed in as its own staff, through the API; the
answer is the parent's leader's (``extension.decide``: lãnh đạo), acting as the unit the
report goes to."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import Field

from services.reporter.deps import Deps
from services.reporter.domain.extensions import Decision
from services.reporter.entrypoints.http import require_reviewer
from services.reporter.entrypoints.pages import posted_day
from services.reporter.entrypoints.report_page import staff_view
from services.reporter.handlers.extensions import ask_extension, decide_extension, state_of
from services.reporter.handlers.reading import report_form
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import Contract, ExtensionChanged
from shared.contracts.extensions import MAX_EXTENSION_REASON
from shared.errors import DomainError
from shared.service import deps_of
from shared.vietnamese import format_deadline
from shared.web import SlugPath

router = APIRouter()

DepsOf = Annotated[Deps, Depends(deps_of)]
Reader = Annotated[Principal, staff(Action.REPORT_READ)]
Asker = Annotated[Principal, staff(Action.REPORT_SUBMIT)]
Decider = Annotated[Principal, staff(Action.EXTENSION_DECIDE)]
PATH = "/api/extensions/{directive_id}/{unit_id}/{requirement_id}"


class ExtensionRequest(Contract):
    requested_due: date = Field(description='the new deadline: "trước ngày" this day')
    reason: str = Field(max_length=MAX_EXTENSION_REASON)


class ExtensionDecision(Contract):
    decision: Literal["grant", "refuse"]
    granted_due: date | None = Field(None, description="a grant's day; none: the one asked")
    reason: str = Field("", max_length=MAX_EXTENSION_REASON, description="a refusal's reason")


def extension_json(event: ExtensionChanged) -> dict:
    return {"event_id": event.event_id, **event.extensions.model_dump(mode="json")}


@router.get(PATH, tags=["extensions"])
async def read_extensions(
    directive_id: SlugPath, unit_id: SlugPath, requirement_id: SlugPath, deps: DepsOf, p: Reader
) -> JSONResponse:
    """A unit's requests for more time on one assignment, oldest first, and its deadlines."""
    p.require_reads(unit_id, deps.directory(), Action.REPORT_READ)
    found = await report_form(deps, directive_id, unit_id, requirement_id)
    extended = found.thread.extended
    if extended is None:
        due = found.assignment.assignment.requirement.due_before
        return JSONResponse({"original_due": due.isoformat() if due else None, "requests": []})
    # its deadline as the assignment in force has it (a correction may have moved it)
    state = state_of(found.thread, found.assignment.assignment)
    return JSONResponse({"event_id": extended.event_id, **state.model_dump(mode="json")})


@router.post(PATH, status_code=201, tags=["extensions"])
async def ask(
    directive_id: SlugPath,
    unit_id: SlugPath,
    requirement_id: SlugPath,
    request: ExtensionRequest,
    deps: DepsOf,
    principal: Asker,
) -> JSONResponse:
    """The unit, signed in as its own staff, asks for a new deadline with a reason."""
    principal.require_acts_as(unit_id, deps.directory(), Action.REPORT_SUBMIT)
    ids = (directive_id, unit_id, requirement_id)
    event = await ask_extension(deps, ids, request.requested_due, request.reason, principal.named)
    return JSONResponse(extension_json(event), status_code=201)


@router.post(PATH + "/decision", status_code=201, tags=["extensions"])
async def decide(
    directive_id: SlugPath,
    unit_id: SlugPath,
    requirement_id: SlugPath,
    request: ExtensionDecision,
    deps: DepsOf,
    principal: Decider,
) -> JSONResponse:
    """The parent's leader grants the day asked, or an earlier one, or refuses with a
    reason; the unit is mailed the answer."""
    await require_reviewer(deps, principal, directive_id, requirement_id, Action.EXTENSION_DECIDE)
    ids = (directive_id, unit_id, requirement_id)
    decision: Decision = "granted" if request.decision == "grant" else "refused"
    event = await decide_extension(
        deps, ids, decision, request.granted_due, request.reason, principal.named
    )
    return JSONResponse(extension_json(event), status_code=201)


@router.post("/reports/{d}/{u}/{r}/extension", response_class=HTMLResponse, tags=["pages"])
async def decide_page(
    request: Request, d: SlugPath, u: SlugPath, r: SlugPath, deps: DepsOf, principal: Decider
) -> HTMLResponse:
    """The report page's answer to a request for more time."""
    await require_reviewer(deps, principal, d, r, Action.EXTENSION_DECIDE)
    posted = await request.form()
    decision: Decision = "granted" if posted.get("decision") == "grant" else "refused"
    ids = (d, u, r)
    try:
        granted = posted_day(str(posted.get("granted_due") or ""), "granted_due")
        event = await decide_extension(
            deps, ids, decision, granted, str(posted.get("answer", "")), principal.named
        )
    except DomainError as exc:
        return await staff_view(deps, request, principal, ids, 422, error=exc.message)
    current = event.extensions.current
    done = (
        f"Đã đồng ý gia hạn, hạn mới: {format_deadline(current.granted_due)}. Đơn vị sẽ "
        "nhận được thư báo."
        if current is not None and current.granted_due is not None
        else "Đã trả lời không đồng ý gia hạn; đơn vị sẽ nhận được thư báo."
    )
    return await staff_view(deps, request, principal, ids, 200, message=done)
