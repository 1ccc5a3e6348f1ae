"""The staff's report page (/reports/{d}/{u}/{r}) and the audit page (/audit) inside the
console's frame, on the real issuer and reporter in this process and a real nats-server:
the navigation, who is signed in and the sign-out; the links to the directive's page and
the review queue; revoking the unit's signed link from the page (refused to a sibling
committee's specialist and to a clerk, refused without the form's CSRF token), after
which the page says when and by whom and the unit's link answers 410; the revocation on
the audit trail's page. Each test issues its own directive."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import httpx
import pytest
import pytest_asyncio

from services.issuer.app import create_service as issuer_service
from services.reporter.app import create_service as reporter_service
from shared.clock import parse_clock
from shared.links import Links
from shared.settings import Settings
from tests.accounts import PASSWORD, signed_in_accounts
from tests.factories import directive_to_chi_bo, numbered
from tests.inprocess import Running, anonymous_client, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

PARENT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ
SIBLING = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư: another branch
CHILD = "cb-snv-van-phong"  # Chi bộ Văn phòng Sở
DIRECTIVE = directive_to_chi_bo(PARENT, "Đảng ủy Sở Nội vụ", "71-KH/ĐU", "Thử trang báo cáo")
ACCOUNTS = {
    "chuyenvien.snv": (PARENT, "chuyen_vien"),
    "vanthu.snv": (PARENT, "van_thu"),
    "lanhdao.snv": (PARENT, "lanh_dao"),
    "chuyenvien.khdt": (SIBLING, "chuyen_vien"),
}
_NUMBERS = count(710)


@dataclass
class Site:
    settings: Settings
    issuer: Running
    reporter: Running
    clients: dict[str, httpx.AsyncClient]  # per service, with no operator token
    tokens: dict[str, dict[str, str]]

    async def call(self, service: str, method: str, path: str, who: str | None):
        client = self.clients[service]
        client.cookies.clear()  # a script's call: no cookie, so no CSRF check
        headers = self.tokens[who] if who else {}
        return await client.request(method, path, headers=headers)


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        issuer = await stack.enter_async_context(serving(issuer_service, settings))
        reporter = await stack.enter_async_context(serving(reporter_service, settings))
        clients = {
            "issuer": await stack.enter_async_context(anonymous_client(issuer.service)),
            "reporter": await stack.enter_async_context(anonymous_client(reporter.service)),
        }
        tokens = await signed_in_accounts(nats_url, issuer.http, ACCOUNTS)
        yield Site(settings, issuer, reporter, clients, tokens)


async def reported(site: Site) -> str:
    """This test's own directive, issued, and the chi bộ's report sent (as the operator,
    who acts as any unit): the report page's path."""
    directive, directive_id = numbered(DIRECTIVE, next(_NUMBERS))
    issued = await site.issuer.http.post("/api/directives", json=directive)
    assert issued.status_code == 201, issued.text
    report = {
        "directive_id": directive_id,
        "unit_id": CHILD,
        "requirement_id": "r1",
        "values": {"sessions": "2"},
    }

    async def filed() -> bool:
        answer = await site.reporter.http.post("/api/submissions", json=report)
        return answer.status_code in (200, 201)

    await eventually(filed, 30, "the chi bộ's report filed")
    return f"/reports/{directive_id}/{CHILD}/r1"


def signed_link(site: Site, page: str) -> str:
    directive_id = page.split("/")[2]
    links = Links(site.settings, parse_clock("real", None))
    return f"/r/{links.token(directive_id, CHILD, 'r1', None, datetime.now(UTC))}"


async def test_the_report_page_is_drawn_in_the_console_frame(site):
    page = await reported(site)
    directive_id = page.split("/")[2]
    shown = await site.call("reporter", "GET", page, "chuyenvien.snv")
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert 'aria-label="Điều hướng chính"' in html and "Đăng xuất" in html
    assert '<a href="/reviews" aria-current="page">' not in html  # not under /reviews
    assert 'href="/reviews"' in html and f'href="/directives/{directive_id}"' in html
    assert "<h1>Báo cáo của Chi bộ Văn phòng Sở</h1>" in html
    assert 'name="decision" value="return"' in html  # the review form, as before
    assert f'action="{page}/revoke"' in html and "Thu hồi đường dẫn báo cáo" in html
    assert 'id="link-revoked"' not in html

    # a clerk reads it, but neither reviews nor revokes: no form it could not use
    clerk = await site.call("reporter", "GET", page, "vanthu.snv")
    assert clerk.status_code == 200 and "Báo cáo của Chi bộ Văn phòng Sở" in clerk.text
    assert f'action="{page}/revoke"' not in clerk.text
    assert 'value="accept"' not in clerk.text

    unknown = await site.call("reporter", "GET", f"/reports/khong-co/{CHILD}/r1", "lanhdao.snv")
    assert unknown.status_code == 404 and "Không tìm thấy" in unknown.text
    assert 'aria-label="Điều hướng chính"' in unknown.text


