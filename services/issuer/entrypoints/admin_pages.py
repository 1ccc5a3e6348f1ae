"""The staff console's administration pages in the issuer: the units of the account's
subtree with their contacts (/units), and the staff accounts (/accounts).

/units lists the signed-in account's unit and every unit below it (never a parent's
or a sibling's), searched without accents and paged; a quan_tri changes a unit's e-mail
addresses there, written back into the directory by compare-and-set
(``admin/directory_writes.py``) and recorded by the audit middleware under the unit
the path names. The account pages are ``admin/accounts_routes.py``, included here."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.issuer.admin import accounts_routes
from services.issuer.admin.account_writes import account_counts
from services.issuer.admin.console import CONSOLE
from services.issuer.admin.directory_writes import ChangedMeanwhile, UnitGone, mirrored, set_emails
from services.issuer.admin.emails import MAX_ADDRESSES, AddressProblem, parse_addresses
from services.issuer.admin.units_view import page_of, units_page
from services.issuer.deps import Deps
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import NotFound
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.vietnamese import format_number

router = APIRouter(tags=["console"])
router.include_router(accounts_routes.router)

DepsOf = Annotated[Deps, Depends(deps_of)]
UnitId = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=128)]
TITLE = "Đơn vị"
DONE = {
    "emails": "Đã cập nhật địa chỉ thư điện tử của {name}.",
    "emails-later": (
        "Đã cập nhật địa chỉ thư điện tử của {name}; danh sách sẽ hiển thị địa chỉ mới sau ít giây."
    ),
}


@router.get("/units", response_class=HTMLResponse)
async def units(
    request: Request,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    done: Annotated[str | None, Query(max_length=20)] = None,
    unit: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)] = None,
) -> HTMLResponse:
    message = ""
    if done in DONE and unit:
        message = DONE[done].format(name=deps.directory().name(unit))
    return await _render(request, deps, principal, q, page, message=message)


async def _render(
    request: Request,
    deps: Deps,
    principal: Principal,
    query: str,
    page: int,
    message: str = "",
    editing: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page; ``editing``: the refused form to show again (unit_id, typed, error)."""
    directory = deps.directory()
    counts = await account_counts(deps.js)
    view = units_page(directory, principal.unit_id, query, page, counts)
    return CONSOLE.page(
        request,
        principal,
        "units.html.j2",
        status,
        title=TITLE,
        message=message,
        view=view,
        scope=directory.name(principal.unit_id) if principal.unit_id else "mọi đơn vị",
        may_edit=principal.may(Action.UNIT_EDIT),
        editing=editing or {"unit_id": "", "typed": "", "error": ""},
        max_addresses=MAX_ADDRESSES,
        n={"total": format_number(view.total), "matched": format_number(view.matched)},
        links={
            "previous": _page_link(view.query, view.page - 1),
            "next": _page_link(view.query, view.page + 1),
        },
    )


def _page_link(query: str, page: int) -> str:
    return "/units?" + urlencode({"q": query, "page": page})


@router.post("/units/{unit_id}/emails", response_class=HTMLResponse)
async def change_emails(
    request: Request,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.UNIT_EDIT)],
    unit_id: UnitId,
) -> Response:
    directory = deps.directory()
    if unit_id not in directory:
        raise NotFound(f"unit '{unit_id}' is not in the directory")
    principal.require_reads(unit_id, directory, Action.UNIT_EDIT)
    form = await request.form()
    typed = str(form.get("emails") or "")
    shown = [line for line in str(form.get("shown") or "").splitlines() if line]
    query = str(form.get("q") or "")[:200]

    async def refused(error: str) -> HTMLResponse:
        where = page_of(directory, principal.unit_id, unit_id, query)
        editing = {"unit_id": unit_id, "typed": typed[:2000], "error": error}
        return await _render(request, deps, principal, query, where, editing=editing, status=422)

    try:
        emails = parse_addresses(typed)
    except AddressProblem as problem:
        return await refused(str(problem))
    try:
        written = await set_emails(deps.js, unit_id, shown, emails)
    except ChangedMeanwhile:
        return await refused(
            "Địa chỉ của đơn vị vừa được người khác thay đổi trong lúc sửa: trang đã hiển "
            "thị địa chỉ hiện tại, đề nghị xem lại rồi lưu lại."
        )
    except UnitGone:
        raise NotFound(f"unit '{unit_id}' is not in the directory") from None
    done = "emails" if await mirrored(deps.directory, written) else "emails-later"
    where = page_of(directory, principal.unit_id, unit_id, query)
    back = urlencode({"done": done, "unit": unit_id, "q": query, "page": where})
    return RedirectResponse(f"/units?{back}#unit-{unit_id}", status_code=303)
