"""Issuing from the console after the leader's approval, on the real issuer (in this
process, on a real nats-server, its parse workers as processes), in a directory where
Đảng ủy Sở Nội vụ requires it: the clerk cannot issue and submits instead (validated like
issuing); the leader sees the submitted draft first and issues it; the returned path with
its reason; editing a submitted draft takes it back; a unit that does not require it
unchanged; the API bound by the same rule."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from services.issuer.app import create_service as issuer_service
from shared.settings import Settings
from tests.accounts import signed_in_accounts
from tests.factories import directive_to_chi_bo
from tests.inprocess import anonymous_client, demo_units, serving

pytestmark = pytest.mark.integration

SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
UNIT = "du-so-noi-vu-hy"  # requires a leader's approval here
OTHER = "du-so-khdt-hy"  # does not
ACCOUNTS = {
    "vanthu.snv": (UNIT, "van_thu"),
    "chuyenvien.snv": (UNIT, "chuyen_vien"),
    "lanhdao.snv": (UNIT, "lanh_dao"),
    "vanthu.khdt": (OTHER, "van_thu"),
    "chuyenvien.khdt": (OTHER, "chuyen_vien"),
    "lanhdao.khdt": (OTHER, "lanh_dao"),
}
KHDT_PLAN = """Số 5-KH/ĐU
Hưng Yên, ngày 2 tháng 3 năm 2024
KẾ HOẠCH
Tổ chức học tập nghị quyết
Các chi bộ báo cáo kết quả thực hiện trước ngày 10/4/2024.
Nơi nhận:
- Các chi bộ trực thuộc Đảng bộ;
- Lưu: VT.
T/M ĐẢNG ỦY
BÍ THƯ
Nguyễn Văn A
"""


def units():
    """The demo directory, Đảng ủy Sở Nội vụ requiring a leader's approval."""
    return [
        u.model_copy(update={"issue_needs_approval": True}) if u.id == UNIT else u
        for u in demo_units()
    ]


@pytest_asyncio.fixture(scope="module")
async def site(nats_url):
    settings = Settings(nats_url=nats_url)
    async with AsyncExitStack() as stack:
        running = await stack.enter_async_context(serving(issuer_service, settings, units()))
        client = await stack.enter_async_context(anonymous_client(running.service))
        tokens = await signed_in_accounts(nats_url, client, ACCOUNTS)
        yield client, tokens


async def upload(site, who: str, data: bytes, name: str = "003.txt") -> str:
    client, tokens = site
    client.cookies.clear()
    answer = await client.post("/issue", files={"file": (name, data)}, headers=tokens[who])
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


async def page(site, who: str, path: str) -> httpx.Response:
    client, tokens = site
    return await client.get(path, headers=tokens[who])


async def post(site, who: str, path: str, data: dict) -> httpx.Response:
    client, tokens = site
    client.cookies.clear()
    return await client.post(path, data=data, headers=tokens[who])


