"""Signing in with a local account, on every service: ``GET /login`` (the form, or who is
signed in), ``POST /login``, ``POST /logout`` and ``GET /api/me``.

Every service answers them, so that a page of any service that needs a session can send
the browser to its own ``/login``; the cookie is the same for all (one host, the same
session secrets). The password check (``verify_password``) is also what the issuer's
``POST /api/auth/tokens`` uses for ``chidao login``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader

from shared.auth.accounts import Account, password_matches
from shared.auth.guard import PUBLIC, SIGNED_IN, Authenticator, authenticator_of
from shared.auth.principal import Principal
from shared.auth.roles import ROLE_NAMES, Role
from shared.auth.sessions import SessionClaims, now
from shared.auth.throttle import LoginThrottle, TooManyAttempts
from shared.errors import Unauthenticated
from shared.web import StyleSheet, csrf_field

LOGIN_PATH = "/login"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
MAX_NEXT_CHARS = 2000

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
STYLE = StyleSheet(_ENV.get_template("login.css.j2").render())
_ENV.globals["style"] = STYLE.markup

router = APIRouter(tags=["sign-in"])


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only, never another site
    (``//evil``, ``/\\evil`` and ``https://...`` are what an open redirect is made of)."""
    if (
        not target
        or len(target) > MAX_NEXT_CHARS
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\t")
    ):
        return LOGIN_PATH
    return target


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def role_names(roles: frozenset[Role]) -> str:
    return ", ".join(ROLE_NAMES[r] for r in Role if r in roles)


async def verify_password(request: Request, username: str, password: str) -> Account:
    """The account these credentials open, or ``Unauthenticated`` (the same answer for a
    wrong name and a wrong password) / ``TooManyAttempts`` (throttled)."""
    auth: Authenticator = authenticator_of(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    username = username.strip().lower()
    address = client_address(request)
    request.state.audit_actor = username[:64]
    throttle.check(username, address)
    account = await auth.accounts.get(username) if len(username) <= 64 else None
    # Argon2 takes tens of milliseconds and 64 MiB: off the event loop.
    matches = await asyncio.to_thread(password_matches, account, password)
    if account is None or not matches or account.disabled:
        throttle.failed(username, address)
        raise Unauthenticated(WRONG)
    throttle.succeeded(username)
    return account


def unit_name(request: Request, unit_id: str | None) -> str:
    if unit_id is None:
        return "quản trị hệ thống"
    mirror = getattr(request.app.state, "mirror", None)
    directory = mirror.directory if mirror is not None else None
    return directory.name(unit_id) if directory is not None and unit_id in directory else unit_id


def _page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    body = _ENV.get_template("login.html.j2").render(
        csrf=csrf_field(request), oidc=bool(request.app.state.oidc_enabled), **context
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get(LOGIN_PATH, response_class=HTMLResponse, dependencies=[PUBLIC])
async def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    principal = await authenticator_of(request).principal(request)
    if principal is not None:
        return _page(
            request,
            principal=principal,
            roles=role_names(principal.roles),
            unit_name=unit_name(request, principal.unit_id),
        )
    return _page(request, next=safe_next(next), username="")


@router.post(LOGIN_PATH, response_class=HTMLResponse, dependencies=[PUBLIC])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=MAX_NEXT_CHARS)] = LOGIN_PATH,
) -> Response:
    request.state.action = "login"
    try:
        account = await verify_password(request, username, password)
    except (Unauthenticated, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 401
        return _page(request, status, error=exc.message, next=safe_next(next), username=username)
    response = RedirectResponse(safe_next(next), status_code=303)
    auth = authenticator_of(request)
    auth.sessions.start(response, SessionClaims(account.username, "password", now()))
    request.state.principal = Principal(
        account.username, account.display_name, account.unit_id, account.roles, "password"
    )
    return response


@router.post("/logout", dependencies=[PUBLIC])
async def logout(request: Request) -> Response:
    request.state.action = "logout"
    principal = await authenticator_of(request).principal(request)
    if principal is not None:
        request.state.principal = principal
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    authenticator_of(request).sessions.end(response)
    return response


@router.get("/api/me", tags=["sign-in"])
async def me(principal: Annotated[Principal, SIGNED_IN]) -> JSONResponse:
    """Who this request is signed in as."""
    return JSONResponse(
        {
            "username": principal.username,
            "display_name": principal.display_name,
            "unit_id": principal.unit_id,
            "roles": sorted(r.value for r in principal.roles),
            "via": principal.via,
        }
    )
