"""The staff console's home (/) and a directive's page (/directives/{id}) for the signed-in unit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.aggregator.console import CONSOLE
from services.aggregator.console.directive_view import choose_period
from services.aggregator.console.periods import PeriodQuery
from services.aggregator.deps import Deps
from services.aggregator.domain.correction import just_corrected
from services.aggregator.handlers.directive_forms import staff_forms
from services.aggregator.handlers.directive_scope import directive_of, shown_unit
from services.aggregator.handlers.home import home_page
from services.aggregator.handlers.home_directive import directive_page
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import NotFound
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.web import SlugPath

NOT_FOUND = "Không tìm thấy văn bản này: văn bản chưa được ban hành qua hệ thống, hoặc địa chỉ sai."
UNIT_NOT_IN_TREE = "Đơn vị này không thuộc phạm vi thực hiện văn bản."

router = APIRouter(tags=["console"])


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
) -> Response:
    """The unit's home: what it issued, what it was assigned from above."""
    view = await home_page(deps, principal)
    return CONSOLE.page(request, principal, "home.html.j2", title="Trang chủ", home=view)


@router.get("/directives/{directive_id}", response_class=HTMLResponse)
async def directive(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
    unit: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    processing: Annotated[
        str | None, Query(max_length=32, description="a processing step: received, ...")
    ] = None,
    period: PeriodQuery = None,
    recalled: Annotated[bool, Query(description="just recalled here (the notice)")] = False,
    corrected: Annotated[
        int | None, Query(ge=1, le=10_000, description="just corrected here: its number")
    ] = None,
    replaced: Annotated[bool, Query(description="just replaced here (the notice)")] = False,
) -> Response:
    """A directive's page for a unit of its tree: its child units' reports and processing
    status (``status``, ``processing``: the filters), the cascade, its corrections; of a
    recurring requirement, the period ``period`` keys (the latest if unset); the issuing
    unit's leader's "Thu hồi văn bản", "Đính chính văn bản" and "Thay thế bằng văn bản
    khác" (posted to the issuer)."""
    try:
        issued = await directive_of(deps, directive_id)
    except NotFound:
        return _not_found(request, principal, NOT_FOUND)
    directory = deps.directory()
    principal.require_sees_directive_of(
        issued.directive.issuer_unit, directory, Action.DIRECTIVE_READ
    )
    try:
        shown = shown_unit(principal, issued, directory, unit)
    except NotFound:
        return _not_found(request, principal, UNIT_NOT_IN_TREE)
    page = await directive_page(deps, issued, shown, status or "all", unit, processing or "all")
    view = choose_period(page, period)
    forms = await staff_forms(deps, principal, issued, recalled=view.recalled is not None)
    return CONSOLE.page(
        request, principal, "directive.html.j2", title=view.document, view=view,
        forms=forms, just_recalled=recalled, just_replaced=replaced,
        just_corrected=just_corrected(corrected) if corrected else "",
    )  # fmt: skip


def _not_found(request: Request, principal: Principal, message: str) -> Response:
    return CONSOLE.page(
        request,
        principal,
        "not_found.html.j2",
        status=404,
        title="Không tìm thấy văn bản",
        error=message,
    )