def revision(html: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found, "the draft form carries its revision"
    return found.group(1)


async def current(site, who: str, draft: str) -> str:
    return revision((await page(site, who, draft)).text)


async def submitted_draft(site, ref: str) -> str:
    """Seed 003 uploaded by the clerk, numbered ``ref`` and submitted."""
    draft = await upload(site, "vanthu.snv", SEED.read_bytes())
    revision = await current(site, "vanthu.snv", draft)  # the seed's 10/12/2024 is past
    form = {"revision": revision, "ref": ref, "requirement-0-due": "2099-12-10"}
    answer = await post(site, "vanthu.snv", f"{draft}/submit", form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{draft}?done=submitted"
    return draft


async def test_the_clerk_cannot_issue_and_submits_validated_like_issuing(site):
    client, tokens = site
    draft = await upload(site, "vanthu.snv", SEED.read_bytes())
    html = (await page(site, "vanthu.snv", draft)).text
    assert f'formaction="{draft}/submit"' in html and "Trình lãnh đạo duyệt" in html
    assert f'formaction="{draft}/issue"' not in html
    refused = await post(site, "vanthu.snv", f"{draft}/issue", {"revision": revision(html)})
    assert refused.status_code == 403 and "phải được lãnh đạo duyệt" in refused.text
    gone = await client.get("/api/directives/101-kh-du--" + UNIT, headers=tokens["vanthu.snv"])
    assert gone.status_code == 404  # nothing issued
    form = {"revision": revision(html), "ref": "", "requirement-0-due": "2024-13-45"}
    invalid = await post(site, "chuyenvien.snv", f"{draft}/submit", form)
    assert invalid.status_code == 422, invalid.text
    assert 'id="err-ref"' in invalid.text and "Chưa trình được" in invalid.text
    assert 'value="2024-13-45"' in invalid.text  # kept as typed
    assert "Chờ lãnh đạo duyệt." not in (await page(site, "vanthu.snv", draft)).text
    form = {
        "revision": revision(invalid.text),
        "ref": "301-KH/ĐU",
        "requirement-0-due": "2099-12-10",
    }
    done = await post(site, "chuyenvien.snv", f"{draft}/submit", form)
    assert done.status_code == 303, done.text
    shown = (await page(site, "chuyenvien.snv", done.headers["location"])).text
    assert "Đã trình lãnh đạo duyệt" in shown and "Chờ lãnh đạo duyệt." in shown
    assert "Cán bộ chuyenvien.snv trình lãnh đạo duyệt lúc" in shown
    assert f'formaction="{draft}/submit"' not in shown  # once
    again = await post(site, "vanthu.snv", f"{draft}/submit", {"revision": revision(shown)})
    assert again.status_code == 409 and "đang chờ lãnh đạo duyệt" in again.text
    listed = (await page(site, "vanthu.snv", "/issue")).text
    assert "Chờ đồng chí duyệt" not in listed and "Chờ lãnh đạo duyệt" in listed


async def test_the_leader_sees_the_submitted_draft_first_and_issues_it(site):
    client, tokens = site
    draft = await submitted_draft(site, "302-KH/ĐU")
    listed = (await page(site, "lanhdao.snv", "/issue")).text
    waiting = listed.split('id="waiting-title"')[1].split("</section>")[0]
    assert "Chờ đồng chí duyệt" in listed and f'href="{draft}"' in waiting
    assert "302-KH/ĐU" in waiting and "Trình bởi Cán bộ vanthu.snv" in waiting
    html = (await page(site, "lanhdao.snv", draft)).text
    assert "Duyệt và ban hành" in html and f'formaction="{draft}/issue"' in html
    assert f'action="{draft}/return"' in html and 'name="reason"' in html
    issued = await post(site, "lanhdao.snv", f"{draft}/issue", {"revision": revision(html)})
    assert issued.status_code == 303, issued.text
    directive_id = "302-kh-du--" + UNIT
    assert issued.headers["location"] == f"/directives/{directive_id}"
    record = await client.get(f"/api/directives/{directive_id}", headers=tokens["vanthu.snv"])
    assert record.status_code == 200 and record.json()["directive"]["ref"] == "302-KH/ĐU"
    assert (
        f'href="{draft}"'
        not in (await page(site, "lanhdao.snv", "/issue")).text.split("Tải văn bản lên")[0]
    )  # no longer waiting
    done = (await page(site, "vanthu.snv", draft)).text
    assert "Văn bản đã được ban hành" in done


async def test_the_leader_returns_with_a_reason_and_the_clerk_submits_again(site):
    draft = await submitted_draft(site, "303-KH/ĐU")
    html = (await page(site, "lanhdao.snv", draft)).text
    refused = await post(
        site, "vanthu.snv", f"{draft}/return", {"revision": revision(html), "reason": "x"}
    )
    assert refused.status_code == 403 and "lãnh đạo" in refused.text
    other = await post(
        site, "lanhdao.khdt", f"{draft}/return", {"revision": revision(html), "reason": "x"}
    )
    assert other.status_code == 403  # not its unit
    empty = await post(
        site, "lanhdao.snv", f"{draft}/return", {"revision": revision(html), "reason": "  "}
    )
    assert empty.status_code == 422 and 'id="err-reason"' in empty.text
    reason = "Hạn báo cáo <sớm> quá: lùi sang ngày 20/12."
    back = await post(
        site, "lanhdao.snv", f"{draft}/return", {"revision": revision(html), "reason": reason}
    )
    assert back.status_code == 303 and back.headers["location"] == f"{draft}?done=returned"
    shown = (await page(site, "vanthu.snv", draft)).text
    assert "Lãnh đạo trả lại bản nháp" in shown and "Cán bộ lanhdao.snv" in shown
    assert "Hạn báo cáo &lt;sớm&gt; quá: lùi sang ngày 20/12." in shown
    assert f'formaction="{draft}/submit"' in shown  # editable, to submit again
    assert "Bị trả lại" in (await page(site, "vanthu.snv", "/issue")).text
    twice = await post(
        site, "lanhdao.snv", f"{draft}/return", {"revision": revision(shown), "reason": "y"}
    )
    assert twice.status_code == 409  # not submitted any more
    form = {"revision": revision(shown), "requirement-0-due": "2099-12-20"}
    again = await post(site, "vanthu.snv", f"{draft}/submit", form)
    assert again.status_code == 303
    shown = (await page(site, "lanhdao.snv", draft)).text
    assert "Chờ lãnh đạo duyệt." in shown and "Lãnh đạo trả lại bản nháp" not in shown


async def test_editing_a_submitted_draft_takes_it_back(site):
    draft = await submitted_draft(site, "304-KH/ĐU")
    html = (await page(site, "vanthu.snv", draft)).text
    search = {"revision": revision(html), "search": "1", "q": "văn phòng"}
    assert (await post(site, "vanthu.snv", draft, search)).status_code == 303
    assert "Chờ lãnh đạo duyệt." in (await page(site, "vanthu.snv", draft)).text  # unchanged
    form = {"revision": await current(site, "vanthu.snv", draft), "title": "Trích yếu mới"}
    assert (await post(site, "vanthu.snv", draft, form)).status_code == 303
    shown = (await page(site, "vanthu.snv", draft)).text
    assert "Chờ lãnh đạo duyệt." not in shown and f'formaction="{draft}/submit"' in shown
    waiting = (await page(site, "lanhdao.snv", "/issue")).text.split("Tải văn bản lên")[0]
    assert f'href="{draft}"' not in waiting


async def test_a_unit_that_does_not_require_it_is_unchanged(site):
    draft = await upload(site, "vanthu.khdt", KHDT_PLAN.encode(), "5.txt")
    html = (await page(site, "vanthu.khdt", draft)).text
    assert f'formaction="{draft}/issue"' in html and ">Ban hành</button>" in html
    assert f'formaction="{draft}/submit"' not in html and "Trình lãnh đạo duyệt" not in html
    viewer = (await page(site, "chuyenvien.khdt", draft)).text
    assert f'formaction="{draft}/submit"' not in viewer
    submit = await post(site, "vanthu.khdt", f"{draft}/submit", {"revision": revision(html)})
    assert submit.status_code == 409 and "không cần lãnh đạo duyệt" in submit.text
    assert "Chờ đồng chí duyệt" not in (await page(site, "lanhdao.khdt", "/issue")).text
    returned = await post(
        site, "lanhdao.khdt", f"{draft}/return", {"revision": revision(html), "reason": "x"}
    )
    assert returned.status_code == 403
    issued = await post(site, "vanthu.khdt", f"{draft}/issue", {"revision": revision(html)})
    assert issued.status_code == 303, issued.text
    assert issued.headers["location"] == f"/directives/5-kh-du--{OTHER}"


async def test_the_api_holds_to_the_same_rule_in_a_unit_that_requires_approval(site):
    """A văn thư's session or token cannot go round the leader through the API: refused,
    nothing issued; the unit's lãnh đạo issues the same directive."""
    client, tokens = site
    directive = directive_to_chi_bo(UNIT, "Đảng ủy Sở Nội vụ", "77-KH/ĐU", "Kế hoạch qua API")
    refused = await client.post("/api/directives", json=directive, headers=tokens["vanthu.snv"])
    assert refused.status_code == 403, refused.text
    assert "phải được lãnh đạo duyệt trước khi ban hành" in refused.json()["error"]
    upload = {"file": ("003.txt", SEED.read_bytes())}
    by_file = await client.post(
        "/api/directives/upload", files=upload, headers=tokens["vanthu.snv"]
    )
    assert by_file.status_code == 403, by_file.text
    assert "phải được lãnh đạo duyệt" in by_file.json()["error"]
    listed = await client.get("/api/directives", headers=tokens["lanhdao.snv"])
    assert "77-KH/ĐU" not in listed.text
    issued = await client.post("/api/directives", json=directive, headers=tokens["lanhdao.snv"])
    assert issued.status_code == 201, issued.text
    elsewhere = directive_to_chi_bo(OTHER, "Đảng ủy Sở KH&ĐT", "78-KH/ĐU", "Kế hoạch khác")
    other = await client.post("/api/directives", json=elsewhere, headers=tokens["vanthu.khdt"])
    assert other.status_code == 201, other.text  # a unit without the rule: as before
