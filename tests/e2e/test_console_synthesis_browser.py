"""The console's synthesis page in a real headless Chromium, through the staff site's one
address (the front) to the four services as processes: Đảng ủy Sở Nội vụ's leader opens
the báo cáo tổng hợp of its own plan (which implements Đảng ủy Khối's), writes the general
assessment, saves it, sees it in the report, approves it and sees it sent up and waiting
for Đảng ủy Khối. Screenshots at 390 and 1280 px wide (var/screenshots/synthesis-*.png);
axe-core finds nothing serious at either width."""

from __future__ import annotations

import io

import docx
import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.support import as_operator, wait_for

pytestmark = pytest.mark.e2e

KHOI = "duk-cqdn-hung-yen"
SNV = "du-so-noi-vu-hy"
CHI_BO = "cb-snv-van-phong"
FAR = "2099-12-10T00:00:00+07:00"
ASSESSMENT = (
    "Các chi bộ đã quán triệt, triển khai nghiêm túc kế hoạch của Đảng ủy.\n"
    "Một số chi bộ báo cáo còn chậm so với thời hạn."
)

OTHER = "Đồng chí khác bổ sung: phong trào thi đua được duy trì đều."


def _revision(driver) -> str:
    return driver.find_element("css selector", "input[name=revision]").get_attribute("value")


def _directive(ref: str, unit: str, issuer: str, kinds: str, requirement: str, basis=()):
    return {
        "kind": "KH", "ref": ref, "issued_on": "2024-06-19", "place": "Hưng Yên",
        "issuer_unit": unit, "issuer": issuer,
        "title": "Triển khai đợt sinh hoạt chính trị (thử trang tổng hợp)",
        "basis": list(basis), "addressees": [{"under": unit, "kinds": [kinds]}],
        "requirements": [
            {"id": requirement, "action": "báo cáo kết quả thực hiện", "due_before": FAR}
        ],
    }  # fmt: skip


