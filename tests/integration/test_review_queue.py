"""The review queue (/reviews) on the real issuer and reporter in this process, on a real
nats-server: a directive to a committee's chi bộ, their reports sent through the API, a
signed link and an approved synthesis; the parent's queue lists them oldest first and
nobody else's does; a sibling committee is refused one by one; several are accepted at
once; a returned report leaves the queue and comes back when sent again; a redelivered
filing writes the same item, and one lost in a crash is put back by the next.

Each test issues its own directive; the queue is read back through the adapter, by the
reviewing unit's keys, as the page reads it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio

from services.issuer.app import create_service as issuer_service
from services.reporter.adapters.review_queue import QueueItem, item_key
from services.reporter.app import create_service as reporter_service
from services.reporter.deps import Deps
from services.reporter.handlers.filings import file_plan, file_synthesis
from services.reporter.reviews import MAX_SELECTED
from shared.auth.audit import read_entries
from shared.contracts import Directive, DirectiveIssued, SynthesisApproved
from shared.settings import Settings
from shared.topology import REPORTER_QUEUE
from tests.accounts import signed_in_accounts
from tests.factories import FAR, directive_to_chi_bo, numbered
from tests.inprocess import Running, anonymous_client, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

PARENT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ
SIBLING = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư: another branch
CHI_BO = {
    "cb-snv-van-phong": "Chi bộ Văn phòng Sở",
    "cb-snv-to-chuc-bien-che": "Chi bộ Phòng Tổ chức - Biên chế",
    "cb-snv-cchc": "Chi bộ Phòng Cải cách hành chính",
    "cb-snv-thanh-tra": "Chi bộ Thanh tra Sở",
}
VP, TCBC, CCHC, TT = CHI_BO
DIRECTIVE = directive_to_chi_bo(PARENT, "Đảng ủy Sở Nội vụ", "61-KH/ĐU", "Thử hàng chờ duyệt")
ACCOUNTS = {
    "chuyenvien.snv": (PARENT, "chuyen_vien"),
    "vanthu.snv": (PARENT, "van_thu"),
    "canbo.khdt": (SIBLING, "van_thu,chuyen_vien,lanh_dao"),
}
_NUMBERS = count(610)


@dataclass
class Site:
    issuer: Running
    reporter: Running
    staff: httpx.AsyncClient  # the reporter's app, with no operator token
    tokens: dict[str, dict[str, str]]

    @property
    def deps(self) -> Deps:
        return self.reporter.service.deps

    async def get(self, path: str, who: str) -> httpx.Response:
        self.staff.cookies.clear()  # a script's call: no cookie, so no CSRF check
        return await self.staff.get(path, headers=self.tokens[who])

    async def post(self, path: str, who: str, data: dict | list) -> httpx.Response:
        self.staff.cookies.clear()
        return await self.staff.post(path, data=data, headers=self.tokens[who])  # type: ignore[arg-type]


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        issuer = await stack.enter_async_context(serving(issuer_service, settings))
        reporter = await stack.enter_async_context(serving(reporter_service, settings))
        staff = await stack.enter_async_context(anonymous_client(reporter.service))
        tokens = await signed_in_accounts(nats_url, issuer.http, ACCOUNTS)
        yield Site(issuer, reporter, staff, tokens)


async def issue(site: Site) -> str:
    """A directive of this test's own to the parent's chi bộ, its assignments in: its id."""
    directive, directive_id = numbered(DIRECTIVE, next(_NUMBERS))
    answer = await site.issuer.http.post("/api/directives", json=directive)
    assert answer.status_code == 201, answer.text

    async def assigned() -> bool:
        return all([await site.deps.reports.assignment(directive_id, u, "r1") for u in CHI_BO])

    await eventually(assigned, 30, "the assignments at the reporter")
    return directive_id


async def submit(site: Site, directive_id: str, unit: str, sessions: int = 2) -> httpx.Response:
    """A chi bộ's report through the API (as the operator, who acts as any unit)."""
    report = {
        "directive_id": directive_id,
        "unit_id": unit,
        "requirement_id": "r1",
        "values": {"sessions": str(sessions)},
    }
    answer = await site.reporter.http.post("/api/submissions", json=report)
    assert answer.status_code in (200, 201), answer.text
    return answer


async def waiting(site: Site, directive_id: str, reviewer: str = PARENT) -> list[QueueItem]:
    return [i for i in await site.deps.queue.waiting(reviewer) if i.directive_id == directive_id]


def item(directive_id: str, unit: str) -> str:
    return f"{directive_id}/{unit}/r1"


