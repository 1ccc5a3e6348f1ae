"""The staff's report page and the audit page in a real headless Chromium, inside the
console's frame, through the console's one address, against the four services as
processes: a committee's specialist opens a chi bộ's report (its versions, the attached
file), revokes the chi bộ's signed link from the page, and the page says when and by
whom while the link answers 410; the committee's leader reads the audit trail, filtered
to the specialist, with the revocation on it. Screenshots at 390 and 1280 px wide
(var/screenshots/report-page-*.png, audit-page-*.png); axe-core finds nothing serious."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-noi-vu-hy"
UNIT = "cb-snv-thanh-tra"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Nội vụ", "93-KH/ĐU", "Thử trang báo cáo của đơn vị", place="Hưng Yên"
)
FILE_NAME = "Báo cáo Thanh tra Sở.pdf"


def _issue_and_report(stack, number: int) -> str:
    """This test's directive issued and the chi bộ's report sent twice (a correction):
    its id."""
    body, directive_id = numbered(DIRECTIVE, number)
    answer = as_operator.post(f"{stack.url('issuer')}/api/directives", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    for sessions in ("2", "3"):

        def sent(sessions: str = sessions) -> bool:
            answer = as_operator.post(
                f"{stack.url('reporter')}/api/submissions",
                json={
                    "directive_id": directive_id,
                    "unit_id": UNIT,
                    "requirement_id": "r1",
                    "narrative": "Chi bộ đã tổ chức học tập đầy đủ.",
                    "values": {
                        "sessions": sessions,
                        "participants": "24",
                        "difficulties": "Một số đảng viên đi công tác dài ngày.",
                        "report_file": {
                            "filename": FILE_NAME,
                            "data": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode(),
                        },
                    },
                },
                timeout=30,
            )
            assert answer.status_code in (200, 201, 403, 404), answer.text
            return answer.status_code in (200, 201)

        wait_for(sent, 30, f"version with {sessions} sessions")
    return directive_id


def _main(driver) -> str:
    return driver.find_element("tag name", "main").text


def test_the_specialist_revokes_a_link_from_the_report_page(stack, number, tmp_path):
    directive_id = _issue_and_report(stack, number)
    link = assignment_link(stack.mail, directive_id, UNIT)
    assert httpx.get(link, timeout=10).status_code == 200
    add_account(stack.admin_nats_url, "chuyenvien.snv.thuhoi", PARENT, "chuyen_vien")
    add_account(stack.admin_nats_url, "lanhdao.snv.nhatky", PARENT, "lanh_dao", "Đỗ Thu Hà")
    page = f"{stack.console_url}/reports/{directive_id}/{UNIT}/r1"

    driver = browser(tmp_path / "chromium")
    try:
        sign_in(driver, stack.console_url, "chuyenvien.snv.thuhoi", PASSWORD)
        driver.get(page)
        assert driver.find_element("tag name", "h1").text == "Báo cáo của Chi bộ Thanh tra Sở"
        nav = driver.find_element("css selector", "header.site nav").text
        assert "Duyệt báo cáo" in nav and "Trang chủ" in nav
        assert driver.find_elements("link text", FILE_NAME)
        versions = driver.find_elements("css selector", "article.version h2")
        assert [v.text.split()[:2] for v in versions] == [["Lần", "2"], ["Lần", "1"]]
        assert driver.find_element("css selector", f"a[href='/directives/{directive_id}']")
        page_shots(driver, "report-page")

        click_and_wait(driver, "form.revoke button[type=submit]")
        assert driver.current_url == f"{page}?revoked=true"
        assert "Đã thu hồi đường dẫn báo cáo" in driver.find_element("id", "message").text
        revoked = driver.find_element("id", "link-revoked").text
        assert "chuyenvien.snv.thuhoi" in revoked and " giờ " in revoked
        assert not driver.find_elements("css selector", "form.revoke")
        page_shots(driver, "report-page-revoked")

        gone = wait_for(
            lambda: (r := httpx.get(link, timeout=10)).status_code == 410 and r,
            15,
            "the signed link refused",
        )
        assert "Đường dẫn đã bị thu hồi" in gone.text

        driver.find_element("css selector", "header.site form button").click()  # sign out
        wait_for(lambda: driver.find_elements("id", "username"), 20, "the sign-in page")
        sign_in(driver, stack.console_url, "lanhdao.snv.nhatky", PASSWORD)
        driver.get(f"{stack.console_url}/audit")
        assert driver.find_element("tag name", "h1").text == "Nhật ký thao tác"
        fill(driver, "user", "chuyenvien.snv.thuhoi")
        click_and_wait(driver, "form.audit-filters button[type=submit]")

        def listed() -> bool:
            rows = [r.text for r in driver.find_elements("css selector", "tbody tr")]
            if any("thu hồi đường dẫn báo cáo" in r for r in rows):
                return True
            driver.refresh()
            return False

        wait_for(listed, 20, "the revocation on the audit page")
        assert "Đỗ Thu Hà" in driver.find_element("css selector", "header.site .who").text
        page_shots(driver, "audit-page")
    finally:
        driver.quit()
