"""The console's administration pages on the real services (issuer, reporter,
aggregator in this process, on a real nats-server): a quan_tri changes a chi bộ's
e-mail addresses and the directory holds them (audited under the unit), a wrong address
is refused and kept in the form, another branch's administrator and a specialist are
refused; accounts are added, their roles set, disabled (the disabled account's session
then refused) and an administrator cannot lock itself out; the lateness ranking counts
a late report."""

from __future__ import annotations

import html
import re
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from chidao.runtime.admin import store_directory
from services.aggregator.app import create_service as aggregator_service
from services.issuer.app import create_service as issuer_service
from services.reporter.app import create_service as reporter_service
from shared.auth.accounts import read_account
from shared.auth.audit import read_entries
from shared.contracts import Unit
from shared.directory import unit_key
from shared.settings import Settings
from shared.topology import DIRECTORY
from tests.accounts import PASSWORD, add_account_async
from tests.factories import FIGURES, attached, committee_with_chi_bo, directive_to_chi_bo
from tests.inprocess import anonymous_client, demo_units, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

PARENT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ
CHILD = "cb-snv-van-phong"  # Chi bộ Văn phòng Sở
OTHER_CHILD = "cb-snv-cchc"
SIBLING = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư: another branch
BIG = "du-lon"  # a committee with 250 chi bộ: its units page comes in pages
# a deadline already passed: the chi bộ's report is late, the others' overdue
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Nội vụ", "52-KH/ĐU", "Thử xếp hạng nộp muộn",
    due_before="2024-07-01T00:00:00+07:00",
)  # fmt: skip
DIRECTIVE_ID = "52-kh-du--" + PARENT
REPORT = {
    "directive_id": DIRECTIVE_ID,
    "unit_id": CHILD,
    "requirement_id": "r1",
    "values": {**FIGURES, "report_file": attached("bao-cao.pdf", b"%PDF-1.4\n% bao cao\n%%EOF\n")},
}
ACCOUNTS = {
    "quantri.snv": (PARENT, "quan_tri"),
    "chuyenvien.snv": (PARENT, "chuyen_vien"),
    "vanthu.snv": (PARENT, "van_thu"),
    "quantri.khdt": (SIBLING, "quan_tri"),
    "vanthu.cb": (CHILD, "van_thu"),
    "ketoan.cb": (CHILD, "chuyen_vien"),
    # disabled by its own test: signing out everywhere ends its tokens, enabled or not
    "thuquy.cb": (CHILD, "van_thu"),
    "quantri.lon": (BIG, "quan_tri"),
}


@dataclass
class Site:
    clients: dict[str, httpx.AsyncClient]
    tokens: dict[str, dict[str, str]]
    js: Any

    async def post(self, who: str, path: str, data: dict) -> httpx.Response:
        issuer = self.clients["issuer"]
        issuer.cookies.clear()  # a bearer token and no cookie: no CSRF check
        return await issuer.post(path, data=data, headers=self.tokens[who])

    async def get(self, who: str, path: str, service: str = "issuer") -> httpx.Response:
        client = self.clients[service]
        client.cookies.clear()
        return await client.get(path, headers=self.tokens[who])


