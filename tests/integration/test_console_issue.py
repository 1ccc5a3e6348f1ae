"""The console's "issue from a document" pages on the real issuer (in this process, on a
real nats-server, its parse workers as processes): seed 003 uploaded into a draft, the
reading shown beside the highlighted text, one recipient and one deadline corrected and
issued (read back through the API), a second click issuing nothing more, validation
errors next to the fields with the input kept, a hostile file escaped, another unit's
staff refused, a chuyên viên drafting but not issuing."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from services.issuer.adapters import drafts as drafts_bucket
from services.issuer.app import create_service as issuer_service
from shared import topology
from shared.settings import Settings
from tests.accounts import signed_in_accounts
from tests.factories import directive_to_chi_bo
from tests.inprocess import anonymous_client, serving

pytestmark = pytest.mark.integration

# seed 003 (/work/shared/seeds/003_e88aeaad7985e01b.txt): 101-KH/ĐU of Đảng ủy Sở Nội vụ
SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
UNIT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ, the seed's issuer
ACCOUNTS = {
    "vanthu.snv": (UNIT, "van_thu"),
    "chuyenvien.snv": (UNIT, "chuyen_vien"),
    "vanthu.khdt": ("du-so-khdt-hy", "van_thu"),  # a sibling branch
    "vanthu.cb": ("cb-snv-van-phong", "van_thu"),  # a chi bộ under it
}
CHILD_PLAN = """Số 3-KH/CB
Hưng Yên, ngày 5 tháng 7 năm 2024
KẾ HOẠCH
Triển khai kế hoạch của Đảng ủy Sở
Nơi nhận:
- Đảng ủy Sở Nội vụ;
- Lưu: VT.
"""
HOSTILE = """Số 7-KH/ĐU
Hưng Yên, ngày 2 tháng 3 năm 2024
KẾ HOẠCH
<script>alert("tieu-de")</script> tổ chức hội nghị
Các chi bộ báo cáo kết quả thực hiện trước ngày 10/4/2024.
Nơi nhận:
- <img src=x onerror=alert(1)>;
- Các chi bộ trực thuộc Đảng bộ;
- Lưu: VT.
T/M ĐẢNG ỦY
BÍ THƯ
Nguyễn Văn A
"""


def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    """The issuer, an anonymous client of it, and each account's API token."""
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        running = await stack.enter_async_context(serving(issuer_service, settings))
        client = await stack.enter_async_context(anonymous_client(running.service))
        tokens = await signed_in_accounts(nats_url, client, ACCOUNTS)
        yield client, tokens, running.service.js


async def upload(site, who: str, data: bytes, name: str = "003.txt") -> str:
    client, tokens, _ = site
    client.cookies.clear()  # a script's call: no cookie, so no CSRF check
    answer = await client.post("/issue", files={"file": (name, data)}, headers=tokens[who])
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert re.fullmatch(r"/issue/[0-9a-f]+", location), location
    return location


async def page(site, who: str, path: str) -> httpx.Response:
    client, tokens, _ = site
    return await client.get(path, headers=tokens[who])


