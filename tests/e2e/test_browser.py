"""The pages people use, tried in a real headless Chromium against the four services
as processes: a chi bộ opens the link from its mail, fills in the report form, is told
what is wrong next to the fields, sends it with its signed report attached and reads the
receipt; the committee's staff watch the status page (its charts drawn with nothing from
the network), open the report and return it for correction. Each page is saved as a
screenshot (var/screenshots/). Each test issues its own directive; the staff's test has
the chi bộ's report sent through the API first."""

from __future__ import annotations

import base64

import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, screenshot, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-khdt-hy"
UNIT = "cb-skhdt-van-phong"
DIRECTIVE = directive_to_chi_bo(
    PARENT,
    "Đảng ủy Sở Kế hoạch và Đầu tư",
    "77-KH/ĐU",
    "Thử các trang trong trình duyệt",
    place="Hưng Yên",
)
SIGNED_REPORT = b"%PDF-1.4\n% bao cao da ky\n%%EOF\n"
REPORT_NAME = "Báo cáo chi bộ Văn phòng.pdf"


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    # the committee's specialist, signed in once: one cookie for every service's pages
    add_account(stack.admin_nats_url, "chuyenvien.khdt", PARENT, "chuyen_vien")
    sign_in(chrome, stack.url("aggregator"), "chuyenvien.khdt", PASSWORD)
    yield chrome
    chrome.quit()


@pytest.fixture
def issued(stack, number) -> str:
    """This test's own directive, issued: its id."""
    directive, directive_id = numbered(DIRECTIVE, number)
    response = as_operator.post(f"{stack.url('issuer')}/api/directives", json=directive, timeout=30)
    assert response.status_code == 201, response.text
    return directive_id


@pytest.fixture
def link(stack, issued) -> str:
    """The signed link in the chi bộ's assignment mail."""
    return assignment_link(stack.mail, issued, UNIT)


def test_a_chi_bo_fills_in_its_report_is_told_what_is_wrong_and_gets_a_receipt(
    driver, link, tmp_path
):
    driver.get(link)
    assert "Báo cáo của Chi bộ Văn phòng Sở" in driver.find_element("tag name", "h1").text
    assert "trước ngày 10/12/2099" in driver.page_source

    fill(driver, "sessions", "2,5")
    fill(driver, "members_attending", "20")
    fill(driver, "members_total", "19")
    click_and_wait(driver, "#report-form button[type=submit]")
    problems = {
        e.get_attribute("id"): e.text
        for e in driver.find_elements("css selector", "[id^=problem-]")
    }
    assert problems == {
        "problem-sessions": "Số buổi sinh hoạt, quán triệt: phải là số nguyên, không có phần lẻ.",
        "problem-members_attending": (
            "Số đảng viên tham gia: không được lớn hơn Tổng số đảng viên của đơn vị (19)."
        ),
    }
    # what was typed is still there to correct
    assert driver.find_element("name", "members_total").get_attribute("value") == "19"
    screenshot(driver, "1-submission-form-with-problems")

    report = tmp_path / REPORT_NAME
    report.write_bytes(SIGNED_REPORT)
    fill(driver, "sessions", "3")
    fill(driver, "participants", "1.234")
    fill(driver, "members_attending", "18")
    driver.find_element("css selector", "input[name=forms][value=hoi-nghi]").click()
    driver.find_element("css selector", "input[name=forms][value=truc-tuyen]").click()
    fill(driver, "difficulties", "Thiếu phòng họp.")
    driver.find_element("name", "report_file").send_keys(str(report))
    click_and_wait(driver, "#report-form button[type=submit]")

    receipt = driver.find_element("id", "receipt").text
    assert "Đã nhận báo cáo" in driver.find_element("tag name", "h1").text
    assert "Báo cáo đúng hạn." in receipt and "(phiên bản 1" in receipt
    values = {
        row.find_element("tag name", "th").text: row.find_element("tag name", "td").text
        for row in driver.find_elements("css selector", "table.values tr")
    }
    assert values["Số lượt người tham gia"] == "1.234 lượt người"
    assert values["Tỷ lệ đảng viên tham gia"] == "94,7%"  # computed, never typed
    assert values["Hình thức tổ chức"] == "Hội nghị; Trực tuyến"
    assert values["Báo cáo của đơn vị (bản có chữ ký, đóng dấu)"] == report.name
    screenshot(driver, "2-receipt")


