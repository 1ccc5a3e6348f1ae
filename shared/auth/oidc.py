"""Signing in with the organisation's OpenID provider (OpenID Connect, authorization
code with PKCE S256), on every service when ``CHIDAO_OIDC_ISSUER`` is set:

- ``GET /login/oidc?next=/path`` sends the browser to the provider;
- ``GET /auth/oidc/callback`` takes the code back, exchanges it, verifies the ID token
  against the provider's keys (Authlib: signature, issuer, audience, expiry, nonce) and
  starts the staff session (``shared.auth.sessions``).

Who the person is in chidao comes from the ID token: its unit and roles claims
(``CHIDAO_OIDC_UNIT_CLAIM``, ``CHIDAO_OIDC_ROLES_CLAIM``) when the provider sends them,
else a local account bound to the person (its ``oidc_subject`` is the token's ``sub``, or
its user name is the token's ``preferred_username`` or e-mail); with neither, a 403 page.

What the flow needs between the two requests (state, nonce, PKCE verifier, ``next``)
is in a short-lived signed cookie of its own, ``chidao_oidc`` (Starlette's
SessionMiddleware, as Authlib's Starlette client expects), never in the staff session."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import is_secure_transport
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc.errors import JoseError
from starlette.middleware.sessions import SessionMiddleware

from shared.auth.accounts import Account
from shared.auth.guard import PUBLIC, authenticator_of
from shared.auth.login import LOGIN_PATH, safe_next
from shared.auth.roles import Role
from shared.auth.sessions import SessionClaims, now
from shared.settings import Settings
from shared.slugs import is_slug
from shared.web import page_of

log = logging.getLogger(__name__)

FLOW_COOKIE = "chidao_oidc"
FLOW_SECONDS = 600  # a sign-in not finished in ten minutes starts again
SCOPE = "openid profile email"
NEXT_KEY = "chidao_next"
PROVIDER_TIMEOUT = 10.0  # seconds for each request to the provider
CALLBACK_PATH = "/auth/oidc/callback"
MAX_NAME_CHARS = 200

NOT_GRANTED = "Tài khoản {who} chưa được cấp quyền trong chidao; đề nghị liên hệ quản trị."
FAILED = "Đăng nhập qua hệ thống định danh không thành công: {why}. Đề nghị đăng nhập lại."
UNREACHABLE = "Không kết nối được với hệ thống định danh của cơ quan; đề nghị thử lại sau ít phút."
# What a person is told for the provider's errors (RFC 6749 section 4.1.2.1) and Authlib's.
WHY = {
    "access_denied": "việc đăng nhập đã bị từ chối hoặc hủy",
    "login_required": "chưa đăng nhập ở hệ thống định danh",
    "consent_required": "chưa đồng ý cấp thông tin cho chidao",
    "mismatching_state": "phiên đăng nhập đã hết hạn hoặc không hợp lệ",
}
WHY_DEFAULT = "hệ thống định danh trả về lỗi"


def install(app: FastAPI, settings: Settings) -> None:
    """Add OpenID Connect sign-in to a service's app (``shared.service`` calls it when
    ``oidc_issuer`` is set); refuses, at start-up, a configuration that cannot work."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        raise ValueError(
            "CHIDAO_OIDC_ISSUER needs CHIDAO_OIDC_CLIENT_ID and CHIDAO_OIDC_CLIENT_SECRET"
        )
    # https, or http on the loopback address only (a provider run beside chidao in
    # development and the tests): the code, the client secret and the ID token cross here.
    if not is_secure_transport(settings.oidc_issuer):
        raise ValueError(f"CHIDAO_OIDC_ISSUER must be https: {settings.oidc_issuer}")
    app.add_middleware(
        SessionMiddleware,
        # Starlette signs with itsdangerous' Signer and its own salt, the staff session
        # with a salted serializer: neither cookie can pass for the other.
        secret_key=settings.session_secrets[0].get_secret_value(),
        session_cookie=FLOW_COOKIE,
        max_age=FLOW_SECONDS,
        same_site="lax",  # the provider brings the browser back with a top-level GET
        https_only=settings.cookie_secure,
    )
    app.include_router(_router(_client(settings), settings))