async def test_revoking_the_link_from_the_page(site):
    page = await reported(site)
    link = signed_link(site, page)
    assert (await site.call("reporter", "GET", link, None)).status_code == 200
    revoke = f"{page}/revoke"

    assert (await site.call("reporter", "POST", revoke, None)).status_code == 401
    for who in ("chuyenvien.khdt", "vanthu.snv"):  # another committee; no such role
        refused = await site.call("reporter", "POST", revoke, who)
        assert refused.status_code == 403, (who, refused.text)
        assert "Tài khoản" in refused.text and "thu hồi đường dẫn báo cáo" in refused.text
    assert (await site.call("reporter", "GET", link, None)).status_code == 200  # still open

    done = await site.call("reporter", "POST", revoke, "chuyenvien.snv")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{page}?revoked=true"
    after = await site.call("reporter", "GET", done.headers["location"], "chuyenvien.snv")
    assert after.status_code == 200
    assert re.search(
        r'id="message"[^>]*>Đã thu hồi đường dẫn báo cáo của Chi bộ Văn phòng Sở', after.text
    )
    state = re.search(r'<p class="warning" id="link-revoked">([^<]*)</p>', after.text)
    assert state and "chuyenvien.snv" in state.group(1) and " giờ " in state.group(1)
    assert f'action="{revoke}"' not in after.text  # nothing left to revoke

    gone = await site.call("reporter", "GET", link, None)
    assert gone.status_code == 410 and "Đường dẫn đã bị thu hồi" in gone.text

    async def on_the_trail() -> bool:
        audit = await site.call("issuer", "GET", "/audit?user=chuyenvien.snv", "lanhdao.snv")
        assert audit.status_code == 200 and 'aria-label="Điều hướng chính"' in audit.text
        # this test's own revocation: its row names the directive it revoked a link of
        rows = audit.text.split("<tr")
        return any("thu hồi đường dẫn báo cáo" in r and page.split("/")[2] in r for r in rows)

    await eventually(on_the_trail, 20, "the revocation on the audit page")


async def test_the_revoke_form_needs_the_csrf_token(site):
    """As a browser posts it: signed in on the form, the page's token in the form."""
    page = await reported(site)
    transport = site.clients["reporter"]._transport  # the same app, with a cookie jar
    async with httpx.AsyncClient(transport=transport, base_url="http://reporter") as browser:
        await browser.get("/login")
        token = browser.cookies["csrftoken"]
        signed_in = await browser.post(
            "/login",
            data={"csrftoken": token, "username": "chuyenvien.snv", "password": PASSWORD},
        )
        assert signed_in.status_code == 303, signed_in.text
        shown = await browser.get(page)
        assert f'value="{token}"' in shown.text
        forged = await browser.post(f"{page}/revoke", data={})
        assert forged.status_code == 403 and "Biểu mẫu đã hết hạn" in forged.text
        assert 'id="link-revoked"' not in (await browser.get(page)).text
        done = await browser.post(f"{page}/revoke", data={"csrftoken": token})
        assert done.status_code == 303, done.text
        assert 'id="link-revoked"' in (await browser.get(page)).text


async def test_the_audit_page_is_drawn_in_the_console_frame(site):
    audit = await site.call("issuer", "GET", "/audit", "lanhdao.snv")
    assert audit.status_code == 200, audit.text
    html = audit.text
    assert "<h1>Nhật ký thao tác</h1>" in html and "Đăng xuất" in html
    assert '<a href="/audit" aria-current="page">' in html
    assert 'name="unit"' in html and 'name="since"' in html
    assert 'href="/api/audit?format=csv"' in html
    # the filter form as a browser sends it, the dates left empty
    form = "/audit?unit=&user=lanhdao.snv&since=&until="
    filtered = await site.call("issuer", "GET", form, "lanhdao.snv")
    assert filtered.status_code == 200, filtered.text
    assert 'value="lanhdao.snv"' in filtered.text
    bad = await site.call("issuer", "GET", "/audit?since=2024-13-01", "lanhdao.snv")
    assert bad.status_code == 422
    assert (await site.call("issuer", "GET", "/audit", "chuyenvien.snv")).status_code == 403