def revision(html: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found, "the draft form carries its revision"
    return found.group(1)


async def post(site, who: str, path: str, data: dict) -> httpx.Response:
    client, tokens, _ = site
    client.cookies.clear()
    return await client.post(path, data=data, headers=tokens[who])


async def test_the_draft_shows_the_reading_beside_the_highlighted_text(site):
    draft = await upload(site, "vanthu.snv", seed_bytes())
    shown = await page(site, "vanthu.snv", draft)
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert 'class="two-columns"' in html
    assert 'value="101-KH/ĐU"' in html and 'value="2024-06-19"' in html
    assert '<mark data-kind="number">101 -KH/ĐU</mark>' in html
    assert '<mark data-kind="date">ngày 19 tháng 6 năm 2024</mark>' in html
    assert '<mark data-kind="basis">153-KH/ĐUK</mark>' in html
    assert '<mark data-kind="recipient">Lãnh đạo Sở Nội vụ</mark>' in html
    assert re.search(
        r'<mark data-kind="deadline">báo cáo Ban Thường vụ[^<]*10/12/2024</mark>', html
    )
    assert 'name="requirement-0-due" value="2024-12-10"' in html
    assert f'formaction="{draft}/issue"' in html  # a văn thư may issue
    assert "Văn bản triển khai" in html  # the plan form is offered with the others
    assert "Thư các nơi nhận sẽ nhận" in html and "không phải gửi báo cáo" in html
    # no notifier runs here: the summary alone, and why the mails are not shown
    assert "Chưa xem được thư mẫu" in html and '<details class="mail">' not in html
    listed = await page(site, "vanthu.snv", "/issue")
    assert draft in listed.text and "003.txt" in listed.text


async def test_the_corrections_are_what_is_issued_once(site):
    client, tokens, js = site
    draft = await upload(site, "vanthu.snv", seed_bytes(), "Kế hoạch 101.txt")
    html = (await page(site, "vanthu.snv", draft)).text
    # one recipient corrected: "Lãnh đạo Sở Nội vụ" out, the bloc's propaganda board in
    removed = await post(
        site, "vanthu.snv", draft, {"revision": revision(html), "remove": "recipient-2"}
    )
    assert removed.status_code == 303, removed.text
    found = await page(site, "vanthu.snv", f"{draft}?q=tuyên giáo khối")
    assert 'value="btg-duk-hung-yen"' in found.text, found.text
    added = await post(
        site, "vanthu.snv", draft, {"revision": revision(found.text), "add": "btg-duk-hung-yen"}
    )
    assert added.status_code == 303
    html = (await page(site, "vanthu.snv", draft)).text
    assert "Lãnh đạo Sở Nội vụ</span>" not in html and "btg-duk-hung-yen" in html
    # one deadline corrected, and issued
    form = {"revision": revision(html), "requirement-0-due": "2099-12-20"}
    issued = await post(site, "vanthu.snv", f"{draft}/issue", form)
    assert issued.status_code == 303, issued.text
    directive_id = "101-kh-du--" + UNIT
    assert issued.headers["location"] == f"/directives/{directive_id}"
    record = await client.get(f"/api/directives/{directive_id}", headers=tokens["vanthu.snv"])
    directive = record.json()["directive"]
    units = [s.get("unit") for r in directive["recipients"] for s in r["units"]]
    assert "lanh-dao-snv-hy" not in units and "btg-duk-hung-yen" in units
    assert directive["requirements"][0]["due_before"].startswith("2099-12-20T00:00:00")
    assert directive["document"]["filename"] == "Kế hoạch 101.txt"
    # a second click issues nothing more
    before = (await js.stream_info(topology.ASSIGNMENTS.name)).state.messages
    again = await post(site, "vanthu.snv", f"{draft}/issue", form)
    assert again.status_code == 303 and again.headers["location"] == f"/directives/{directive_id}"
    assert (await js.stream_info(topology.ASSIGNMENTS.name)).state.messages == before
    done = (await page(site, "vanthu.snv", draft)).text
    assert "Văn bản đã được ban hành" in done and f"/directives/{directive_id}" in done


async def test_a_deadline_already_past_is_shown_by_its_field_and_nothing_is_issued(site):
    _, _, js = site
    draft = await upload(site, "vanthu.snv", seed_bytes())  # due before 10/12/2024
    html = (await page(site, "vanthu.snv", draft)).text
    before = (await js.stream_info(topology.ASSIGNMENTS.name)).state.messages
    form = {"revision": revision(html), "ref": "991-KH/ĐU"}  # a number no other test issues
    refused = await post(site, "vanthu.snv", f"{draft}/issue", form)
    assert refused.status_code == 422, refused.text[:300]
    field = refused.text.split('id="requirement-0-due"', 1)[1][:1500]
    assert "Hạn này đã qua" in field and "chọn một hạn sau hôm nay" in field
    assert (await js.stream_info(topology.ASSIGNMENTS.name)).state.messages == before


async def test_validation_errors_are_shown_by_the_fields_and_keep_the_input(site):
    draft = await upload(site, "vanthu.snv", seed_bytes())
    html = (await page(site, "vanthu.snv", draft)).text
    form = {
        "revision": revision(html),
        "ref": "",
        "title": "Trích yếu đã sửa <b>thử</b>",
        "requirement-0-due": "2024-13-45",
    }
    refused = await post(site, "vanthu.snv", f"{draft}/issue", form)
    assert refused.status_code == 422, refused.text
    html = refused.text
    assert 'id="err-ref"' in html and "Cần ghi số, ký hiệu văn bản" in html
    assert 'id="err-requirement-0-due"' in html and 'value="2024-13-45"' in html
    assert "Trích yếu đã sửa &lt;b&gt;thử&lt;/b&gt;</textarea>" in html
    kept = (await page(site, "vanthu.snv", draft)).text  # saved as typed
    assert "Trích yếu đã sửa &lt;b&gt;thử&lt;/b&gt;" in kept


async def test_a_stale_revision_keeps_what_was_typed(site):
    draft = await upload(site, "vanthu.snv", seed_bytes())
    old = revision((await page(site, "vanthu.snv", draft)).text)
    first = await post(
        site, "vanthu.snv", draft, {"revision": old, "title": "Bản của người thứ nhất"}
    )
    assert first.status_code == 303
    second = await post(
        site, "vanthu.snv", draft, {"revision": old, "title": "Bản của người thứ hai"}
    )
    assert second.status_code == 409
    assert "Bản của người thứ hai" in second.text and "sửa ở nơi khác" in second.text


async def test_a_hostile_file_is_shown_escaped(site):
    name = "<img src=x onerror=alert('ten')>.txt"  # a name keeps no "/": the basename
    draft = await upload(site, "vanthu.snv", HOSTILE.encode(), name)
    html = (await page(site, "vanthu.snv", draft)).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;tieu-de&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    listed = (await page(site, "vanthu.snv", "/issue")).text
    escaped = "&lt;img src=x onerror=alert(&#39;ten&#39;)&gt;.txt"
    assert escaped in html
    assert "<img src=x" not in listed and escaped in listed


async def test_a_refused_file_gives_the_form_again_with_why(site):
    client, tokens, _ = site
    client.cookies.clear()
    answer = await client.post(
        "/issue", files={"file": ("virus.exe", b"MZ\x90\x00")}, headers=tokens["vanthu.snv"]
    )
    assert answer.status_code == 422
    assert "chỉ nhận tệp .docx, .pdf, .txt hoặc .md" in answer.text
    assert 'enctype="multipart/form-data"' in answer.text
    empty = await client.post(
        "/issue", files={"file": ("trong.txt", b"   \n")}, headers=tokens["vanthu.snv"]
    )
    assert empty.status_code == 422 and 'name="file"' in empty.text


async def test_a_draft_too_large_for_its_bucket_is_refused_in_words_not_a_500(site, monkeypatch):
    """Past MAX_DRAFT_BYTES (NATS takes 1 MB a value) the upload is refused and nothing
    is kept; here the limit is lowered under seed 003's own draft."""
    client, tokens, js = site
    monkeypatch.setattr(drafts_bucket, "MAX_DRAFT_BYTES", 5_000)
    before = (await js.stream_info("OBJ_issuer_documents")).state.messages
    client.cookies.clear()
    answer = await client.post(
        "/issue", files={"file": ("dai.txt", seed_bytes())}, headers=tokens["vanthu.snv"]
    )
    assert answer.status_code == 422, answer.text[:500]
    assert "Văn bản quá dài để soạn trên trang" in answer.text and "tối đa 5.000" in answer.text
    assert (await js.stream_info("OBJ_issuer_documents")).state.messages == before  # not kept


async def test_another_units_staff_are_refused_the_draft(site):
    draft = await upload(site, "vanthu.snv", seed_bytes())
    shown = await page(site, "vanthu.khdt", draft)
    assert shown.status_code == 403 and "Đảng ủy Sở Nội vụ" in shown.text
    saved = await post(site, "vanthu.khdt", draft, {"revision": "1", "title": "x"})
    issued = await post(site, "vanthu.khdt", f"{draft}/issue", {"revision": "1"})
    assert saved.status_code == 403 and issued.status_code == 403
    assert draft not in (await page(site, "vanthu.khdt", "/issue")).text


async def test_a_chuyen_vien_may_draft_but_not_issue(site):
    draft = await upload(site, "chuyenvien.snv", seed_bytes())
    html = (await page(site, "chuyenvien.snv", draft)).text
    form = {"revision": revision(html), "ref": "9-KH/ĐU", "search": "1", "q": "văn phòng"}
    saved = await post(site, "chuyenvien.snv", draft, form)  # "Tìm": saved, then searched
    assert saved.status_code == 303 and saved.headers["location"].endswith("#picker")
    found = await page(site, "chuyenvien.snv", saved.headers["location"].split("#")[0])
    assert 'value="9-KH/ĐU"' in found.text and 'value="cb-snv-van-phong"' in found.text
    html = (await page(site, "chuyenvien.snv", draft)).text
    assert f'formaction="{draft}/issue"' not in html  # no button it may not use
    issued = await post(site, "chuyenvien.snv", f"{draft}/issue", {"revision": revision(html)})
    assert issued.status_code == 403 and "ban hành văn bản" in issued.text
    assert "Văn bản đã được ban hành" not in (await page(site, "chuyenvien.snv", draft)).text


async def test_an_implementing_plan_carries_its_parents_directive_as_basis(site):
    client, tokens, _ = site
    parent = directive_to_chi_bo(UNIT, "Đảng ủy Sở Nội vụ", "55-KH/ĐU", "Kế hoạch cấp trên")
    answer = await client.post("/api/directives", json=parent, headers=tokens["vanthu.snv"])
    assert answer.status_code == 201, answer.text
    parent_id = answer.json()["directive_id"]
    form = await page(site, "vanthu.cb", f"/issue?basis={parent_id}")
    assert form.status_code == 200 and f'name="basis" value="{parent_id}"' in form.text
    client.cookies.clear()
    answer = await client.post(
        "/issue",
        data={"basis": parent_id},
        files={"file": ("ke-hoach.txt", CHILD_PLAN.encode())},
        headers=tokens["vanthu.cb"],
    )
    assert answer.status_code == 303, answer.text
    draft = (await page(site, "vanthu.cb", answer.headers["location"])).text
    assert "KH 55-KH/ĐU của Đảng ủy Sở Nội vụ" in draft
    refused = await page(site, "vanthu.khdt", f"/issue?basis={parent_id}")  # not its branch
    assert refused.status_code == 403
