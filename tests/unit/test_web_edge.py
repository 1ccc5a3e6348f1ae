"""The HTTP edge every service shares (shared.web), on a small app in this process: a body
past its route's limit is refused before the route runs or as soon as it passes the limit,
without being read further; the security headers are on every answer; the policy names
exactly the inline style sheets a service registered; files a unit sent are downloads of a
safe type; a signed link whose claims are absurd is only invalid."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Request
from itsdangerous import URLSafeSerializer

from services.reporter.entrypoints.pages import attachment_disposition, download_type
from shared.clock import parse_clock
from shared.links import SALT, LinkError, Links
from shared.settings import DEVELOPMENT_LINK_SECRET, Settings
from shared.web import BodyLimits, ContentSecurityPolicy, SlugPath, StyleSheet, install

LIMIT = 64 * 1024
UPLOAD_LIMIT = 4 * LIMIT
CHUNK = 4096


def _app() -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    called: list[str] = []
    policy = ContentSecurityPolicy()
    policy.allow(StyleSheet("body { color: red; }"))
    limits = BodyLimits(LIMIT)
    limits.allow("POST", "/upload/{token}", UPLOAD_LIMIT)
    install(app, policy, limits)

    @app.post("/api/items")
    async def items(body: dict) -> dict:
        called.append("items")
        return {"keys": len(body)}

    @app.post("/upload/{token}")
    async def upload(request: Request, token: str) -> dict:
        called.append("upload")
        return {"size": len(await request.body())}

    @app.get("/items/{item}")
    async def item(item: SlugPath) -> dict:
        return {"item": item}

    return app, called


class Counted:
    """A streamed request body (no Content-Length), counting what was taken from it."""

    def __init__(self, total: int) -> None:
        self.total, self.taken = total, 0

    async def __aiter__(self):
        while self.taken < self.total:
            self.taken += CHUNK
            yield b" " * CHUNK


async def _post(app: FastAPI, path: str, content, headers=None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        return await client.post(path, content=content, headers=headers or {})


async def test_a_declared_body_past_the_limit_is_refused_before_the_route_runs():
    app, called = _app()
    body = Counted(20_000_000)
    length = {"content-length": str(body.total), "content-type": "application/json"}
    response = await _post(app, "/api/items", body, length)
    assert response.status_code == 413
    assert response.json() == {
        "error": "Nội dung gửi lên quá lớn: máy chủ chỉ nhận tối đa 0,1 MB cho yêu cầu này. "
        "Đề nghị gửi tệp nhỏ hơn hoặc chia thành nhiều lần.",
        "limit_bytes": LIMIT,
    }
    assert called == [] and body.taken <= CHUNK  # not a byte of it read


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit():
    app, called = _app()
    body = Counted(20_000_000)
    response = await _post(app, "/api/items", body, {"content-type": "application/json"})
    assert response.status_code == 413
    assert called == [] and body.taken <= LIMIT + 2 * CHUNK


async def test_a_route_that_takes_files_takes_more_and_a_page_is_told_in_vietnamese():
    app, called = _app()
    fits = await _post(app, "/upload/t", b"x" * (UPLOAD_LIMIT - 1))
    assert fits.status_code == 200 and called == ["upload"]
    body = Counted(20_000_000)
    refused = await _post(app, "/upload/t", body)
    assert refused.status_code == 413 and body.taken <= UPLOAD_LIMIT + 2 * CHUNK
    assert refused.headers["content-type"].startswith("text/html")
    assert "Nội dung gửi lên quá lớn" in refused.text and "0,2 MB" in refused.text
    # under the limit of the API but the whole of it for another route
    assert (await _post(app, "/upload/t/x", b"x" * (LIMIT + 1))).status_code == 413


async def test_every_answer_carries_the_security_headers():
    app, _ = _app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        for response in (
            await client.get("/items/a-b"),
            await client.get("/items/a.b"),  # 422
            await client.get("/nowhere"),  # 404
            await _post(app, "/api/items", b"x" * (LIMIT + 1)),  # 413
        ):
            sheet = StyleSheet("body { color: red; }").css.encode()
            digest = base64.b64encode(hashlib.sha256(sheet).digest()).decode()
            assert response.headers["content-security-policy"] == (
                f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; "
                "frame-ancestors 'none'; base-uri 'none'"
            )
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-frame-options"] == "DENY"


def test_a_policy_without_style_sheets_allows_no_style():
    assert "style-src 'none'" in ContentSecurityPolicy().header()


def test_routes_are_matched_by_method_and_template():
    limits = BodyLimits(10)
    limits.allow("POST", "/r/{token}", 1000)
    assert limits.limit_for("POST", "/r/abc") == 1000
    assert limits.limit_for("GET", "/r/abc") == 10
    assert limits.limit_for("POST", "/r/abc/more") == 10
    assert limits.limit_for("POST", "/api/submissions") == 10


@pytest.mark.parametrize(
    ("claimed", "served"),
    [
        ("text/html", "application/octet-stream"),
        ("text/html; charset=utf-8", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("", "application/octet-stream"),
        ("application/pdf", "application/pdf"),
        ("IMAGE/PNG", "image/png"),
    ],
)
def test_a_file_is_served_as_a_safe_type(claimed, served):
    assert download_type(claimed) == served


def test_a_file_name_cannot_break_out_of_its_header():
    header = attachment_disposition('Báo cáo"\r\nSet-Cookie: x=1; <b>.pdf')
    assert header.startswith('attachment; filename="bao_cao_set-cookie_x_1_b_.pdf"; ')
    assert "\r" not in header and "\n" not in header and "<" not in header
    assert header.endswith(
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%22%0D%0ASet-Cookie%3A%20x%3D1%3B%20%3Cb%3E.pdf"
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"d": "d", "u": "u", "r": "r", "e": 10**30},
        {"d": "d", "u": "u", "r": "r", "e": -(10**30)},
        {"d": "d", "u": "u", "r": "r", "e": 2**63},
        {"d": "d", "u": "u", "r": "r", "e": 1e308},
        {"d": "d", "u": "u", "r": "r", "e": float("nan")},
        {"d": 1, "u": "u", "r": "r", "e": 4102444800},
        {"d": "Đảng ủy", "u": "u", "r": "r", "e": 4102444800},
        {"d": "d.>", "u": "u", "r": "r", "e": 4102444800},
        ["d", "u", "r"],
        "d",
    ],
)
def test_a_signed_link_with_absurd_claims_is_invalid(claims):
    links = Links(Settings(), parse_clock("real", None))
    token = URLSafeSerializer([DEVELOPMENT_LINK_SECRET], salt=SALT).dumps(claims)
    with pytest.raises(LinkError) as refused:
        links.verify(token)
    assert refused.value.reason == "invalid"


def test_an_overlong_token_is_invalid_before_it_is_decoded():
    links = Links(Settings(), parse_clock("real", None))
    with pytest.raises(LinkError):
        links.verify("a" * 100_000)
    good = links.token("d", "u", "r", datetime(2099, 1, 1, tzinfo=UTC), datetime.now(UTC))
    assert links.verify(good).unit_id == "u"