def _post(url: str, body: dict) -> dict:
    answer = as_operator.post(url, json=body, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.fixture
def own_directive(stack, number) -> tuple[str, str]:
    """Đảng ủy Khối's plan P, Đảng ủy Sở Nội vụ's D implementing it, one chi bộ's report
    on D rolled up: (P's id, D's id)."""
    issuer = stack.url("issuer")
    parent = _directive(f"{number}-KH/ĐUK", KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
                        "grassroots_committee", "report")  # fmt: skip
    p = _post(f"{issuer}/api/directives", parent)["directive_id"]
    basis = [{"kind": "KH", "ref": parent["ref"], "issued_on": "2024-06-19"}]
    own = _directive(f"{number}-KH/ĐU", SNV, "Đảng ủy Sở Nội vụ", "chi_bo", "r1", basis)
    d = _post(f"{issuer}/api/directives", own)["directive_id"]
    report = {"directive_id": d, "unit_id": CHI_BO, "requirement_id": "r1",
              "values": {"sessions": "3", "participants": "45"}}  # fmt: skip
    wait_for(
        lambda: (
            as_operator.post(
                f"{stack.url('reporter')}/api/submissions", json=report, timeout=30
            ).status_code
            in (200, 201)
        ),
        30,
        "the chi bộ's report filed",
    )
    synthesis = f"{stack.url('aggregator')}/api/directives/{d}/synthesis"

    def rolled_up() -> bool:
        answer = as_operator.get(synthesis, timeout=30)
        return (
            answer.status_code == 200
            and answer.json()["requirements"][0]["totals"]["submitted"] == 1
        )

    wait_for(rolled_up, 30, "the report in the synthesis")
    return p, d


@pytest.fixture
def driver(tmp_path, stack):
    chrome = browser(tmp_path / "chromium")
    add_account(stack.admin_nats_url, "lanhdao.snv.tonghop", SNV, "lanh_dao", "Trần Thị Hoa")
    sign_in(chrome, stack.url("front"), "lanhdao.snv.tonghop", PASSWORD)
    yield chrome
    chrome.quit()


def test_the_leader_writes_the_assessment_saves_and_approves(driver, stack, own_directive):
    p, d = own_directive
    front = stack.url("front")
    driver.get(f"{front}/directives/{d}/synthesis")
    assert driver.find_element("tag name", "h1").text.startswith("Báo cáo tổng hợp")
    docx_link = driver.find_element("link text", "Tải về .docx").get_attribute("href")
    assert docx_link.endswith(f"/api/directives/{d}/synthesis?unit={SNV}&format=docx")
    assert "Chưa gửi báo cáo lên cấp trên" in driver.find_element("id", "upward-state").text
    page_shots(driver, "synthesis-1-opened")

    fill(driver, "assessment", ASSESSMENT)
    driver.find_element("id", "next_steps").send_keys("Tiếp tục đôn đốc các chi bộ.")
    click_and_wait(driver, "form.notes button[type=submit]")
    assert "Đã lưu các phần đơn vị tự viết" in driver.find_element("css selector", ".notice").text
    assert driver.find_element("id", "assessment").get_attribute("value") == ASSESSMENT
    paper = driver.find_element("css selector", ".paper").text
    assert "IV. ĐÁNH GIÁ CHUNG" in paper and "Một số chi bộ báo cáo còn chậm" in paper
    assert "V. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI" in paper
    # the page asked for nothing beyond the site (the browser's own favicon aside)
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.endsWith('/favicon.ico'))"
    )
    assert resources == [], resources
    page_shots(driver, "synthesis-2-saved")

    # the .docx the link gives, through the front, has the assessment
    downloaded = as_operator.get(docx_link, timeout=30)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(downloaded.content)).paragraphs]
    at = paragraphs.index("IV. ĐÁNH GIÁ CHUNG")
    assert ASSESSMENT.splitlines()[0] in paragraphs[at + 1 :], paragraphs[at:]

    # Someone else saves while this page is open: the next save is refused, both shown.
    elsewhere = as_operator.post(
        f"{stack.url('aggregator')}/directives/{d}/synthesis/notes",
        data={"unit": SNV, "revision": _revision(driver), "assessment": OTHER},
        timeout=30,
        follow_redirects=False,
    )
    assert elsewhere.status_code == 303, elsewhere.text
    driver.find_element("id", "lessons").send_keys("Phân công rõ người theo dõi từng chi bộ.")
    click_and_wait(driver, "form.notes button[type=submit]")
    assert "Chưa lưu" in driver.find_element("css selector", ".alert").text
    assert OTHER in driver.find_element("css selector", ".theirs").text
    assert driver.find_element("id", "assessment").get_attribute("value") == ASSESSMENT
    page_shots(driver, "synthesis-3-both-versions")
    field = driver.find_element("id", "assessment")
    field.send_keys("\n" + OTHER)
    click_and_wait(driver, "form.notes button[type=submit]")  # over the revision now shown
    assert "Đã lưu" in driver.find_element("css selector", ".notice").text
    assert OTHER in driver.find_element("css selector", ".paper").text

    click_and_wait(driver, "form[action$='/synthesis/approve'] button[type=submit]")
    notice = driver.find_element("css selector", ".notice").text
    assert "Đã duyệt báo cáo tổng hợp và gửi lên cấp trên." in notice

    def waiting() -> bool:
        driver.get(f"{front}/directives/{d}/synthesis")
        return (
            "Chờ cấp trên xem xét"
            in driver.find_element("css selector", "#up").find_element("xpath", "..").text
        )

    wait_for(waiting, 30, "the report sent up, waiting for Đảng ủy Khối")
    assert "Đã gửi lên cấp trên lúc" in driver.find_element("id", "upward-state").text
    page_shots(driver, "synthesis-4-sent-up")

    # and it is Đảng ủy Sở Nội vụ's report on P, with its figures
    history = as_operator.get(
        f"{stack.url('reporter')}/api/submissions/{p}/{SNV}/report", timeout=30
    ).json()
    assert history["versions"][0]["values"]["sessions"] == 3
