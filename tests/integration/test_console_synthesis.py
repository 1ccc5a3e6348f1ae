"""The console's synthesis page (/directives/{id}/synthesis) on the real issuer, reporter
and aggregator in this process, on a real nats-server: Đảng ủy Khối asks its committees
for a report (P); Đảng ủy Sở Nội vụ implements it with its own plan (D) and one chi bộ
reports. The committee's staff write their own sections (kept, shown in the page, the
Markdown, the .docx and the JSON), a text too long is refused and kept, two saves over
the same revision do not lose either text, other units and roles are refused, and the
leader's approval from the page files the report on P, whose review is then shown."""

from __future__ import annotations

import io
import re
from contextlib import AsyncExitStack
from dataclasses import dataclass

import docx
import httpx
import pytest
import pytest_asyncio

from services.aggregator.app import create_service as aggregator_service
from services.aggregator.domain.notes import MAX_CHARS
from services.aggregator.entrypoints.pages import NOT_SENT, SENT
from services.aggregator.synthesis_page.view import SAVED
from services.issuer.app import create_service as issuer_service
from services.reporter.app import create_service as reporter_service
from shared.settings import Settings
from shared.vietnamese import format_number
from tests.accounts import signed_in_accounts
from tests.inprocess import anonymous_client, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

KHOI = "duk-cqdn-hung-yen"  # Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh
SNV = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ, one of its committees
CHI_BO = "cb-snv-van-phong"
SIBLING = "du-so-khdt-hy"
P = "71-kh-duk--" + KHOI
D = "72-kh-du--" + SNV
PAGE = f"/directives/{D}/synthesis"
FAR = "2099-12-10T00:00:00+07:00"
ACCOUNTS = {
    "vanthu.khoi": (KHOI, "van_thu"),
    "chuyenvien.khoi": (KHOI, "chuyen_vien"),
    "vanthu.snv": (SNV, "van_thu"),
    "chuyenvien.snv": (SNV, "chuyen_vien"),
    "lanhdao.snv": (SNV, "lanh_dao"),
    "vanthu.cb": (CHI_BO, "van_thu"),
    "canbo.khdt": (SIBLING, "van_thu,chuyen_vien,lanh_dao,quan_tri"),
}


def _directive(ref: str, unit: str, issuer: str, kinds: str, requirement: str, basis=()):
    return {
        "kind": "KH", "ref": ref, "issued_on": "2024-06-19", "place": "Hưng Yên",
        "issuer_unit": unit, "issuer": issuer, "title": "Triển khai đợt sinh hoạt chính trị",
        "basis": list(basis), "addressees": [{"under": unit, "kinds": [kinds]}],
        "requirements": [
            {"id": requirement, "action": "báo cáo kết quả thực hiện", "due_before": FAR}
        ],
    }  # fmt: skip


@dataclass
class Site:
    clients: dict[str, httpx.AsyncClient]
    tokens: dict[str, dict[str, str]]

    async def get(self, service: str, path: str, who: str, **kw) -> httpx.Response:
        return await self.clients[service].get(path, headers=self.tokens[who], **kw)

    async def post(self, service: str, path: str, who: str, **kw) -> httpx.Response:
        return await self.clients[service].post(path, headers=self.tokens[who], **kw)


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        clients = {}
        for name, create in (
            ("issuer", issuer_service),
            ("reporter", reporter_service),
            ("aggregator", aggregator_service),
        ):
            running = await stack.enter_async_context(serving(create, settings))
            clients[name] = await stack.enter_async_context(anonymous_client(running.service))
        tokens = await signed_in_accounts(nats_url, clients["issuer"], ACCOUNTS)
        site = Site(clients, tokens)
        await _campaign(site)
        yield site


async def _campaign(site: Site) -> None:
    parent = _directive("71-KH/ĐUK", KHOI, "Đảng ủy Khối", "grassroots_committee", "report")
    issued = await site.post("issuer", "/api/directives", "vanthu.khoi", json=parent)
    assert issued.status_code == 201, issued.text
    basis = [{"kind": "KH", "ref": "71-KH/ĐUK", "issued_on": "2024-06-19"}]
    own = _directive("72-KH/ĐU", SNV, "Đảng ủy Sở Nội vụ", "chi_bo", "r1", basis)
    issued = await site.post("issuer", "/api/directives", "vanthu.snv", json=own)
    assert issued.status_code == 201, issued.text
    report = {"directive_id": D, "unit_id": CHI_BO, "requirement_id": "r1",
              "values": {"sessions": "2", "participants": "40"}}  # fmt: skip

    async def filed() -> bool:
        answer = await site.post("reporter", "/api/submissions", "vanthu.cb", json=report)
        return answer.status_code in (200, 201)

    await eventually(filed, 30, "the chi bộ's report filed")

    async def rolled_up() -> bool:
        answer = await site.get("aggregator", f"/api/directives/{D}/synthesis", "chuyenvien.snv")
        return (
            answer.status_code == 200
            and answer.json()["requirements"][0]["totals"]["submitted"] == 1
        )

    await eventually(rolled_up, 30, "the chi bộ's report in the synthesis")


