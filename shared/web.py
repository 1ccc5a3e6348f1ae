"""The HTTP edge every chidao service shares; ``install`` puts it on a service's app
(``shared.service.Service`` does, for all four):

- security headers on every response: a Content-Security-Policy under which a page runs
  no script, loads nothing, is never framed and posts forms only to its own service
  (its inline style sheets are allowed by their hashes, so a page or a report saved to a
  file stays whole and an injected style is still refused); ``nosniff``; no Referer
  (``/r/{token}`` carries a signed link's secret in its address);
- a limit on request bodies, counted while a body streams in: a declared
  ``Content-Length`` over it is refused before the route runs, a chunked body as soon as
  it passes it; 413 with a Vietnamese message;
- path parameter types for ids (``SlugPath``), so that what can never be an id is
  answered 404/422 at the edge instead of failing deep inside as a NATS subject or key;
- errors in plain words: JSON for ``/api/...``, a small Vietnamese page for the pages.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.slugs import SLUG_PATTERN
from shared.vietnamese import format_number

# --- path parameters ---------------------------------------------------------------------

# A directive, unit, requirement or field id: what shared.slugs calls a slug, the only
# form an id takes in a subject or a KV key.
SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=128)]


# --- the Content-Security-Policy ---------------------------------------------------------


@dataclass(frozen=True)
class StyleSheet:
    """A page's CSS, written inline in a ``<style>`` element (``{{ style }}``) and allowed
    by the policy through its hash: exactly this text and no other style runs."""

    css: str

    @property
    def markup(self) -> Markup:
        return Markup(self.css)  # our own file, not anyone's input

    @property
    def source(self) -> str:
        digest = hashlib.sha256(self.css.encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass
class ContentSecurityPolicy:
    """``default-src 'none'``: no script (inline or not), no image, font, frame or
    connection; only the registered style sheets; forms post to the service itself."""

    styles: list[StyleSheet] = field(default_factory=list)

    def allow(self, *sheets: StyleSheet) -> None:
        self.styles.extend(s for s in sheets if s not in self.styles)

    def header(self) -> str:
        styles = " ".join(s.source for s in self.styles) or "'none'"
        return (
            f"default-src 'none'; style-src {styles}; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )


class SecurityHeaders:
    """Adds the policy and the other security headers to every response that does not
    set its own."""

    def __init__(self, app: ASGIApp, policy: ContentSecurityPolicy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (
                    ("Content-Security-Policy", self.policy.header()),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"),
                    ("X-Frame-Options", "DENY"),
                ):
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


# --- request body limits -----------------------------------------------------------------


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body passes its limit. An HTTPException, so that
    FastAPI's body parsing lets it through instead of calling it a malformed body."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail="request body too large")
        self.limit = limit


@dataclass
class BodyLimits:
    """The largest body each route takes: ``default``, or what ``allow`` gave it."""

    default: int
    _routes: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)

    def allow(self, method: str, path: str, limit: int) -> None:
        """Let ``method path`` (a route template: ``/r/{token}``) take bodies up to
        ``limit`` bytes."""
        self._routes.append((method.upper(), compile_path(path)[0], limit))

    def limit_for(self, method: str, path: str) -> int:
        for allowed, pattern, limit in self._routes:
            if method == allowed and pattern.match(path):
                return limit
        return self.default


def _declared_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope).get("content-length", ""))
    except ValueError:
        return None


class BodyLimit:
    """Enforces ``BodyLimits`` while the body streams in, so that no route ever holds
    more than its limit in memory."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limits.limit_for(scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            # Answered before the route runs. What the client still sends is read and
            # thrown away by the server (uvicorn, until its keep-alive timeout), so the
            # client gets this answer rather than a reset connection.
            return await too_large(scope["path"], limit)(scope, receive, send)
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await too_large(scope["path"], limit)(scope, receive, send)


def _megabytes(size: int) -> str:
    return format_number(round(size / (1 << 20), 1))


def too_large(path: str, limit: int) -> Response:
    message = (
        f"Nội dung gửi lên quá lớn: máy chủ chỉ nhận tối đa {_megabytes(limit)} MB cho yêu "
        "cầu này. Đề nghị gửi tệp nhỏ hơn hoặc chia thành nhiều lần."
    )
    return plain_error(path, 413, message, limit_bytes=limit)