def _client(settings: Settings) -> Any:
    """Authlib's client for the provider; the endpoints and keys come from its discovery
    document, fetched on first use (so a provider down at start-up does not stop us)."""
    assert settings.oidc_issuer and settings.oidc_client_secret
    client_kwargs: dict[str, Any] = {
        "scope": SCOPE,
        "code_challenge_method": "S256",
        "timeout": PROVIDER_TIMEOUT,
    }
    if settings.oidc_ca_file:  # the provider's certificate is signed by an internal CA
        client_kwargs["verify"] = ssl.create_default_context(cafile=str(settings.oidc_ca_file))
    return OAuth().register(
        "chidao",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )


def _router(client: Any, settings: Settings) -> APIRouter:
    router = APIRouter(tags=["sign-in"])

    @router.get("/login/oidc", dependencies=[PUBLIC])
    async def oidc_login(request: Request, next: str | None = None) -> Response:
        """Sends the browser to the provider's sign-in page."""
        # One sign-in in flight per browser: what an abandoned one left goes, so the
        # cookie does not grow with every attempt.
        request.session.clear()
        request.session[NEXT_KEY] = safe_next(next)
        redirect_uri = settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
        try:
            if not await _same_issuer(client, settings):
                return _page(502, "Không kết nối được", UNREACHABLE)
            response: Response = await client.authorize_redirect(request, redirect_uri)
        except (httpx.HTTPError, ValueError) as exc:  # down, or not answering JSON
            log.warning("OpenID provider unreachable", extra={"error": repr(exc)})
            return _page(502, "Không kết nối được", UNREACHABLE)
        return response

    @router.get(CALLBACK_PATH, dependencies=[PUBLIC], name="oidc_callback")
    async def oidc_callback(request: Request) -> Response:
        """Where the provider sends the browser back: the session starts here."""
        request.state.action = "login"
        try:
            token = await client.authorize_access_token(request)
        except (AuthlibBaseError, JoseError) as exc:
            return _refused(exc)
        except (httpx.HTTPError, ValueError) as exc:  # down, or not answering JSON
            log.warning("OpenID provider unreachable", extra={"error": repr(exc)})
            return _page(502, "Không kết nối được", UNREACHABLE)
        info = token.get("userinfo")
        if not info or not info.get("sub"):  # no ID token: not an OpenID provider's answer
            return _page(400, "Không đăng nhập được", FAILED.format(why=WHY_DEFAULT))
        claims = await _session_claims(request, info, settings)
        who = claims.username if claims else _who(info)
        request.state.audit_actor = who[:64]
        if claims is None:
            log.info("OpenID sign-in refused: no unit, no account", extra={"who": who})
            return _page(403, "Không có quyền", NOT_GRANTED.format(who=who))
        response = RedirectResponse(safe_next(request.session.get(NEXT_KEY)), 303)
        request.session.clear()  # the flow is over: its cookie goes
        authenticator_of(request).sessions.start(response, claims)
        log.info("signed in with OpenID", extra={"username": claims.username})
        return response

    return router


async def _same_issuer(client: Any, settings: Settings) -> bool:
    """Whether the discovery document names the configured issuer (OpenID Connect
    Discovery 1.0, section 4.3). Authlib checks the ID token's ``iss`` against that
    document only, so a document served for another issuer must not be trusted."""
    metadata = await client.load_server_metadata()
    configured = (settings.oidc_issuer or "").rstrip("/")
    if str(metadata.get("issuer", "")).rstrip("/") == configured:
        return True
    log.error(
        "the OpenID discovery document names another issuer",
        extra={"configured": configured, "announced": str(metadata.get("issuer"))[:200]},
    )
    return False