async def test_reports_wait_in_the_parents_queue_oldest_first_and_in_no_one_elses(site):
    d = await issue(site)
    for unit in (TCBC, VP, CCHC):
        await submit(site, d, unit)
    link = site.deps.links.token(d, TT, "r1", None, datetime.now(UTC))
    posted = await site.reporter.http.post(f"/r/{link}", data={"sessions": "5"})
    assert posted.status_code == 201, posted.text

    queued = await waiting(site, d)
    assert [i.unit_id for i in queued] == [TCBC, VP, CCHC, TT]
    assert queued[0].unit_name == CHI_BO[TCBC] and queued[0].on_time
    assert queued[0].document == f"Kế hoạch số {d.split('-')[0]}-KH/ĐU"

    page = await site.get("/reviews", "chuyenvien.snv")
    assert page.status_code == 200, page.text
    body = page.text
    positions = [body.index(f'href="/reports/{item(d, u)}"') for u in (TCBC, VP, CCHC, TT)]
    assert positions == sorted(positions), "oldest first"
    assert all(CHI_BO[u] in body for u in CHI_BO)
    assert "Đúng hạn" in body and "Chấp nhận các báo cáo đã chọn" in body
    assert 'name="csrftoken"' in body

    theirs = await site.get("/reviews", "canbo.khdt")
    assert theirs.status_code == 200
    assert d not in theirs.text
    assert "Không có báo cáo nào đang chờ duyệt." in theirs.text

    refused = await site.post(
        "/reviews/accept", "canbo.khdt", {"item": [item(d, VP), item(d, TCBC)]}
    )
    assert refused.status_code == 303
    shown = await site.get(refused.headers["location"], "canbo.khdt")
    assert "Đã chấp nhận" not in shown.text
    assert "Không chấp nhận được 2 mục" in shown.text
    assert f"{CHI_BO[VP]} ({d}): báo cáo này không gửi đến đơn vị của tài khoản" in shown.text
    assert len(await waiting(site, d)) == 4, "nothing was accepted"

    clerk = await site.get("/reviews", "vanthu.snv")  # a clerk does not review
    assert clerk.status_code == 403 and "duyệt báo cáo" in clerk.text
    other = await site.get(f"/reviews?unit={SIBLING}", "chuyenvien.snv")
    assert other.status_code == 403


async def test_several_reports_are_accepted_at_once_each_as_its_own_page_would(site):
    d = await issue(site)
    for unit in (VP, TCBC, CCHC):
        await submit(site, d, unit)
    selected = [item(d, VP), item(d, CCHC), item(d, TT), "khong/hop/le.x", item(d, VP)]
    answer = await site.post("/reviews/accept", "chuyenvien.snv", {"item": selected})
    assert answer.status_code == 303, answer.text
    where = urlsplit(answer.headers["location"])
    assert where.path == "/reviews"
    assert parse_qs(where.query)["accepted"] == ["2"]

    shown = await site.get(answer.headers["location"], "chuyenvien.snv")
    assert "Đã chấp nhận 2 báo cáo." in shown.text
    document = f"Kế hoạch số {d.split('-')[0]}-KH/ĐU"
    assert f"{CHI_BO[TT]} ({document}): đơn vị chưa gửi báo cáo." in shown.text
    assert "mục đã chọn không hợp lệ" in shown.text
    assert [i.unit_id for i in await waiting(site, d)] == [TCBC]
    for unit in (VP, CCHC):
        history = await site.reporter.http.get(f"/api/submissions/{item(d, unit)}")
        assert history.json()["review"]["decision"] == "accepted"

    async def audited() -> list:
        return [
            e.detail
            async for e in read_entries(site.reporter.service.js)
            if e.path == "/reviews/accept" and item(d, VP) in e.detail
        ]

    [detail] = await eventually(audited, 20, "the post on the audit trail")
    assert detail.startswith(f"accepted 2: {item(d, VP)}, {item(d, CCHC)}; refused 2: ")
    assert f"{item(d, TT)} (not_reported)" in detail

    nothing = await site.post("/reviews/accept", "chuyenvien.snv", {})
    assert nothing.status_code == 303
    again = await site.get(nothing.headers["location"], "chuyenvien.snv")
    assert "Chưa chọn báo cáo nào" in again.text

    too_many = [item(d, f"cb-{n}") for n in range(MAX_SELECTED + 1)]
    refused = await site.post("/reviews/accept", "chuyenvien.snv", {"item": too_many})
    assert refused.status_code == 422
    assert f"nhiều nhất {MAX_SELECTED} báo cáo" in refused.text
    assert [i.unit_id for i in await waiting(site, d)] == [TCBC]