# --- errors in plain words ---------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>{title} — chidao</title></head>
<body>
<h1>{title}</h1>
<p>{message}</p>
{back}<hr><p>Hệ thống chỉ đạo, điều hành chidao</p>
</body>
</html>
"""
PAGE_TITLES = {
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    429: "Thử lại sau",
    404: "Không tìm thấy",
    405: "Không thực hiện được",
    413: "Nội dung quá lớn",
    409: "Không thực hiện được",
    422: "Yêu cầu không hợp lệ",
}
# What a page says when a handler refused and the page had nothing more precise to say.
REFUSED = "Không thực hiện được yêu cầu này; đề nghị tải lại trang và thử lại."
REFUSED_PAGE = {
    404: "Không tìm thấy nội dung này.",
    409: "Không thực hiện được: nội dung đã thay đổi hoặc đã được xử lý; đề nghị tải lại trang.",
}


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def page_of(
    status: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
    back: tuple[str, str] | None = None,
) -> HTMLResponse:
    """The small Vietnamese page: a title, a message, and a link back (address, words)."""
    link = f'<p><a href="{html.escape(back[0])}">{html.escape(back[1])}</a></p>\n' if back else ""
    body = PAGE.format(title=html.escape(title), message=html.escape(message), back=link)
    return HTMLResponse(body, status_code=status, headers=headers)


def plain_error(
    path: str, status: int, message: str, headers: dict[str, str] | None = None, **details: Any
) -> Response:
    """JSON ``{"error": message, ...}`` for the API, a small Vietnamese page otherwise."""
    if is_api(path):
        return JSONResponse({"error": message, **details}, status_code=status, headers=headers)
    return page_of(status, PAGE_TITLES.get(status, "Không thực hiện được"), message, headers)


async def _body_too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return too_large(request.url.path, exc.limit)


NO_PAGE = {
    404: "Không có trang này: đường dẫn không đúng hoặc trang đã được chuyển đi.",
    405: "Trang này không nhận yêu cầu theo cách vừa gửi; đề nghị quay lại và thử lại.",
}


async def _no_such_page(request: Request, exc: Exception) -> Response:
    """A page address no route has: the small Vietnamese page, not FastAPI's JSON (the
    API keeps FastAPI's answer, which its clients already read)."""
    assert isinstance(exc, HTTPException)
    if is_api(request.url.path) or exc.status_code not in NO_PAGE:
        return await http_exception_handler(request, exc)
    return page_of(
        exc.status_code,
        PAGE_TITLES.get(exc.status_code, "Không tìm thấy"),
        NO_PAGE[exc.status_code],
        back=("/", "Về trang chủ"),
    )


def install(app: FastAPI, policy: ContentSecurityPolicy, limits: BodyLimits) -> None:
    """The security headers outermost (the 413s get them too), the body limit inside."""
    app.add_middleware(BodyLimit, limits=limits)
    app.add_middleware(SecurityHeaders, policy=policy)
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_exception_handler(HTTPException, _no_such_page)


# --- forms that change state -------------------------------------------------------------

CSRF_FIELD = "csrftoken"  # asgi-csrf's form field, checked on every non-GET request


def csrf_token(request: Request) -> str:
    """The request's CSRF token (asgi-csrf sets its cookie with the answer)."""
    make = request.scope.get("csrftoken")
    return make() if callable(make) else ""


def csrf_field(request: Request) -> Markup:
    """The hidden field every state-changing form starts with: first, because asgi-csrf
    reads a multipart body only up to its first file."""
    token = html.escape(csrf_token(request), quote=True)
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')


CSRF_REFUSED = (
    "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống, nên chưa có gì thay "
    "đổi. Đề nghị tải lại trang rồi gửi lại."
)


async def csrf_failed(scope: Scope, send: Send, message_id: int) -> None:
    """asgi-csrf's refusal, in words: 403, nothing done."""
    response = plain_error(scope.get("path", ""), 403, CSRF_REFUSED, reason="csrf")

    async def nothing() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await response(scope, nothing, send)