def test_a_chi_bo_confirms_it_has_the_document_and_the_committee_sees_it(
    driver, link, issued, stack
):
    """Before any result to report, the chi bộ says it has the document; the committee's
    directive page shows that unit as having confirmed, the others as only mailed."""
    driver.get(link)
    click_and_wait(driver, "#confirm-received button[type=submit]")
    assert "Đã xác nhận đơn vị đã nhận văn bản" in driver.find_element("id", "notice").text
    # the page that answers no longer offers it (a reload still does: the reporter
    # does not keep contacts yet)
    assert not driver.find_elements("id", "confirm-received")
    assert driver.find_elements("css selector", "#report-form input[name=sessions]")
    screenshot(driver, "1b-received-confirmed")

    page = f"{stack.url('aggregator')}/directives/{issued}"

    def confirmed() -> list[str]:
        driver.get(page)
        return [
            b.find_element("xpath", "ancestor::tr").get_attribute("data-unit")
            for b in driver.find_elements("css selector", ".badge-received")
        ]

    wait_for(lambda: confirmed() == [UNIT], what="the chi bộ shown as having the document")
    assert "Đã xác nhận nhận văn bản" in driver.find_element("css selector", ".badge-received").text


def test_the_staff_watch_the_status_page_and_return_the_report(
    driver, link, issued, stack, tmp_path
):
    # the chi bộ's report, as the form above sends it, with its signed report attached
    sent = as_operator.post(
        f"{stack.url('reporter')}/api/submissions",
        json={
            "directive_id": issued,
            "unit_id": UNIT,
            "requirement_id": "r1",
            "values": {
                "sessions": "3", "participants": "1.234", "members_attending": "18",
                "members_total": "19", "forms": ["hoi-nghi", "truc-tuyen"],
                "difficulties": "Thiếu phòng họp.",
                "report_file": {
                    "filename": REPORT_NAME, "data": base64.b64encode(SIGNED_REPORT).decode()
                },
            },
        },
        timeout=30,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    url = f"{stack.url('aggregator')}/directives/{issued}/status"

    def timeliness() -> dict[str, str]:
        return {
            r.get_attribute("data-status"): r.get_attribute("data-count")
            for r in driver.find_elements("css selector", "svg.timeliness rect.segment")
        }

    def rolled_up():
        # the report, and the two other chi bộ's assignments (another consumer's events)
        driver.get(url)
        bars = driver.find_elements("css selector", f"svg.completion g.bar[data-unit={UNIT}]")
        full = bars and bars[0].get_attribute("data-share") == "100"  # per cent
        return full and timeliness() == {"on-time": "1", "missing": "2"}

    wait_for(rolled_up, what="the report and the two missing ones on the status page")
    assert len(driver.find_elements("css selector", "svg[role=img]")) == 2
    drawn = driver.execute_script(
        "return [...document.querySelectorAll('svg.completion g.bar rect.segment')]"
        ".map(r => r.getBoundingClientRect().width)"
    )
    assert len(drawn) == 1 and drawn[0] > 100  # the one full bar really has a width
    # the page asked for nothing beyond itself: no font, stylesheet, script or image
    # from anywhere (the browser's own favicon request is not the page's doing)
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.endsWith('/favicon.ico'))"
    )
    assert resources == [], resources
    screenshot(driver, "3-status-page")

    # "Lưu bản chụp thành tệp": the snapshot, kept on a disk and opened from there, looks
    # the same, says it is a snapshot, and its links still reach the staff site
    saved = driver.find_element("link text", "Lưu bản chụp thành tệp").get_attribute("href")
    kept = tmp_path / "tinh-hinh.html"
    kept.write_bytes(as_operator.get(saved, timeout=30).content)
    driver.get(kept.as_uri())
    assert "Bản lưu: số liệu tính đến" in driver.find_element("id", "saved").text
    assert len(driver.find_elements("css selector", "svg[role=img]")) == 2
    shade = driver.execute_script(
        "return getComputedStyle(document.getElementById('saved')).backgroundColor"
    )
    assert shade == "rgb(255, 248, 225)"  # its style came with it
    hrefs = [a.get_attribute("href") for a in driver.find_elements("tag name", "a")]
    assert hrefs and all(h.startswith(stack.console_url) for h in hrefs), hrefs
    screenshot(driver, "3b-status-page-saved-file")
    driver.get(url)

    click_and_wait(driver, "a[href*='/reports/']")
    assert "Báo cáo của Chi bộ Văn phòng Sở" in driver.find_element("tag name", "h1").text
    # the signed report the chi bộ attached is there to download, byte for byte
    href = driver.find_element("link text", REPORT_NAME).get_attribute("href")
    downloaded = as_operator.get(href, timeout=10)
    assert downloaded.content == SIGNED_REPORT
    assert downloaded.headers["content-type"] == "application/pdf"
    fill(driver, "reason", "Đề nghị bổ sung số tài liệu phát hành.")
    click_and_wait(driver, "button[value=return]")
    assert "Đã trả lại báo cáo" in driver.find_element("id", "message").text
    screenshot(driver, "4-report-returned")

    driver.get(link)
    returned = driver.find_element("id", "returned").text
    assert "Cấp trên đã trả lại báo cáo để sửa" in returned
    assert "Đề nghị bổ sung số tài liệu phát hành." in returned
    screenshot(driver, "5-submission-form-returned")


