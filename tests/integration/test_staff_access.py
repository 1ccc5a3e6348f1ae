"""Who may do what, route by route, on the real services (issuer, reporter, aggregator
in this process, on a real nats-server): for each staff route an anonymous request gets
401 (a page: to the sign-in page), an account of another unit or without the role 403
with the reason in Vietnamese, and the right account gets through. Accounts sign in as
the staff do (a password traded for an API token; a browser-like client for the forms,
whose posts need the CSRF token), and every attempt is on the audit trail."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.aggregator.app import create_service as aggregator_service
from services.aggregator.entrypoints.pages import NOT_SENT
from services.issuer.app import create_service as issuer_service
from services.reporter.app import create_service as reporter_service
from shared.auth.audit import read_entries
from shared.clock import parse_clock
from shared.links import Links
from shared.settings import Settings
from tests.accounts import PASSWORD, add_account_async, signed_in_accounts
from tests.factories import FIGURES, attached, directive_to_chi_bo
from tests.inprocess import anonymous_client, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

PARENT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ
CHILD = "cb-snv-van-phong"  # one of its chi bộ
SIBLING = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư: same level, another branch
DIRECTIVE = directive_to_chi_bo(PARENT, "Đảng ủy Sở Nội vụ", "41-KH/ĐU", "Thử quyền")
DIRECTIVE_ID = "41-kh-du--" + PARENT
REPORT_FILE = b"%PDF-1.4\n% bao cao\n%%EOF\n"
REPORT = {
    "directive_id": DIRECTIVE_ID,
    "unit_id": CHILD,
    "requirement_id": "r1",
    "values": {**FIGURES, "report_file": attached("bao-cao.pdf", REPORT_FILE)},
}
ACCOUNTS = {
    # name: (unit, roles)
    "vanthu.snv": (PARENT, "van_thu"),
    "chuyenvien.snv": (PARENT, "chuyen_vien"),
    "lanhdao.snv": (PARENT, "lanh_dao"),
    "quantri.snv": (PARENT, "quan_tri"),
    "vanthu.cb": (CHILD, "van_thu"),
    "lanhdao.cb": (CHILD, "lanh_dao"),
    "canbo.khdt": (SIBLING, "van_thu,chuyen_vien,lanh_dao,quan_tri"),
}


@dataclass
class Site:
    settings: Settings
    clients: dict[str, httpx.AsyncClient]  # per service, anonymous (no operator token)
    tokens: dict[str, dict[str, str]]  # account -> Authorization header
    js: Any  # the issuer's JetStream context, to read the audit stream back

    def client(self, service: str) -> httpx.AsyncClient:
        return self.clients[service]


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        running = {
            name: await stack.enter_async_context(serving(create, settings))
            for name, create in (
                ("issuer", issuer_service),
                ("reporter", reporter_service),
                ("aggregator", aggregator_service),
            )
        }
        anonymous = {
            name: await stack.enter_async_context(anonymous_client(r.service))
            for name, r in running.items()
        }
        tokens = await signed_in_accounts(nats_url, anonymous["issuer"], ACCOUNTS)
        site = Site(settings, anonymous, tokens, running["issuer"].service.js)
        # the directive issued by the parent's clerk, and the chi bộ's report filed by its own
        issued = await site.clients["issuer"].post(
            "/api/directives", json=DIRECTIVE, headers=tokens["vanthu.snv"]
        )
        assert issued.status_code == 201, issued.text

        async def filed() -> bool:
            answer = await site.clients["reporter"].post(
                "/api/submissions", json=REPORT, headers=tokens["vanthu.cb"]
            )
            return answer.status_code in (200, 201)

        await eventually(filed, 30, "the chi bộ's report filed")

        async def rolled_up() -> bool:
            answer = await site.clients["aggregator"].get(
                f"/api/directives/{DIRECTIVE_ID}/synthesis", headers=tokens["chuyenvien.snv"]
            )
            return answer.status_code == 200

        await eventually(rolled_up, 30, "the synthesis")
        yield site


@dataclass(frozen=True)
class Case:
    service: str
    method: str
    path: str
    right: str  # the account that may
    wrong_role: str | None  # same reach, a role that may not
    other_unit: str | None  # the role, another unit
    json: dict | None = None
    data: dict | None = None
    files: dict | None = None


def _cases() -> list[Case]:
    d, u = DIRECTIVE_ID, CHILD
    report = f"{d}/{u}/r1"
    return [
        Case("issuer", "POST", "/api/directives", "vanthu.snv", "chuyenvien.snv", "canbo.khdt",
             json=DIRECTIVE),
        Case("issuer", "POST", "/api/directives/upload", "chuyenvien.snv", "quantri.snv", None,
             data={"preview": "true"},
             files={"file": ("kh.txt", b"KE HOACH\nThu nghiem", "text/plain")}),
        Case("issuer", "GET", f"/api/directives/{d}", "vanthu.cb", None, "canbo.khdt"),
        # recalling is the issuing unit's leader's (here refused past the guard: no reason)
        Case("issuer", "POST", f"/api/directives/{d}/recall", "lanhdao.snv", "chuyenvien.snv",
             "canbo.khdt", json={"reason": " "}),
        # and so are correcting and replacing it (refused past the guard: no reason)
        Case("issuer", "POST", f"/api/directives/{d}/correct", "lanhdao.snv", "chuyenvien.snv",
             "canbo.khdt", json={"reason": " ", "title": "Khác"}),
        Case("issuer", "POST", f"/api/directives/{d}/replace", "lanhdao.snv", "vanthu.snv",
             "canbo.khdt", json={"reason": " ", "by": d}),
        Case("issuer", "GET", "/api/audit", "lanhdao.snv", "chuyenvien.snv", None),
        Case("issuer", "GET", "/audit", "quantri.snv", "vanthu.snv", None),
        Case("reporter", "POST", "/api/submissions", "vanthu.cb", "lanhdao.cb", "vanthu.snv",
             json=REPORT),
        Case("reporter", "GET", f"/api/submissions/{report}", "chuyenvien.snv", None,
             "canbo.khdt"),
        Case("reporter", "GET", f"/reports/{report}", "lanhdao.snv", None, "canbo.khdt"),
        Case("reporter", "GET", f"/files/{report}/v1/report_file", "chuyenvien.snv", None,
             "canbo.khdt"),
        Case("reporter", "POST", f"/api/submissions/{report}/review", "chuyenvien.snv",
             "vanthu.snv", "canbo.khdt", json={"decision": "return", "reason": "Bổ sung số liệu."}),
        Case("reporter", "POST", f"/reports/{report}", "chuyenvien.snv", "vanthu.snv",
             "canbo.khdt", data={"decision": "return", "reason": "Bổ sung số liệu."}),
        Case("reporter", "GET", f"/api/extensions/{report}", "chuyenvien.snv", None,
             "canbo.khdt"),
        # deciding on more time is the parent's leader's
        Case("reporter", "POST", f"/api/extensions/{report}/decision", "lanhdao.snv",
             "chuyenvien.snv", "canbo.khdt", json={"decision": "refuse", "reason": "Không."}),
        Case("aggregator", "GET", f"/api/directives/{d}/synthesis", "chuyenvien.snv", None,
             "canbo.khdt"),
        Case("aggregator", "GET", f"/directives/{d}/status", "vanthu.snv", None, "canbo.khdt"),
        Case("aggregator", "POST", f"/api/directives/{d}/synthesis/approve", "lanhdao.snv",
             "chuyenvien.snv", "canbo.khdt"),
        Case("aggregator", "POST", f"/directives/{d}/status", "lanhdao.snv", "chuyenvien.snv",
             "canbo.khdt", data={"requirement": "r1"}),
    ]  # fmt: skip


CASES = _cases()


async def _call(site: Site, case: Case, who: str | None) -> httpx.Response:
    headers = site.tokens[who] if who else {}
    client = site.client(case.service)
    client.cookies.clear()  # a script's call, not a browser's: no cookie, so no CSRF check
    return await client.request(
        case.method,
        case.path,
        json=case.json,
        data=case.data,
        files=case.files,
        headers=headers,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path.split('/')[1]}…")
async def test_each_staff_route_lets_in_only_the_right_account(site, case):
    anonymous = await _call(site, case, None)
    if case.path.startswith("/api/"):
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert anonymous.json()["error"] == "Đề nghị đăng nhập để tiếp tục."
    elif case.method == "GET":  # a page: to the sign-in page, and back here after
        assert anonymous.status_code == 303, anonymous.text
        assert anonymous.headers["location"].startswith("/login?next=%2F")
    else:
        assert anonymous.status_code == 401, anonymous.text
        assert "Đề nghị đăng nhập" in anonymous.text

    for who, reason in ((case.wrong_role, "role"), (case.other_unit, None)):
        if who is None:
            continue
        refused = await _call(site, case, who)
        assert refused.status_code == 403, (who, refused.text)
        text = refused.json()["error"] if case.path.startswith("/api/") else refused.text
        assert "Tài khoản" in text or "phạm vi" in text, text  # the reason, in Vietnamese
        if reason and case.path.startswith("/api/"):
            assert refused.json()["reason"] == "role"

    allowed = await _call(site, case, case.right)
    if case.path.endswith(("/recall", "/correct", "/replace")):
        assert allowed.status_code == 422, allowed.text
        assert "Ghi lý do" in allowed.json()["error"] or "chính nó" in allowed.text, allowed.text
    elif case.path.endswith("/decision"):
        # past the guard: the handler's own answer (the unit asked for no more time)
        assert allowed.status_code == 409, allowed.text
        assert "Không có đề nghị gia hạn nào" in allowed.json()["error"], allowed.text
    elif "approve" in case.path or (case.path.endswith("/status") and case.method == "POST"):
        # past the guard: the handler's own answer (this directive implements none, so
        # there is nothing above to send the synthesis to)
        assert allowed.status_code == 409, allowed.text
        if case.path.startswith("/api/"):
            assert allowed.json()["reason"] == "no_target", allowed.text
        else:
            assert NOT_SENT["no_target"] in allowed.text
    else:
        assert 200 <= allowed.status_code < 300, (case.right, allowed.text)


async def test_a_unit_sees_the_cascade_of_its_own_branch_only(site):
    mine = await site.client("issuer").get("/api/cascade", headers=site.tokens["vanthu.cb"])
    theirs = await site.client("issuer").get("/api/cascade", headers=site.tokens["canbo.khdt"])
    assert mine.status_code == theirs.status_code == 200
    assert DIRECTIVE_ID in mine.text
    assert DIRECTIVE_ID not in theirs.text


async def test_a_wrong_password_is_refused_then_throttled(site):
    # from an address of its own: the throttle counts per account and per address
    transport = httpx.ASGITransport(
        app=site.client("issuer")._transport.app,  # type: ignore[attr-defined]
        client=("10.1.2.3", 40000),
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://issuer") as issuer:
        await _throttled(site, issuer)


async def _throttled(site: Site, issuer: httpx.AsyncClient) -> None:
    await add_account_async(site.settings.nats_url, "thu.throttle", PARENT, "van_thu")
    for _ in range(site.settings.login_max_failures):
        wrong = await issuer.post(
            "/api/auth/tokens", json={"username": "thu.throttle", "password": "sai-mat-khau!"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    right = await issuer.post(
        "/api/auth/tokens", json={"username": "thu.throttle", "password": PASSWORD}
    )
    assert right.status_code == 429, right.text
    assert "thử lại sau" in right.json()["error"]
    assert int(right.headers["retry-after"]) > 0


async def test_a_revoked_token_no_longer_signs_in(site):
    issuer = site.client("issuer")
    issuer.cookies.clear()  # a script's call: no page's CSRF cookie from an earlier test
    made = await issuer.post(
        "/api/auth/tokens", json={"username": "chuyenvien.snv", "password": PASSWORD}
    )
    token = made.json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert (await issuer.get("/api/me", headers=headers)).json()["unit_id"] == PARENT
    revoked = await issuer.delete(f"/api/auth/tokens/{token['token_id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]

    async def refused() -> bool:
        return (await issuer.get("/api/me", headers=headers)).status_code == 401

    await eventually(refused, 15, "the revoked token refused")


async def test_the_staff_forms_need_the_csrf_token(site):
    """A browser-like client: signs in on the form, and the review form is refused when
    posted without the page's token (as a foreign site's form would be)."""
    transport = site.client("reporter")._transport  # the same app, with a cookie jar
    async with httpx.AsyncClient(transport=transport, base_url="http://reporter") as browser:
        page = await browser.get("/login")
        token = browser.cookies["csrftoken"]
        assert f'value="{token}"' in page.text
        no_token = await browser.post(
            "/login", data={"username": "chuyenvien.snv", "password": PASSWORD}
        )
        assert no_token.status_code == 403, no_token.text
        assert "Biểu mẫu đã hết hạn" in no_token.text
        signed_in = await browser.post(
            "/login",
            data={"csrftoken": token, "username": "chuyenvien.snv", "password": PASSWORD},
        )
        assert signed_in.status_code == 303, signed_in.text
        cookie = signed_in.headers["set-cookie"]
        assert "chidao_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        report = f"/reports/{DIRECTIVE_ID}/{CHILD}/r1"
        assert (await browser.get(report)).status_code == 200
        forged = await browser.post(report, data={"decision": "accept"})
        assert forged.status_code == 403
        assert "Biểu mẫu đã hết hạn" in forged.text
        reviewed = await browser.post(
            report, data={"csrftoken": token, "decision": "return", "reason": "Bổ sung."}
        )
        assert reviewed.status_code == 200, reviewed.text
        assert "Đã trả lại báo cáo" in reviewed.text


async def test_a_revoked_link_opens_nothing(site):
    links = Links(site.settings, parse_clock("real", None))
    token = links.token(DIRECTIVE_ID, "cb-snv-thanh-tra", "r1", None, datetime.now(UTC))
    reporter = site.client("reporter")
    assert (await reporter.get(f"/r/{token}")).status_code == 200
    path = f"/api/links/{DIRECTIVE_ID}/cb-snv-thanh-tra/r1/revoke"
    assert (await reporter.post(path, headers=site.tokens["canbo.khdt"])).status_code == 403
    assert (await reporter.post(path, headers=site.tokens["vanthu.snv"])).status_code == 403
    revoked = await reporter.post(path, headers=site.tokens["chuyenvien.snv"])
    assert revoked.status_code == 200, revoked.text
    page = await reporter.get(f"/r/{token}")
    assert page.status_code == 410
    assert "Đường dẫn đã bị thu hồi" in page.text


async def test_every_attempt_is_on_the_audit_trail_with_who_and_the_outcome(site):
    issuer = site.client("issuer")
    issuer.cookies.clear()
    assert (await issuer.post("/api/directives", json=DIRECTIVE)).status_code == 401
    sibling = site.tokens["canbo.khdt"]
    assert (
        await issuer.post("/api/directives", json=DIRECTIVE, headers=sibling)
    ).status_code == 403
    review = f"/api/submissions/{DIRECTIVE_ID}/{CHILD}/r1/review"
    reporter = site.client("reporter")
    reporter.cookies.clear()
    refused = await reporter.post(review, json={"decision": "accept"}, headers=sibling)
    assert refused.status_code == 403, refused.text

    async def recorded() -> list:
        entries = [e async for e in read_entries(site.js)]
        # (an anonymous attempt is refused before the body is read: its path says what)
        issued = [
            e
            for e in entries
            if e.action == "directive.issue" and e.directive_id in (DIRECTIVE_ID, None)
        ]
        outcomes = {(e.actor, e.outcome) for e in issued}
        wanted = {
            ("vanthu.snv", "ok"),
            ("canbo.khdt", "forbidden"),
            ("anonymous", "unauthenticated"),
        }
        reviewed = [
            e
            for e in entries
            if e.action == "report.review" and e.actor == "canbo.khdt" and e.outcome == "forbidden"
        ]
        return entries if wanted <= outcomes and reviewed else []

    entries = await eventually(recorded, 15, "the three attempts on the audit trail")
    first = next(e for e in entries if e.action == "directive.issue" and e.outcome == "ok")
    assert (first.actor, first.unit_id, first.roles, first.via, first.service) == (
        "vanthu.snv",
        PARENT,
        ["van_thu"],
        "token",
        "issuer",
    )
    assert first.target_unit_id == PARENT and first.method == "POST" and first.address
    # what a route names in its path is on the entry too
    review_entry = next(
        e for e in entries if e.action == "report.review" and e.actor == "canbo.khdt"
    )
    assert (
        review_entry.directive_id,
        review_entry.target_unit_id,
        review_entry.requirement_id,
    ) == (DIRECTIVE_ID, CHILD, "r1")
    filed = [e for e in entries if e.action == "report.submit" and e.outcome == "ok"]
    assert ("vanthu.cb", CHILD, "reporter") in {
        (e.actor, e.target_unit_id, e.service) for e in filed
    }
    made = [e for e in entries if e.action == "token.create" and e.actor == "lanhdao.snv"]
    assert made and made[0].unit_id == PARENT  # who signed in, with their unit