def _revision(page: str) -> int:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, "the form carries the revision it was loaded at"
    return int(found.group(1))


def _textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, name
    return found.group(1)


async def _load(site: Site, who: str = "chuyenvien.snv") -> httpx.Response:
    page = await site.get("aggregator", PAGE, who)
    assert page.status_code == 200, page.text
    return page


async def _save(site: Site, revision: int, who: str = "chuyenvien.snv", **texts):
    data = {"unit": SNV, "revision": str(revision), **texts}
    return await site.post("aggregator", f"{PAGE}/notes", who, data=data)


async def test_the_sections_saved_are_in_the_page_the_markdown_the_docx_and_the_json(site):
    page = await _load(site)
    assert "Đảng ủy Sở Nội vụ" in page.text and "Tải về .docx" in page.text
    assert f"/api/directives/{D}/synthesis?unit={SNV}&amp;format=docx" in page.text
    saved = await _save(
        site,
        _revision(page.text),
        assessment="Các chi bộ triển khai nghiêm túc.\nMột chi bộ còn chậm.",
        lessons="Phải đôn đốc sớm.",
        next_steps="",
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{PAGE}?unit={SNV}&saved=1"
    shown = await site.get("aggregator", saved.headers["location"], "chuyenvien.snv")
    assert SAVED in shown.text
    assert _textarea(shown.text, "assessment") == (
        "Các chi bộ triển khai nghiêm túc.\nMột chi bộ còn chậm."
    )
    assert "ĐÁNH GIÁ CHUNG" in shown.text and "BÀI HỌC KINH NGHIỆM" in shown.text
    assert "PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI" not in shown.text  # left empty

    api = f"/api/directives/{D}/synthesis"
    body = (await site.get("aggregator", api, "chuyenvien.snv")).json()
    assert body["written"]["lessons"] == "Phải đôn đốc sớm."
    md = (await site.get("aggregator", api, "chuyenvien.snv", params={"format": "md"})).text
    assert "## IV. ĐÁNH GIÁ CHUNG" in md and "## V. BÀI HỌC KINH NGHIỆM" in md
    assert "Một chi bộ còn chậm." in md
    raw = await site.get("aggregator", api, "chuyenvien.snv", params={"format": "docx"})
    paragraphs = [p.text for p in docx.Document(io.BytesIO(raw.content)).paragraphs]
    at = paragraphs.index("IV. ĐÁNH GIÁ CHUNG")
    assert paragraphs[at + 1 : at + 3] == [
        "Các chi bộ triển khai nghiêm túc.",
        "Một chi bộ còn chậm.",
    ]
    assert "V. BÀI HỌC KINH NGHIỆM" in paragraphs and "Phải đôn đốc sớm." in paragraphs
    html = await site.get("aggregator", api, "chuyenvien.snv", params={"format": "html"})
    assert "IV. ĐÁNH GIÁ CHUNG" in html.text


async def test_a_section_too_long_is_refused_and_what_was_typed_is_kept(site):
    page = await _load(site)
    before = _textarea(page.text, "lessons")
    long = "Bài học rất dài. " * (MAX_CHARS // 17 + 2)
    assert len(long.rstrip()) > MAX_CHARS  # the page strips what it keeps
    refused = await _save(site, _revision(page.text), assessment="Ngắn.", lessons=long)
    assert refused.status_code == 422, refused.text
    assert f"Chưa lưu: mỗi phần viết tối đa {format_number(MAX_CHARS)} ký tự" in refused.text
    assert "“Bài học kinh nghiệm”" in refused.text
    assert _textarea(refused.text, "lessons") == long.rstrip()
    assert _textarea(refused.text, "assessment") == "Ngắn."
    assert 'aria-invalid="true"' in refused.text
    assert _textarea((await _load(site)).text, "lessons") == before  # nothing saved


async def test_two_saves_over_the_same_revision_keep_both_texts(site):
    revision = _revision((await _load(site)).text)
    first = await _save(site, revision, assessment="Bản của đồng chí thứ nhất.")
    assert first.status_code == 303, first.text
    second = await _save(site, revision, "lanhdao.snv", assessment="Bản của đồng chí thứ hai.")
    assert second.status_code == 409, second.text
    assert "Chưa lưu: Cán bộ chuyenvien.snv đã lưu các phần này lúc" in second.text
    theirs = second.text.split('class="theirs"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "Bản của đồng chí thứ nhất." in theirs
    assert _textarea(second.text, "assessment") == "Bản của đồng chí thứ hai."
    # the form now names the revision it was shown: saving again is a deliberate choice
    again = await _save(
        site, _revision(second.text), "lanhdao.snv", assessment="Bản đã gộp của hai đồng chí."
    )
    assert again.status_code == 303, again.text
    shown = await _load(site)
    assert _textarea(shown.text, "assessment") == "Bản đã gộp của hai đồng chí."


async def test_another_unit_and_a_clerk_are_refused(site):
    revision = _revision((await _load(site)).text)
    other = await _save(site, revision, "canbo.khdt", assessment="Không phải của tôi.")
    assert other.status_code == 403 and "không thể" in other.text
    # nor, in its own name, in a synthesis of a directive it does not carry out
    data = {"unit": SIBLING, "revision": "0", "assessment": "Không phải của tôi."}
    outside = await site.post("aggregator", f"{PAGE}/notes", "canbo.khdt", data=data)
    assert outside.status_code == 403 and "không thuộc các đơn vị thực hiện" in outside.text
    clerk = await _save(site, revision, "vanthu.snv", assessment="Văn thư viết.")
    assert clerk.status_code == 403 and "không có quyền" in clerk.text
    page = await site.get("aggregator", f"{PAGE}?unit={SNV}", "canbo.khdt")
    assert page.status_code == 403 and "phạm vi" in page.text
    # nor, without naming a unit, a synthesis of its own in a tree it is not in
    bare = await site.get("aggregator", PAGE, "canbo.khdt")
    assert bare.status_code == 403 and "Một chi bộ" not in bare.text, bare.text
    # the clerk reads the page, without the form
    read = await _load(site, "vanthu.snv")
    assert "<textarea" not in read.text and "Chỉ chuyên viên, lãnh đạo" in read.text
    for who in ("chuyenvien.snv", "canbo.khdt"):
        refused = await site.post("aggregator", f"{PAGE}/approve", who)
        assert refused.status_code == 403, (who, refused.text)
    assert "Văn thư viết." not in (await _load(site)).text


async def test_the_leader_approves_from_the_page_and_sees_what_the_parent_decides(site):
    page = await _load(site, "lanhdao.snv")
    assert "Duyệt và gửi lên cấp trên" in page.text and "Chưa gửi báo cáo lên cấp trên" in page.text
    sent = await site.post("aggregator", f"{PAGE}/approve", "lanhdao.snv")
    assert sent.status_code == 200, sent.text
    assert SENT in sent.text

    async def filed() -> dict | None:
        answer = await site.get("reporter", f"/api/submissions/{P}/{SNV}/report", "chuyenvien.khoi")
        return answer.json() if answer.status_code == 200 else None

    history = await eventually(filed, 30, "the committee's report filed on P")
    assert history["versions"][0]["values"]["sessions"] == 2  # the synthesis's figures

    async def shows(words: str) -> str | None:
        text = (await _load(site, "lanhdao.snv")).text
        return text if words in text else None

    waiting = await eventually(lambda: shows("Chờ cấp trên xem xét"), 30, "the waiting state")
    assert "Đã gửi lên cấp trên lúc" in waiting
    assert "Cán bộ lanhdao.snv (lanhdao.snv) duyệt lúc " in waiting  # who sent it up, when
    reviewed = await site.post(
        "reporter",
        f"/api/submissions/{P}/{SNV}/report/review",
        "chuyenvien.khoi",
        json={"decision": "return", "reason": "Bổ sung số liệu của các chi bộ."},
    )
    assert reviewed.status_code in (200, 201), reviewed.text
    returned = await eventually(lambda: shows("Cấp trên trả lại"), 30, "the return shown")
    assert "Bổ sung số liệu của các chi bộ." in returned

    accepted = await site.post(
        "reporter",
        f"/api/submissions/{P}/{SNV}/report/review",
        "chuyenvien.khoi",
        json={"decision": "accept"},
    )
    assert accepted.status_code in (200, 201), accepted.text
    done = await eventually(lambda: shows("Cấp trên đã chấp nhận"), 30, "the acceptance shown")
    assert "Cán bộ lanhdao.snv (lanhdao.snv) duyệt lúc " in done
    assert "Duyệt và gửi lên cấp trên" not in done  # nothing left to approve
    again = await site.post("aggregator", f"{PAGE}/approve", "lanhdao.snv")
    assert again.status_code == 409 and NOT_SENT["accepted"] in again.text