async def test_a_returned_report_leaves_the_queue_and_comes_back_when_sent_again(site):
    d = await issue(site)
    await submit(site, d, VP)
    page = f"/reports/{item(d, VP)}"
    returned = await site.post(
        page, "chuyenvien.snv", {"decision": "return", "reason": "Bổ sung số liệu."}
    )
    assert returned.status_code == 200 and "Đã trả lại báo cáo" in returned.text
    assert await waiting(site, d) == []

    await submit(site, d, VP, sessions=3)
    [back] = await waiting(site, d)
    assert (back.unit_id, back.version) == (VP, 2)
    listed = await site.get("/reviews", "chuyenvien.snv")
    assert "(phiên bản 2)" in listed.text

    accepted = await site.post(page, "chuyenvien.snv", {"decision": "accept"})
    assert accepted.status_code == 200 and "Đã chấp nhận báo cáo." in accepted.text
    assert await waiting(site, d) == []


async def test_a_redelivered_filing_writes_the_same_item_and_repairs_a_lost_one(site):
    d = await issue(site)
    assert (await submit(site, d, VP)).status_code == 201
    assert (await submit(site, d, VP)).status_code == 200  # the same report again
    [first] = await waiting(site, d)
    assert first.version == 1

    # the reporter stopped between storing the version and putting the item
    kv = await site.reporter.service.js.key_value(REPORTER_QUEUE.name)
    await kv.delete(item_key(PARENT, d, VP, "r1"))
    assert await waiting(site, d) == []
    assert (await submit(site, d, VP)).status_code == 200
    assert await waiting(site, d) == [first]

    approved = SynthesisApproved(
        event_id=f"synthesis-approved.{d}.{TCBC}",
        occurred_at=datetime.now(UTC),
        directive_id=f"own--{TCBC}",
        requirement_id="r1",
        unit_id=TCBC,
        target_directive_id=d,
        target_requirement_id="r1",
        values={"sessions": 7},
        narrative="Tổng hợp",
        approved_at=datetime.now(UTC),
    )
    for _ in range(3):  # the event redelivered
        await file_synthesis(site.deps, approved)
    queued = await waiting(site, d)
    assert [(i.unit_id, i.version) for i in queued] == [(VP, 1), (TCBC, 1)]
    info = await site.reporter.service.js.stream_info(
        f"KV_{REPORTER_QUEUE.name}",
        subjects_filter=f"$KV.{REPORTER_QUEUE.name}.queue.{PARENT}.{d}.>",
    )
    assert sorted(info.state.subjects or {}) == [
        f"$KV.{REPORTER_QUEUE.name}.{item_key(PARENT, d, u, 'r1')}" for u in sorted((VP, TCBC))
    ]


async def test_the_operator_names_the_unit_whose_queue_to_see(site):
    d = await issue(site)
    await submit(site, d, CCHC)
    picker = await site.reporter.http.get("/reviews")
    assert picker.status_code == 200
    assert "Xem hàng chờ của đơn vị" in picker.text and d not in picker.text
    listed = await site.reporter.http.get(f"/reviews?unit={PARENT}")
    assert listed.status_code == 200 and f"/reports/{item(d, CCHC)}" in listed.text
    answer = await site.reporter.http.post(
        "/reviews/accept", data={"item": [item(d, CCHC)], "unit": PARENT}
    )
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query)["unit"] == [PARENT]
    assert await waiting(site, d) == []


async def test_a_units_own_plan_filed_as_its_report_waits_once_however_often_it_comes(site):
    plan = {
        **DIRECTIVE,
        "requirements": [
            {
                "id": "ke-hoach",
                "action": "ban hành kế hoạch thực hiện",
                "due_before": FAR,
                "form": "van-ban-trien-khai",
            }
        ],
    }
    body, d = numbered(plan, next(_NUMBERS))
    answer = await site.issuer.http.post("/api/directives", json=body)
    assert answer.status_code == 201, answer.text
    await eventually(
        lambda: site.deps.reports.assignment(d, VP, "ke-hoach"), 30, "the plan's assignment"
    )
    child = Directive(
        kind="KH",
        ref="7-KH/CB",
        issued_on=date(2024, 6, 20),
        issuer_unit=VP,
        issuer=CHI_BO[VP],
        title="Thực hiện kế hoạch của Đảng ủy Sở",
    )
    event = DirectiveIssued(
        event_id=f"directive-issued.{child.id}",
        occurred_at=datetime.now(UTC),
        directive_id=child.id,
        directive=child,
        assignment_count=0,
        parents=[d],
    )
    for _ in range(2):  # the event redelivered
        await file_plan(site.deps, event)
    [waits] = await waiting(site, d)
    assert (waits.unit_id, waits.requirement_id, waits.version) == (VP, "ke-hoach", 1)
    assert waits.requirement == "ban hành kế hoạch thực hiện"


def test_an_item_is_keyed_by_its_reviewer_first():
    """So that one reviewer's queue is read by the key's prefix, never by a scan."""
    assert item_key("du", "d1", "cb", "r1") == "queue.du.d1.cb.r1"
