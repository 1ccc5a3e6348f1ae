"""The staff site's one address in the embedded runtime: a small reverse proxy that sends
each path to the service that owns it, as the staff Ingress does in production
(deploy/kubernetes/overlays/production/ingress.yaml, whose paths
tests/ops/test_kubernetes_manifests.py checks against ``ROUTES``).

Each console page lives in the service that owns its data (docs/architecture.md, "The
staff console"); the staff see one site, one sign-in cookie and one navigation. The
matching is ingress-nginx's: every path a regular expression anchored at the start,
case-insensitive, the longest tried first. The sign-in routes are on every service; the
front sends them to the issuer, as the Ingress does.

Run by ``chidao front --backend issuer=URL ...``: ``Stack`` starts it as a child process,
compose.yaml as the ``console`` container."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from shared.web import plain_error

# (path regex, service), as the staff Ingress lists them.
ROUTES: tuple[tuple[str, str], ...] = (
    # aggregator: the console's home (and, as the shortest path, whatever no other path
    # takes: the aggregator answers it 404), a directive's page, its synthesis, its status
    ("/", "aggregator"),
    ("/api/directives/[^/]+/synthesis", "aggregator"),
    ("/directives/", "aggregator"),
    ("/units/lateness", "aggregator"),
    # notifier: a directive's mails (longer than /directives/, so tried first)
    ("/directives/[^/]+/mails", "notifier"),
    # issuer: recalling, correcting, replacing a directive from its page, and its
    # original file (longer than /directives/ too)
    ("/directives/[^/]+/(recall|correct|replace|original)", "issuer"),
    # issuer: issuing (the API and the console), the cascade, tokens, the audit trail
    ("/api/directives", "issuer"),
    ("/api/cascade", "issuer"),
    ("/api/auth/", "issuer"),
    ("/api/audit", "issuer"),
    ("/audit", "issuer"),
    ("/issue", "issuer"),
    ("/units", "issuer"),
    ("/accounts", "issuer"),
    # reporter: submissions, reviews, link revocation, the report pages, files
    ("/api/submissions", "reporter"),
    ("/api/links/", "reporter"),
    ("/api/extensions/", "reporter"),
    ("/reports/", "reporter"),
    ("/files/", "reporter"),
    ("/reviews", "reporter"),
    # signing in: every service answers these with the same cookie; the issuer does
    ("/login", "issuer"),
    ("/logout", "issuer"),
    ("/auth/oidc/callback", "issuer"),
    ("/api/me", "issuer"),
)

_ORDERED = sorted(
    ((re.compile(path, re.IGNORECASE), service) for path, service in ROUTES),
    key=lambda route: len(route[0].pattern),
    reverse=True,
)
# Not forwarded either way: they describe one connection, not the message. (The
# browser's Host is forwarded: a service builds its absolute URLs, the OpenID callback's
# among them, from it, and they must name the front, not the service behind it.)
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)
NO_ROUTE = "Không tìm thấy dịch vụ phụ trách trang này."
UNREACHABLE = "Dịch vụ phụ trách trang này đang không trả lời; đề nghị thử lại sau ít phút."


def service_for(path: str) -> str | None:
    """The service a path goes to (None only for a path not starting with /)."""
    for pattern, service in _ORDERED:
        if pattern.match(path):
            return service
    return None


# Set by the front alone: a client's own would otherwise name any address it likes in the
# audit trail.
FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"})


def _forwarded_headers(request: Request) -> list[tuple[str, str]]:
    headers = [
        (k, v)
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() not in FORWARDED
    ]
    client = request.client.host if request.client else ""
    # A service believes X-Forwarded-For only from CHIDAO_FORWARDED_ALLOW_IPS (127.0.0.1
    # by default: the front of `chidao dev` and the demo): then its audit trail records
    # the staff's address rather than the front's. Behind another address (the compose
    # console container, an Ingress) set it to that address.
    headers.append(("x-forwarded-for", client))
    headers.append(("x-forwarded-proto", request.url.scheme))
    headers.append(("x-forwarded-host", request.headers.get("host", "")))
    return headers


class _KeepsNoCookies(CookieJar):
    """The front's client forwards each browser's own Cookie header and keeps none of
    the services' Set-Cookie: a kept one would be sent with every later request, whoever
    made it, signing strangers in as the last person who did."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None


def make_app(backends: dict[str, str]) -> Starlette:
    client = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=5.0), cookies=_KeepsNoCookies())

    async def forward(request: Request) -> Response:
        service = service_for(request.url.path)
        if service is None or service not in backends:
            return plain_error(request.url.path, 404, NO_ROUTE)
        url = httpx.URL(backends[service] + request.url.path, query=request.url.query.encode())

        async def body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                yield chunk

        outgoing = client.build_request(
            request.method, url, headers=_forwarded_headers(request), content=body()
        )
        try:
            answer = await client.send(outgoing, stream=True)
        except httpx.HTTPError:
            return plain_error(request.url.path, 502, UNREACHABLE)
        response = StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            background=BackgroundTask(answer.aclose),
        )
        # every header as the service sent it, Set-Cookie included (there may be several)
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.multi_items()
            if k.lower() not in HOP_BY_HOP
        ]
        return response

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    async def alive(_: Request) -> Response:
        return Response("ok\n", media_type="text/plain")

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes = [
        # the front's own health (the services' are on their own ports)
        Route("/healthz", alive),
        Route("/readyz", alive),
        Route("/{path:path}", forward, methods=methods),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve(backends: dict[str, str], host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        make_app(backends),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
        # the front is the edge: the address it sees is the staff's, whatever a client's
        # X-Forwarded-For claims (uvicorn would otherwise believe one from 127.0.0.1)
        proxy_headers=False,
    )