async def _token(issuer: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict:
    issuer.cookies.clear()  # a script's call: no cookie, so no CSRF check
    answer = await issuer.post(
        "/api/auth/tokens", json={"username": username, "password": password}
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    await store_directory(nats_url, demo_units() + committee_with_chi_bo(BIG, 250))
    async with AsyncExitStack() as stack:
        running = {
            name: await stack.enter_async_context(serving(create, settings))
            for name, create in (
                ("issuer", issuer_service),
                ("reporter", reporter_service),
                ("aggregator", aggregator_service),
            )
        }
        clients = {
            name: await stack.enter_async_context(anonymous_client(r.service))
            for name, r in running.items()
        }
        tokens = {}
        for username, (unit, roles) in ACCOUNTS.items():
            await add_account_async(nats_url, username, unit, roles)
            tokens[username] = await _token(clients["issuer"], username)
        yield Site(clients, tokens, running["issuer"].service.js)


async def _stored_unit(site: Site, unit_id: str) -> Unit:
    kv = await site.js.key_value(DIRECTORY.name)
    return Unit.model_validate_json((await kv.get(unit_key(unit_id))).value)


async def test_a_quan_tri_changes_a_chi_bo_s_addresses_and_the_directory_holds_them(site):
    before = await _stored_unit(site, CHILD)
    answer = await site.post(
        "quantri.snv",
        f"/units/{CHILD}/emails",
        {
            "emails": "VanPhong@SNV.example.org, chibo2@snv.example.org",
            "shown": "\n".join(before.emails),
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/units?done=emails&unit={CHILD}")
    stored = await _stored_unit(site, CHILD)
    assert stored.emails == ["VanPhong@snv.example.org", "chibo2@snv.example.org"]
    assert stored.model_copy(update={"emails": before.emails}) == before  # nothing else

    page = await site.get("quantri.snv", answer.headers["location"])
    assert page.status_code == 200
    assert "Đã cập nhật địa chỉ thư điện tử của Chi bộ Văn phòng Sở." in page.text
    assert "chibo2@snv.example.org" in page.text

    async def audited() -> list:
        return [
            e
            async for e in read_entries(site.js)
            if e.action == "unit.edit" and e.actor == "quantri.snv" and e.outcome == "ok"
        ]

    entries = await eventually(audited, 15, "the change on the audit trail")
    assert entries[-1].target_unit_id == CHILD


async def test_a_wrong_address_is_refused_and_kept_in_the_form(site):
    before = await _stored_unit(site, OTHER_CHILD)
    typed = "dung@snv.example.org\nkhong-phai-dia-chi"
    answer = await site.post(
        "quantri.snv",
        f"/units/{OTHER_CHILD}/emails",
        {"emails": typed, "shown": "\n".join(before.emails)},
    )
    assert answer.status_code == 422, answer.text
    assert "“khong-phai-dia-chi” không phải là địa chỉ thư điện tử hợp lệ" in answer.text
    assert html.escape(typed, quote=False) in answer.text  # what was typed, to correct
    assert (await _stored_unit(site, OTHER_CHILD)) == before

    stale = await site.post(
        "quantri.snv",
        f"/units/{OTHER_CHILD}/emails",
        {"emails": "moi@snv.example.org", "shown": "cu@snv.example.org"},
    )
    assert stale.status_code == 422
    assert "vừa được người khác thay đổi" in stale.text
    assert (await _stored_unit(site, OTHER_CHILD)) == before


async def test_another_branch_s_admin_and_a_specialist_may_not_edit(site):
    data = {"emails": "x@snv.example.org", "shown": ""}
    other = await site.post("quantri.khdt", f"/units/{CHILD}/emails", data)
    assert other.status_code == 403, other.text
    assert "không thuộc" in other.text and "phạm vi" in other.text
    specialist = await site.post("chuyenvien.snv", f"/units/{CHILD}/emails", data)
    assert specialist.status_code == 403
    assert "quản trị" in specialist.text  # the role it would need
    # a parent is not in a child's subtree either
    upward = await site.post("ketoan.cb", f"/units/{PARENT}/emails", data)
    assert upward.status_code == 403


async def test_the_units_page_lists_the_subtree_searched_without_accents(site):
    page = await site.get("chuyenvien.snv", "/units?q=van phong")
    assert page.status_code == 200, page.text
    assert "Chi bộ Văn phòng Sở" in page.text
    assert "Chi bộ Phòng Cải cách hành chính" not in page.text
    assert "Sửa địa chỉ thư" not in page.text  # a specialist has no edit form
    whole = await site.get("quantri.snv", "/units")
    assert "Đảng ủy Sở Nội vụ" in whole.text and "Sửa địa chỉ thư" in whole.text
    assert "Đảng ủy Sở Kế hoạch và Đầu tư" not in whole.text  # a sibling branch
    assert "<strong>11</strong> đơn vị" in whole.text  # itself, 9 chi bộ, its leaders
    assert f'href="/units/lateness?unit={PARENT}"' in whole.text


async def test_a_big_subtree_comes_in_pages(site):
    first = await site.get("quantri.lon", "/units")
    assert first.status_code == 200, first.text
    assert "<strong>251</strong> đơn vị" in first.text
    assert first.text.count('<li class="unit ') == 100
    assert "Trang 1/3" in first.text and "page=2" in first.text
    last = await site.get("quantri.lon", "/units?page=3")
    assert last.text.count('<li class="unit ') == 51
    assert "Chi bộ số 250 (du-lon)" in last.text
    found = await site.get("quantri.lon", "/units?q=CHI BO SO 25")
    assert "tìm thấy <strong>2</strong> đơn vị" in found.text  # 25 and 250
    # a refused form on the third page is shown again there, open, with its error
    refused = await site.post(
        "quantri.lon", f"/units/{BIG}-cb250/emails", {"emails": "sai@", "shown": ""}
    )
    assert refused.status_code == 422
    assert "Trang 3/3" in refused.text and f'id="error-{BIG}-cb250"' in refused.text


async def test_accounts_are_added_with_their_roles_and_refused_outside_the_subtree(site):
    added = await site.post(
        "quantri.snv",
        "/accounts",
        {"username": "thuky.cb", "display_name": "Ngô Thị Thu", "unit_id": CHILD,
         "roles": ["van_thu", "chuyen_vien"], "password": "mat-khau-rat-dai-2026"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    account = await read_account(site.js, "thuky.cb")
    assert account is not None and account.unit_id == CHILD
    assert {r.value for r in account.roles} == {"van_thu", "chuyen_vien"}
    await _token(site.clients["issuer"], "thuky.cb", "mat-khau-rat-dai-2026")

    generated = await site.post(
        "quantri.snv",
        "/accounts",
        {
            "username": "tructiep.cb",
            "display_name": "Lý Văn Sơn",
            "unit_id": CHILD,
            "roles": "van_thu",
        },
    )
    assert generated.status_code == 200, generated.text
    shown = re.search(r'<p class="secret"><code>([^<]+)</code>', generated.text)
    assert shown, generated.text
    await _token(site.clients["issuer"], "tructiep.cb", html.unescape(shown.group(1)))

    short = await site.post(
        "quantri.snv",
        "/accounts",
        {"username": "ngan.cb", "display_name": "Đinh Văn Ngắn", "unit_id": CHILD,
         "roles": "van_thu", "password": "ngan-qua"},
    )  # fmt: skip
    assert short.status_code == 422
    assert "Mật khẩu cần ít nhất 12 ký tự" in short.text
    assert 'value="ngan.cb"' in short.text and 'value="Đinh Văn Ngắn"' in short.text
    assert "ngan-qua" not in short.text  # a password is never sent back
    assert await read_account(site.js, "ngan.cb") is None

    outside = await site.post(
        "quantri.snv",
        "/accounts",
        {"username": "la.khdt", "display_name": "Người Lạ", "unit_id": SIBLING, "roles": "van_thu"},
    )
    assert outside.status_code == 403
    assert await read_account(site.js, "la.khdt") is None
    page = await site.get("quantri.snv", "/accounts")
    assert "thuky.cb" in page.text and "quantri.khdt" not in page.text
    assert (await site.get("chuyenvien.snv", "/accounts")).status_code == 403


async def test_roles_are_set_and_an_admin_cannot_lock_itself_out(site):
    roles = await site.post(
        "quantri.snv", "/accounts/vanthu.snv/roles", {"roles": ["van_thu", "lanh_dao"]}
    )
    assert roles.status_code == 303, roles.text
    account = await read_account(site.js, "vanthu.snv")
    assert account is not None and {r.value for r in account.roles} == {"van_thu", "lanh_dao"}

    dropped = await site.post(
        "quantri.snv", "/accounts/quantri.snv/roles", {"roles": "chuyen_vien"}
    )
    assert dropped.status_code == 422
    assert "Không thể tự bỏ vai trò quản trị" in dropped.text
    myself = await site.post("quantri.snv", "/accounts/quantri.snv/disable", {})
    assert myself.status_code == 422
    assert "Không thể tự khóa tài khoản của chính mình" in myself.text
    me = await read_account(site.js, "quantri.snv")
    assert me is not None and not me.disabled and {r.value for r in me.roles} == {"quan_tri"}
    other = await site.post("quantri.khdt", "/accounts/vanthu.snv/disable", {})
    assert other.status_code == 403


async def test_a_disabled_account_s_session_is_refused(site):
    transport = site.clients["issuer"]._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://issuer") as browser:
        await browser.get("/login")
        signed_in = await browser.post(
            "/login",
            data={
                "csrftoken": browser.cookies["csrftoken"],
                "username": "thuquy.cb",
                "password": PASSWORD,
            },
        )
        assert signed_in.status_code == 303, signed_in.text
        assert (await browser.get("/api/me")).status_code == 200
        disabled = await site.post("quantri.snv", "/accounts/thuquy.cb/disable", {})
        assert disabled.status_code == 303, disabled.text

        async def refused() -> bool:
            return (await browser.get("/api/me")).status_code == 401

        await eventually(refused, 15, "the disabled account's session refused")

    async def audited() -> list:
        return [
            e
            async for e in read_entries(site.js)
            if e.action == "account.manage" and e.detail.startswith("disable account thuquy.cb")
        ]

    entry = (await eventually(audited, 15, "the disabling on the audit trail"))[-1]
    assert entry.actor == "quantri.snv" and entry.target_unit_id == CHILD
    page = await site.get("quantri.snv", "/accounts?done=disabled&user=thuquy.cb")
    assert "Đã khóa tài khoản thuquy.cb" in page.text
    enabled = await site.post("quantri.snv", "/accounts/thuquy.cb/enable", {})
    assert enabled.status_code == 303
    account = await read_account(site.js, "thuquy.cb")
    assert account is not None and not account.disabled


async def test_the_lateness_ranking_counts_a_late_report(site):
    issued = await site.clients["issuer"].post(  # due in 2024: a late report, on purpose
        "/api/directives?allow_past=true", json=DIRECTIVE, headers=site.tokens["vanthu.snv"]
    )
    assert issued.status_code == 201, issued.text

    async def filed() -> bool:
        answer = await site.clients["reporter"].post(
            "/api/submissions", json=REPORT, headers=site.tokens["vanthu.cb"]
        )
        return answer.status_code in (200, 201)

    await eventually(filed, 30, "the chi bộ's late report filed")

    async def ranked() -> str | None:
        page = await site.get("chuyenvien.snv", "/units/lateness", "aggregator")
        assert page.status_code == 200, page.text
        return page.text if "Nộp muộn: <strong>1</strong>" in page.text else None

    text = await eventually(ranked, 30, "the late report in the ranking")
    first = text.index('class="card rank-row"')
    assert "Chi bộ Văn phòng Sở" in text[first : first + 600]  # the one late: first
    assert "Quá hạn chưa nộp: <strong>1</strong>" in text  # the eight others: overdue
    refused = await site.get("quantri.khdt", f"/units/lateness?unit={CHILD}", "aggregator")
    assert refused.status_code == 403
