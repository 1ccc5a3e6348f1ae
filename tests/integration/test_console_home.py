"""The console's home (/) and a directive's page (/directives/{id}) on the real issuer,
reporter and aggregator in this process, on a real nats-server.

Đảng ủy Khối issues P to its four grassroots committees: a plan due in three days and a
results report already due yesterday. Đảng ủy Sở Nội vụ issues its own plan S (basis P)
to its chi bộ, which chidao files as its plan on P; Đảng ủy Sở Kế hoạch và Đầu tư
reports late, and Đảng ủy Khối returns it; a chi bộ reports on S. Each page shows those
counts and statuses for the unit signed in, its filters keep the right rows, and the
scope rules refuse another branch."""

from __future__ import annotations

import html
import re
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
import pytest_asyncio

from services.aggregator.app import create_service as aggregator_service
from services.issuer.app import create_service as issuer_service
from services.reporter.app import create_service as reporter_service
from shared.clock import VN_TZ
from shared.contacts import announce_contact, contact_event
from shared.contracts.directives import directive_id
from shared.directory import Directory
from shared.settings import Settings
from tests.accounts import signed_in_accounts
from tests.factories import FIGURES, vn_midnight
from tests.inprocess import Running, anonymous_client, demo_units, serving
from tests.support import OPERATOR_HEADERS, eventually

pytestmark = pytest.mark.integration

KHOI = "duk-cqdn-hung-yen"
SNV, SKHDT, SGDDT, BHXH = "du-so-noi-vu-hy", "du-so-khdt-hy", "du-so-gddt-hy", "db-bhxh-hy"
CHI_BO = "cb-snv-van-phong"
P_REF, S_REF = "301-KH/ĐUK", "302-KH/ĐU"
P, S = directive_id(P_REF, KHOI), directive_id(S_REF, SNV)
ACCOUNTS = {
    "lanhdao.khoi": (KHOI, "lanh_dao"),
    "chuyenvien.khoi": (KHOI, "chuyen_vien"),
    "vanthu.snv": (SNV, "van_thu"),
    "vanthu.khdt": (SKHDT, "van_thu"),
    "canbo.btg": ("btg-tu-hung-yen", "van_thu,chuyen_vien,lanh_dao"),  # another branch
}


def _directive(ref, unit, issuer, requirements, kinds, basis=()):
    return {
        "kind": "KH", "ref": ref, "issued_on": datetime.now(VN_TZ).date().isoformat(),
        "place": "Hưng Yên", "issuer_unit": unit, "issuer": issuer,
        "title": "Tổ chức hội nghị học tập nghị quyết (thử trang chủ)",
        "basis": list(basis), "addressees": [{"under": unit, "kinds": kinds}],
        "requirements": requirements,
    }  # fmt: skip


PARENT = _directive(
    P_REF, KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
    [{"id": "plan", "action": "ban hành kế hoạch thực hiện", "due_before": vn_midnight(3)},
     {"id": "report", "action": "báo cáo kết quả thực hiện", "due_before": vn_midnight(-1)}],
    ["grassroots_committee"],
)  # fmt: skip
PLAN = _directive(
    S_REF, SNV, "Đảng ủy Sở Nội vụ",
    [{"id": "r1", "action": "báo cáo kết quả thực hiện", "due_before": vn_midnight(30)}],
    ["chi_bo"], basis=[{"kind": "KH", "ref": P_REF, "issued_on": PARENT["issued_on"]}],
)  # fmt: skip


@dataclass
class Site:
    aggregator: httpx.AsyncClient  # anonymous: each call names its account
    tokens: dict[str, dict[str, str]]
    reporter: Running  # the units' signed pages

    async def page(self, path: str, who: str | None = None) -> httpx.Response:
        self.aggregator.cookies.clear()
        return await self.aggregator.get(path, headers=self.tokens[who] if who else {})


