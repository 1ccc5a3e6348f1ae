"""The guard every staff route declares, and how a request is recognised.

A route takes ``Annotated[Principal, staff(Action.X)]``: the request must carry a valid
session cookie, a personal API token or the operators' token (``Authorization: Bearer``),
and the principal's roles must allow ``X`` (``shared.auth.roles.ALLOWED``); otherwise 401
(a page: to the sign-in page) or 403 with the reason in Vietnamese. What the action
reaches (which unit) the route then checks with ``require_acts_as``/``require_reads``.
A route open to anyone says so: ``dependencies=[PUBLIC]``. ``tests/unit/test_route_guards``
enumerates every route of every service and fails on one that declares neither."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBearer

from shared.auth.accounts import AccountStore
from shared.auth.principal import Principal, Via, operator
from shared.auth.roles import Action, parse_roles
from shared.auth.sessions import COOKIE, Sessions, now
from shared.auth.tokens import TokenStore
from shared.errors import Unauthenticated
from shared.settings import Settings

SIGN_IN = "Đề nghị đăng nhập để tiếp tục."

# Declared for the OpenAPI documents only (what a client must send); the guard reads the
# request itself, so that it answers in its own words rather than FastAPI's.
_BEARER: Any = Depends(
    HTTPBearer(auto_error=False, description="a personal API token or the operators'")
)
_COOKIE: Any = Depends(
    APIKeyCookie(name=COOKIE, auto_error=False, description="the staff's session")
)


class Authenticator:
    """Recognises the principal behind a request; one per service, bound to JetStream at
    start-up (``shared.service``)."""

    def __init__(self, settings: Settings) -> None:
        self.accounts = AccountStore()
        self.tokens = TokenStore()
        self.sessions = Sessions(settings)
        self.api_token_days = settings.api_token_days
        self._operator = (
            settings.operator_token.get_secret_value() if settings.operator_token else None
        )

    def bind(self, js: Any) -> None:
        self.accounts.bind(js)
        self.tokens.bind(js)

    async def principal(self, request: Request) -> Principal | None:
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secret:
            return await self._from_bearer(secret.strip())
        claims = self.sessions.read(request.cookies.get(COOKIE))
        if claims is None:
            return None
        if claims.via == "oidc" and claims.unit_id:
            # unit and roles came from the provider's claims, checked at sign-in
            return Principal(
                claims.username,
                claims.display_name or claims.username,
                claims.unit_id,
                parse_roles(list(claims.roles)),
                "oidc",
            )
        account = await self.accounts.get(claims.username)
        if account is None or account.disabled:
            return None
        if claims.issued_at < account.valid_after.replace(microsecond=0):
            return None  # signed out everywhere, or the password changed, since
        via: Via = "oidc" if claims.via == "oidc" else "password"
        return Principal(
            account.username, account.display_name, account.unit_id, account.roles, via
        )

    async def _from_bearer(self, secret: str) -> Principal | None:
        if self._operator and hmac.compare_digest(secret.encode(), self._operator.encode()):
            return operator()
        token = await self.tokens.find(secret)
        if token is None or not token.usable_at(now()):
            return None
        account = await self.accounts.get(token.username)
        if account is None or account.disabled or token.created_at < account.valid_after:
            return None
        return Principal(
            account.username, account.display_name, account.unit_id, account.roles, "token"
        )


def authenticator_of(request: Request) -> Authenticator:
    return request.app.state.auth


def staff(action: Action) -> Any:
    """The dependency of a staff route doing ``action``: the principal, or 401/403."""

    async def guard(request: Request, _b: Any = _BEARER, _c: Any = _COOKIE) -> Principal:
        request.state.action = action
        # what the audit entry names: the route's ids (the middleware's own scope is a
        # copy made above the router, which never sees them)
        request.state.path_params = dict(request.path_params)
        principal = await authenticator_of(request).principal(request)
        if principal is None:
            raise Unauthenticated(SIGN_IN)
        request.state.principal = principal
        principal.require(action)
        return principal

    guard.chidao_action = action  # type: ignore[attr-defined]  # read by the route test
    return Depends(guard)


async def _signed_in(request: Request, _b: Any = _BEARER, _c: Any = _COOKIE) -> Principal:
    principal = await authenticator_of(request).principal(request)
    if principal is None:
        raise Unauthenticated(SIGN_IN)
    request.state.principal = principal
    return principal


_signed_in.chidao_signed_in = True  # type: ignore[attr-defined]
SIGNED_IN: Any = Depends(_signed_in)
"""Any signed-in principal, whatever its roles (who am I)."""


def _public() -> None:
    """Open to anyone: the signed-link pages, health and metrics, signing in."""


_public.chidao_public = True  # type: ignore[attr-defined]
PUBLIC: Any = Depends(_public)
