"""The staff accounts page (/accounts) and its forms, for a quan_tri: add an account of
a unit of its subtree, set an account's roles, disable or enable it. Every form names an
account whose unit the administrator reads (``require_reads``: its unit or below, never a
parent's or a sibling's); an administrator cannot disable itself nor drop its own
quan_tri role. Disabling also ends the account's sessions and tokens (``valid_after``),
which every service's guard checks (through a cache of a few seconds).

The audit middleware records each post; these name the account's unit as the target
and say what changed in the entry's detail, as ``chidao users`` does."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.issuer.admin import account_rules as rules
from services.issuer.admin.account_writes import (
    AccountExists,
    NoSuchAccount,
    change_account,
    create_account,
    list_accounts,
)
from services.issuer.admin.accounts_view import ROLE_CHOICES, accounts_view
from services.issuer.admin.console import CONSOLE
from services.issuer.deps import Deps
from shared.auth.accounts import USERNAME_CHARS, USERNAME_PATTERN, Account, hash_password
from shared.auth.audit import audit_target
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import NotFound
from shared.service import deps_of
from shared.vietnamese import format_number

router = APIRouter(tags=["console"])

DepsOf = Annotated[Deps, Depends(deps_of)]
Admin = Annotated[Principal, staff(Action.ACCOUNT_MANAGE)]
Username = Annotated[
    str, Path(pattern=USERNAME_PATTERN, min_length=USERNAME_CHARS[0], max_length=USERNAME_CHARS[1])
]
TITLE = "Tài khoản cán bộ"
DONE = {
    "added": "Đã tạo tài khoản {user}.",
    "roles": "Đã đặt lại vai trò của tài khoản {user}.",
    "disabled": "Đã khóa tài khoản {user}: các phiên đăng nhập và mã truy cập của tài khoản "
    "hết hiệu lực.",
    "enabled": "Đã mở lại tài khoản {user}; tài khoản cần đăng nhập lại.",
}


@router.get("/accounts", response_class=HTMLResponse)
async def accounts_page(
    request: Request,
    deps: DepsOf,
    principal: Admin,
    q: Annotated[str, Query(max_length=200)] = "",
    done: Annotated[str | None, Query(max_length=20)] = None,
    user: Annotated[
        str | None,
        Query(pattern=USERNAME_PATTERN, min_length=USERNAME_CHARS[0], max_length=USERNAME_CHARS[1]),
    ] = None,
) -> HTMLResponse:
    message = DONE[done].format(user=user) if done in DONE and user else ""
    return await _render(request, deps, principal, q, message=message)


async def _render(
    request: Request,
    deps: Deps,
    principal: Principal,
    query: str = "",
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``context``: message, new (the add form as typed), add_error, editing
    ({username, error, roles}), password (a generated one, shown once)."""
    view = accounts_view(await list_accounts(deps.js), principal, deps.directory(), query)
    defaults: dict[str, Any] = {
        "message": "",
        "new": rules.NewAccount(unit_id=principal.unit_id or ""),
        "add_error": None,
        "editing": {"username": "", "error": "", "roles": None},
        "password": None,
    }
    return CONSOLE.page(
        request,
        principal,
        "accounts.html.j2",
        status,
        title=TITLE,
        view=view,
        role_choices=ROLE_CHOICES,
        min_password=rules.MIN_PASSWORD_CHARS,
        n={
            "total": format_number(view.total),
            "matched": format_number(view.matched),
            "shown": format_number(len(view.rows)),
        },
        **{**defaults, **context},
    )


def _back(done: str, username: str) -> RedirectResponse:
    query = urlencode({"done": done, "user": username})
    return RedirectResponse(f"/accounts?{query}#account-{username}", status_code=303)


