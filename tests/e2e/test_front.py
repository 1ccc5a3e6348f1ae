"""The staff site at one address (chidao/runtime/front.py, as the staff Ingress does in
production): one sign-in there serves the pages and API of every service behind it, a
page without a session is sent to the sign-in page of the same address, and the audit
trail names the staff's own address, which a client cannot forge through the front."""

from __future__ import annotations

import asyncio

import httpx
import nats
import pytest

from shared.auth.audit import read_entries
from tests.accounts import PASSWORD, add_account
from tests.support import wait_for

pytestmark = pytest.mark.e2e

UNIT = "du-so-noi-vu-hy"
USER = "chuyenvien.front"


def _audit_of(nats_url: str, actor: str) -> list:
    async def read() -> list:
        client = await nats.connect(nats_url)
        try:
            return [e async for e in read_entries(client.jetstream()) if e.actor == actor]
        finally:
            await client.close()

    return asyncio.run(read())


def test_one_sign_in_at_the_front_serves_every_service(stack):
    add_account(stack.admin_nats_url, USER, UNIT, "chuyen_vien")
    with httpx.Client(base_url=stack.console_url, timeout=30) as browser:
        page = browser.get("/login")
        assert page.status_code == 200, page.text
        assert "Đăng nhập" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        signed_in = browser.post(
            "/login",
            data={
                "csrftoken": browser.cookies["csrftoken"],
                "username": USER,
                "password": PASSWORD,
                "next": "/api/me",
            },
            # a client naming another address: the front sets its own
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/api/me"
        me = browser.get("/api/me")  # the issuer's
        assert me.status_code == 200 and me.json()["unit_id"] == UNIT, me.text

        # the same cookie on the aggregator's and the reporter's pages: signed in, they
        # answer about the page (an unknown directive) rather than sending to /login
        for path in ("/directives/khong-co/status", "/reports/khong-co/cb-snv-van-phong/r1"):
            answer = browser.get(path, follow_redirects=False)
            assert answer.status_code == 404, (path, answer.status_code)
            assert "Không tìm thấy" in answer.text

    anonymous = httpx.get(
        f"{stack.console_url}/directives/khong-co/status", follow_redirects=False, timeout=30
    )
    assert anonymous.status_code == 303, anonymous.text
    assert anonymous.headers["location"].startswith("/login?next=")

    (login,) = wait_for(
        lambda: [e for e in _audit_of(stack.admin_nats_url, USER) if e.action == "login"],
        what="the sign-in on the audit trail",
    )
    assert login.outcome == "ok"
    assert login.address == "127.0.0.1"  # the staff's machine, not what the client claimed


def test_a_path_no_service_has_is_answered_in_words(stack):
    answer = httpx.get(f"{stack.console_url}/khong-co-trang-nay", timeout=30)
    assert answer.status_code == 404
    assert "Không tìm thấy" in answer.text