def _refused(exc: Exception) -> HTMLResponse:
    """The provider refused (the person declined, an error), or the answer does not hold
    (a state this browser did not start, a token that does not verify): a 400 page."""
    error = str(getattr(exc, "error", "") or "")
    log.info("OpenID sign-in failed", extra={"error": error, "detail": repr(exc)[:300]})
    return _page(400, "Không đăng nhập được", FAILED.format(why=WHY.get(error, WHY_DEFAULT)))


def _page(status: int, title: str, message: str) -> HTMLResponse:
    return page_of(
        status,
        title,
        message,
        {"Cache-Control": "no-store"},
        back=(LOGIN_PATH, "Quay lại trang đăng nhập"),
    )


def _who(info: Mapping[str, Any]) -> str:
    """How the person is named: the provider's user name, else the e-mail, else ``sub``."""
    for name in ("preferred_username", "email", "sub"):
        if isinstance(info.get(name), str) and info[name]:
            return str(info[name])
    return "?"


async def _session_claims(
    request: Request, info: Mapping[str, Any], settings: Settings
) -> SessionClaims | None:
    """The staff session the ID token's claims open, or None (not granted)."""
    unit = info.get(settings.oidc_unit_claim)
    if unit:
        return _from_provider(request, info, unit, info.get(settings.oidc_roles_claim))
    account = await _bound_account(request, info)
    if account is None:
        return None
    # unit_id None: the guard reads the account (its unit, roles, and whether disabled)
    return SessionClaims(account.username, "oidc", now(), display_name=account.display_name)


def _from_provider(
    request: Request, info: Mapping[str, Any], unit: object, roles_claim: object
) -> SessionClaims | None:
    """Unit and roles as the provider says; refused when the unit is not one of the
    directory's or no role is one of chidao's."""
    mirror = getattr(request.app.state, "mirror", None)
    directory = mirror.directory if mirror is not None and mirror.ready.is_set() else None
    if not isinstance(unit, str) or not is_slug(unit):
        log.warning("OpenID unit claim is not a unit id", extra={"unit": repr(unit)[:100]})
        return None
    if directory is not None and unit not in directory:
        log.warning("OpenID unit claim names no unit of the directory", extra={"unit": unit})
        return None
    roles = _roles(roles_claim)
    if not roles:
        return None
    name = info.get("name") if isinstance(info.get("name"), str) else None
    return SessionClaims(
        _who(info)[:64], "oidc", now(), unit, roles, (name or _who(info))[:MAX_NAME_CHARS]
    )


def _roles(claim: object) -> tuple[str, ...]:
    """chidao's roles in the claim (a list, or names separated by spaces or commas); the
    others are ignored, since the guard would refuse the session on every request."""
    names = claim.replace(",", " ").split() if isinstance(claim, str) else claim
    if not isinstance(names, list | tuple):
        return ()
    known = {r.value for r in Role}
    unknown = [str(n) for n in names if n not in known]
    if unknown:
        log.warning("OpenID roles claim has unknown roles", extra={"roles": unknown[:10]})
    return tuple(sorted({str(n) for n in names if n in known}))


async def _bound_account(request: Request, info: Mapping[str, Any]) -> Account | None:
    """The local account bound to the person: by subject first, else by user name (the
    provider's user name, or its e-mail unless the provider says it is not verified),
    provided that account is bound to no other subject. A disabled one is refused."""
    sub = str(info["sub"])
    store = authenticator_of(request).accounts
    found = await store.by_subject(sub)
    names = [info.get("preferred_username")]
    if info.get("email_verified") is not False:
        names.append(info.get("email"))
    for name in names:
        if found is None and isinstance(name, str) and name:
            candidate = await store.get(name.strip().lower())
            if candidate is not None and candidate.oidc_subject in (None, sub):
                found = candidate
    return found if found is not None and not found.disabled else None