@router.post("/accounts", response_class=HTMLResponse)
async def add_account(request: Request, deps: DepsOf, principal: Admin) -> Response:
    form = await request.form()
    typed = rules.NewAccount.of(
        {k: str(v) for k, v in form.items() if isinstance(v, str)},
        [str(v) for v in form.getlist("roles")],
    )
    directory = deps.directory()
    audit_target(request, unit_id=typed.unit_id if typed.unit_id in directory else None)
    try:
        if typed.unit_id not in directory:
            raise rules.Refused("Không có đơn vị mang mã này trong danh mục đơn vị.", "unit_id")
        principal.require_reads(typed.unit_id, directory, Action.ACCOUNT_MANAGE)
        rules.check_username(typed.username)
        rules.roles_of(sorted(typed.roles))
        password, generated = rules.password_for(typed.password)
        # Argon2 takes tens of milliseconds and 64 MiB: not on the event loop.
        account = rules.new_account(typed, await asyncio.to_thread(hash_password, password))
        await create_account(deps.js, account)
    except rules.Refused as refusal:
        return await _refused_add(request, deps, principal, typed, refusal)
    except AccountExists:
        exists = rules.Refused(f"Đã có tài khoản {typed.username}: chọn tên khác.", "username")
        return await _refused_add(request, deps, principal, typed, exists)
    request.state.audit_detail = rules.detail(account, "create")
    if not generated:
        return _back("added", account.username)
    # a generated password is shown once, in this answer only (never in an address)
    return await _render(
        request,
        deps,
        principal,
        message=DONE["added"].format(user=account.username),
        password={"username": account.username, "value": password},
    )


async def _refused_add(
    request: Request,
    deps: Deps,
    principal: Principal,
    typed: rules.NewAccount,
    refusal: rules.Refused,
) -> HTMLResponse:
    typed.password = ""  # never sent back
    error = {"field": refusal.field, "message": refusal.message}
    return await _render(request, deps, principal, status=422, new=typed, add_error=error)


async def _change(
    request: Request,
    deps: Deps,
    principal: Principal,
    username: str,
    what: str,
    change: Any,
) -> Account:
    """``change(account) -> account`` on the stored account, after the scope check (as
    it is now: its unit may have changed since the page was shown)."""
    directory = deps.directory()

    def checked(account: Account) -> Account:
        audit_target(request, unit_id=account.unit_id)
        principal.require_reads(account.unit_id, directory, Action.ACCOUNT_MANAGE)
        return change(account)

    try:
        _, after = await change_account(deps.js, username, checked)
    except NoSuchAccount:
        raise NotFound(f"no account '{username}'") from None
    request.state.audit_detail = rules.detail(after, what)
    return after


@router.post("/accounts/{username}/roles", response_class=HTMLResponse)
async def set_roles(
    request: Request, deps: DepsOf, principal: Admin, username: Username
) -> Response:
    form = await request.form()
    ticked = [str(v) for v in form.getlist("roles")]

    def change(account: Account) -> Account:
        roles = rules.roles_of(ticked)
        rules.refuse_own_lockout(principal.username, account, roles)
        return rules.with_roles(account, roles)

    try:
        await _change(request, deps, principal, username, "set roles of", change)
    except rules.Refused as refusal:
        editing = {"username": username, "error": refusal.message, "roles": set(ticked)}
        return await _render(request, deps, principal, status=422, editing=editing)
    return _back("roles", username)


@router.post("/accounts/{username}/disable", response_class=HTMLResponse)
async def disable(request: Request, deps: DepsOf, principal: Admin, username: Username) -> Response:
    def change(account: Account) -> Account:
        rules.refuse_own_lockout(principal.username, account, None)
        return rules.disabled(account)

    try:
        await _change(request, deps, principal, username, "disable", change)
    except rules.Refused as refusal:
        editing = {"username": username, "error": refusal.message, "roles": None}
        return await _render(request, deps, principal, status=422, editing=editing)
    return _back("disabled", username)


@router.post("/accounts/{username}/enable", response_class=HTMLResponse)
async def enable(request: Request, deps: DepsOf, principal: Admin, username: Username) -> Response:
    await _change(request, deps, principal, username, "enable", rules.enabled)
    return _back("enabled", username)