async def _post(client: httpx.AsyncClient, path: str, body: dict) -> dict:
    answer = await client.post(path, json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        issuer, reporter, aggregator = [
            await stack.enter_async_context(serving(create, settings))
            for create in (issuer_service, reporter_service, aggregator_service)
        ]
        anonymous = await stack.enter_async_context(anonymous_client(aggregator.service))
        tokens = await signed_in_accounts(nats_url, issuer.http, ACCOUNTS)
        await _campaign(issuer.http, reporter.http)
        await eventually(lambda: _rolled_up(anonymous), 30, "the campaign rolled up")
        anonymous.cookies.clear()
        yield Site(anonymous, tokens, reporter)


async def _campaign(issuer: httpx.AsyncClient, reporter: httpx.AsyncClient) -> None:
    """Both directives issued (as the operator), the reports in, one of them returned."""
    # P's results report is due yesterday on purpose (its overdue units): the operator
    # issues it knowingly
    await _post(issuer, "/api/directives?allow_past=true", PARENT)
    await _post(issuer, "/api/directives", PLAN)

    async def submitted(directive: str, unit: str, requirement: str, values: dict) -> bool:
        body = {"directive_id": directive, "unit_id": unit, "requirement_id": requirement,
                "values": values}  # fmt: skip
        answer = await reporter.post("/api/submissions", json=body)
        return answer.status_code in (200, 201)

    await eventually(lambda: submitted(P, SKHDT, "report", FIGURES), 30, "the late report")
    await eventually(lambda: submitted(S, CHI_BO, "r1", FIGURES), 30, "the chi bộ's report")
    review = {"decision": "return", "reason": "Bổ sung số liệu."}
    await _post(reporter, f"/api/submissions/{P}/{SKHDT}/report/review", review)


async def _rolled_up(aggregator: httpx.AsyncClient) -> bool:
    """Both directives known to the aggregator and the returned report counted: every
    test may then ask about them, in any order."""
    home = await aggregator.get("/", headers=OPERATOR_HEADERS)
    issued = await aggregator.get(f"/directives/{P}", headers=OPERATOR_HEADERS)
    listed = all(f'href="/directives/{d}"' in home.text for d in (P, S))
    return listed and "Bị trả lại (1)" in issued.text


def _text(page: httpx.Response) -> str:
    """The page's words, tags and repeated spaces aside."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


async def _eventually_page(site: Site, path: str, who: str, *wanted: str) -> str:
    async def shows() -> str:
        page = await site.page(path, who)
        assert page.status_code == 200, page.text
        # the words, and the attributes' (a progress bar's label)
        text = _text(page) + html.unescape(page.text)
        return page.text if all(w in text for w in wanted) else ""

    return await eventually(shows, 30, f"{path} showing {wanted}")


async def test_the_issuer_s_home_shows_its_directive_with_its_progress(site):
    page = await _eventually_page(
        site, "/", "lanhdao.khoi",
        "2/8 báo cáo đã nộp: 1 đúng hạn, 1 nộp muộn, 3 quá hạn chưa nộp, 3 chưa đến hạn",
    )  # fmt: skip
    text = _text(httpx.Response(200, text=page))
    assert "Văn bản đơn vị đã ban hành" in text and "Văn bản cấp trên giao" in text
    assert f'href="/directives/{P}"' in page
    assert "Kế hoạch số 301-KH/ĐUK" in text
    assert "Hạn tiếp theo: trước ngày" in text
    assert 'class="bar-late"' in page and 'class="bar-overdue"' in page
    # Đảng ủy Khối has nothing from above in this test: said in words
    assert "Chưa có văn bản nào." in text


async def test_a_committee_s_home_shows_what_came_from_above_and_what_it_issued(site):
    # once its plan, filed by the reporter as its report on P's plan, is rolled up ("Đã
    # nộp đúng hạn"; P's results report is overdue); "nothing to send" alone shows
    # before its assignments from above are there
    page = await _eventually_page(
        site, "/", "vanthu.snv", "Kế hoạch số 302-KH/ĐU", "Không có báo cáo nào phải nộp",
        "Đã nộp đúng hạn", "Quá hạn chưa nộp",
    )  # fmt: skip
    text = _text(httpx.Response(200, text=page))
    assert f'href="/directives/{P}/synthesis"' in page  # Lập báo cáo
    assert f'href="/issue?basis={P}"' in page  # Ban hành kế hoạch thực hiện
    assert "Lập báo cáo" in text and "Ban hành kế hoạch thực hiện" in text
    assert "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh" in text
    # nothing left to send this week: the plan is in, the report's deadline is past
    assert "Không có báo cáo nào phải nộp trong 7 ngày tới." in text


async def test_what_is_due_this_week_is_grouped_apart(site):
    page = await _eventually_page(
        site, "/", "vanthu.khdt", "Ban hành kế hoạch thực hiện: trước ngày", "Bị trả lại"
    )
    week = page.split('id="week"', 1)[1].split("</section>", 1)[0]
    assert f'href="/directives/{P}"' in week
    assert "Ban hành kế hoạch thực hiện: trước ngày" in _text(httpx.Response(200, text=week))
    assert "Bị trả lại" in _text(httpx.Response(200, text=page))


async def test_the_directive_page_lists_the_child_units_with_their_status(site):
    page = await _eventually_page(
        site, f"/directives/{P}", "chuyenvien.khoi", "Bị trả lại (1)", "Kế hoạch của đơn vị",
        f'href="/reports/{P}/{SNV}/plan"',  # its plan, filed as its report: rolled up last
    )  # fmt: skip
    text = _text(httpx.Response(200, text=page))
    assert "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh" in text
    assert "Ban hành kế hoạch thực hiện" in text and "Báo cáo kết quả thực hiện" in text
    assert re.search(r"Nộp muộn [12] ngày", text)  # due at midnight starting yesterday
    assert f'href="/reports/{P}/{SKHDT}/report"' in page  # Xem báo cáo
    assert f'href="/reports/{P}/{SNV}/plan"' in page
    assert f'href="/reports/{P}/{SGDDT}/report"' not in page  # nothing sent: no link
    # the cascade: Đảng ủy Sở Nội vụ's own plan, linked from its row and the list
    cascade = page.split('id="cascade"', 1)[1]
    assert f'href="/directives/{S}"' in cascade and "Kế hoạch số 302-KH/ĐU" in cascade
    assert f'href="/directives/{P}/synthesis"' in page
    assert f'href="/directives/{P}/status"' in page
    assert 'class="filters"' in page


def _rows(page: str, requirement: str) -> list[str]:
    """The unit names of a requirement's table."""
    section = page.split(f'id="req-{requirement}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)', section)


async def test_the_filters_keep_the_rows_of_their_status(site):
    # the filter counts the returned report once it is rolled up (the label is always there)
    await _eventually_page(site, f"/directives/{P}", "chuyenvien.khoi", "Bị trả lại (1)")
    late = (await site.page(f"/directives/{P}?status=late", "chuyenvien.khoi")).text
    assert _rows(late, "report") == ["Đảng ủy Sở Kế hoạch và Đầu tư tỉnh Hưng Yên"], late
    assert re.search(r'<a href="\?status=late" aria-current="true">Nộp muộn \(1\)</a>', late)
    assert 'href="?" aria-current' not in late  # only the active one is marked
    assert "Không có đơn vị nào ở trạng thái này." in late  # the plan has none late
    returned = (await site.page(f"/directives/{P}?status=returned", "chuyenvien.khoi")).text
    assert _rows(returned, "report") == _rows(late, "report")
    overdue = (await site.page(f"/directives/{P}?status=overdue", "chuyenvien.khoi")).text
    assert len(_rows(overdue, "report")) == 3
    assert "Đảng ủy Sở Nội vụ" in _rows(overdue, "report")
    everything = (await site.page(f"/directives/{P}", "chuyenvien.khoi")).text
    assert len(_rows(everything, "report")) == len(_rows(everything, "plan")) == 4
    assert 'href="?" aria-current="true"' in everything


async def test_a_committee_sees_its_own_plan_s_chi_bo(site):
    # the chi bộ's report rolled up: its row links to it
    page = await _eventually_page(
        site, f"/directives/{S}", "vanthu.snv", f'href="/reports/{S}/{CHI_BO}/r1"'
    )
    assert "Chi bộ Văn phòng Sở" in _text(httpx.Response(200, text=page))
    assert f'href="/directives/{P}"' in page  # what it implements
    # and on P, the page is for its own unit: its own report's status
    mine = "Báo cáo của Đảng ủy Sở Nội vụ: Đã nộp đúng hạn"
    on_p = _text(
        httpx.Response(
            200, text=await _eventually_page(site, f"/directives/{P}", "vanthu.snv", mine)
        )
    )
    assert "Đơn vị đang xem Đảng ủy Sở Nội vụ" in on_p
    assert "Báo cáo của Đảng ủy Sở Nội vụ: Đã nộp đúng hạn" in on_p
    # the same page, as the parent's staff open it for that child
    theirs = await site.page(f"/directives/{P}?unit={SNV}", "chuyenvien.khoi")
    assert theirs.status_code == 200, theirs.text
    assert "Báo cáo của Đảng ủy Sở Nội vụ: Đã nộp đúng hạn" in _text(theirs)
    assert f'href="?unit={SNV}&amp;status=late"' in theirs.text  # the filters keep the unit


async def test_another_branch_and_a_sibling_are_refused(site):
    for who, path in (
        ("canbo.btg", f"/directives/{P}"),
        ("vanthu.khdt", f"/directives/{S}"),  # a sibling's own plan
        ("vanthu.snv", f"/directives/{P}?unit={SKHDT}"),  # a sibling's rows
    ):
        refused = await site.page(path, who)
        assert refused.status_code == 403, (who, path, refused.text)
        assert "phạm vi" in refused.text, refused.text


async def test_anonymous_is_sent_to_sign_in(site):
    for path in ("/", f"/directives/{P}"):
        answer = await site.page(path)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"].startswith("/login?next=%2F")


async def test_an_unknown_directive_or_unit_is_a_vietnamese_404(site):
    missing = await site.page("/directives/khong-co-van-ban-nay", "lanhdao.khoi")
    assert missing.status_code == 404
    assert "Không tìm thấy văn bản này" in missing.text and 'lang="vi"' in missing.text
    outside = await site.page(f"/directives/{P}?unit=btg-tu-hung-yen", "lanhdao.khoi")
    assert outside.status_code == 404
    assert "không thuộc phạm vi thực hiện văn bản" in outside.text


async def test_the_operator_sees_every_directive(site):
    site.aggregator.cookies.clear()

    async def both_listed() -> str:
        answer = await site.aggregator.get("/", headers=OPERATOR_HEADERS)
        assert answer.status_code == 200, answer.text
        wanted = (f'href="/directives/{P}"', f'href="/directives/{S}"')
        return answer.text if all(w in answer.text for w in wanted) else ""

    # once the aggregator has consumed both directives (this test may run first)
    await eventually(both_listed, 30, "both directives on the operator's home")


async def test_a_unit_mailed_and_one_that_opened_its_link_show_so_until_they_report(site):
    """The notifier says Đảng ủy Sở Giáo dục was mailed its plan; the BHXH committee
    opens its signed link (the reporter says so): the parent's page shows each, and
    each status's filter keeps its row only."""
    names = Directory(demo_units())
    now = datetime.now(VN_TZ)
    mailed = contact_event("mailed", P, SGDDT, "plan", now)
    await announce_contact(site.reporter.service.broker, mailed)
    due = datetime.fromisoformat(PARENT["requirements"][0]["due_before"])
    token = site.reporter.service.deps.links.token(P, BHXH, "plan", due, now)
    opened = await site.reporter.http.get(f"/r/{token}")
    assert opened.status_code == 200, opened.text

    path = f"/directives/{P}?status=opened"
    shown = await _eventually_page(site, path, "chuyenvien.khoi", names.name(BHXH))
    assert _rows(shown, "plan") == [names.name(BHXH)]
    row = shown.split(f">{names.name(BHXH)}<", 1)[1].split("</tr>", 1)[0]
    assert "Đã mở đường dẫn" in row and "Chưa đến hạn" in row
    mailed = await site.page(f"/directives/{P}?status=mailed", "chuyenvien.khoi")
    assert _rows(mailed.text, "plan") == [names.name(SGDDT)]
    assert _rows(mailed.text, "report") == []  # mailed about the plan, not the report
    everything = _text(await site.page(f"/directives/{P}", "chuyenvien.khoi"))
    assert "Đã gửi thư (1)" in everything and "Đã mở đường dẫn (1)" in everything