def test_a_leader_signs_in_and_reads_the_audit_trail(stack, issued, tmp_path):
    """The sign-in page (a wrong password first), then the audit trail of the leader's
    committee, naming the clerk-less operator's issue of this test's directive."""
    from selenium.webdriver.support.wait import WebDriverWait

    add_account(stack.admin_nats_url, "lanhdao.khdt", PARENT, "lanh_dao", "Vũ Minh Châu")
    chrome = browser(tmp_path / "chromium")
    try:
        chrome.get(f"{stack.url('issuer')}/audit")  # not signed in: to the sign-in page
        WebDriverWait(chrome, 20).until(lambda d: d.find_elements("id", "username"))
        assert "/login?next=%2Faudit" in chrome.current_url
        chrome.find_element("id", "username").send_keys("lanhdao.khdt")
        chrome.find_element("id", "password").send_keys("not the password")
        click_and_wait(chrome, "form button[type=submit]")
        assert (
            "Tên đăng nhập hoặc mật khẩu không đúng."
            in chrome.find_element("css selector", ".error").text
        )
        screenshot(chrome, "6-sign-in-refused")
        chrome.find_element("id", "password").send_keys(PASSWORD)
        click_and_wait(chrome, "form button[type=submit]")  # back where it was going
        assert chrome.find_element("tag name", "h1").text == "Nhật ký thao tác"
        rows = [r.text for r in chrome.find_elements("css selector", "tbody tr")]
        assert any("ban hành văn bản" in r and "Quản trị vận hành" in r for r in rows), rows
        screenshot(chrome, "7-audit-trail")
        chrome.get(f"{stack.url('issuer')}/login")
        assert "Vũ Minh Châu" in chrome.find_element("id", "signed-in").text
        screenshot(chrome, "8-signed-in")
    finally:
        chrome.quit()
