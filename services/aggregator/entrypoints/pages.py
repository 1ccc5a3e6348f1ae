"""The live status page of a directive, and its "approve and send up" button: the page
for the staff of a unit whose subtree it shows, the button for the issuer's leaders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Form as FormField
from fastapi.responses import HTMLResponse, Response

from services.aggregator.console.periods import PeriodQuery, key_in
from services.aggregator.console.views import upward_words
from services.aggregator.deps import Deps
from services.aggregator.domain.synthesis import Synthesis
from services.aggregator.handlers.approval import approve_from_status_page, issuer_of
from services.aggregator.handlers.synthesis import get_synthesis
from services.aggregator.handlers.upward import upward_report
from services.aggregator.status.page import render as status_page_of
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import NotFound, http_status
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.web import SlugPath, csrf_field, plain_error

# What the status page says after its "approve and send up" button.
SENT = "Đã duyệt báo cáo tổng hợp và gửi lên cấp trên."
NOT_SENT = {
    "no_target": (
        "Chưa gửi được: không có văn bản cấp trên nào giao cho đơn vị báo cáo mà báo cáo "
        "tổng hợp này trả lời; đề nghị gửi báo cáo theo cách thông thường."
    ),
    "accepted": (
        "Chưa gửi được: cấp trên đã chấp nhận báo cáo trước của đơn vị; chỉ gửi lại được "
        "khi cấp trên trả lại báo cáo."
    ),
    "parent_recalled": (
        "Chưa gửi được: văn bản cấp trên mà báo cáo tổng hợp này trả lời đã bị thu hồi, "
        "không còn nhận báo cáo theo văn bản đó."
    ),
    "recalled": (
        "Chưa gửi được: văn bản đã bị thu hồi, không còn yêu cầu báo cáo theo văn bản này "
        "nên báo cáo tổng hợp của văn bản không gửi lên cấp trên."
    ),
}
NOT_SENT_OTHERWISE = "Chưa gửi được báo cáo tổng hợp."
PAGE_NOT_FOUND = "Không tìm thấy văn bản này, hoặc đơn vị không có trong danh bạ."


router = APIRouter(tags=["pages"])


@router.get("/directives/{directive_id}/status", response_class=HTMLResponse)
async def status_page(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_READ)],
    unit: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)] = None,
    saved: Annotated[bool, Query(description="a snapshot to keep as a file")] = False,
    period: PeriodQuery = None,
    live: Annotated[bool, Query(description="reload every 15 s (a monitoring screen)")] = False,
) -> Response:
    """The status page of a directive for a unit (the issuer if unset); ``saved``: the
    same as a file to keep (no refresh, no form, absolute links), downloaded; ``period``:
    which period of a recurring requirement it shows; ``live``: it reloads itself."""
    try:
        synthesis = await get_synthesis(deps, directive_id, unit)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    principal.require_reads(synthesis.unit.id, deps.directory(), Action.SYNTHESIS_READ)
    upward = await _upward(deps, synthesis)
    staff_url = deps.settings.console_url
    if saved:
        name = f"tinh-hinh-{directive_id}-{synthesis.unit.id}.html"
        return HTMLResponse(
            status_page_of(synthesis, staff_url, upward=upward, saved=True, period=period),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return HTMLResponse(
        status_page_of(
            synthesis,
            staff_url,
            csrf=csrf_field(request),
            upward=upward,
            period=period,
            live=live,
        )
    )


async def _upward(deps: Deps, synthesis: Synthesis) -> dict[str, str] | None:
    """The issuer's report sent up on the parent's directive, in words (its page only)."""
    if synthesis.unit.id != synthesis.directive.issuer_unit:
        return None
    up = await upward_report(deps, synthesis.directive.id)
    return upward_words(up) if up else None


@router.post("/directives/{directive_id}/status", response_class=HTMLResponse)
async def status_approve(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_APPROVE)],
    requirement: str | None = FormField(None, max_length=128),
) -> Response:
    """The status page's "approve and send up" button."""
    try:
        issuer = await issuer_of(deps, directive_id)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    principal.require_acts_as(issuer, deps.directory(), Action.SYNTHESIS_APPROVE)
    try:
        result = await approve_from_status_page(deps, directive_id, requirement, principal.named)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    refused = result.refused
    csrf = csrf_field(request)
    upward = await _upward(deps, result.synthesis)
    url = deps.settings.console_url
    period = key_in(requirement)  # the page shows again the period approved
    if refused is None:
        page = status_page_of(result.synthesis, url, SENT, csrf=csrf, upward=upward, period=period)
        return HTMLResponse(page)
    message = NOT_SENT.get(refused.details.get("reason", ""), NOT_SENT_OTHERWISE)
    return HTMLResponse(
        status_page_of(result.synthesis, url, message, csrf=csrf, upward=upward, period=period),
        status_code=http_status(refused),
    )
