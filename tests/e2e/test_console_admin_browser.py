"""The administration pages in a real headless Chromium, through the staff site's one
address (the front) with the four services as processes: a quan_tri searches its units,
is told next to the form that an address is wrong, corrects it; adds an account whose
password the site makes and shows once; and the lateness ranking lists the chi bộ whose
report came in after the deadline. Each page is saved at 390 and 1280 px wide and
checked with axe-core."""

from __future__ import annotations

import base64

import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, page_shots, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-noi-vu-hy"
CHILD = "cb-snv-thanh-tra"
CHILD_NAME = "Chi bộ Thanh tra Sở"
ADMIN = "quantri.browser"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Nội vụ", "88-KH/ĐU", "Thử trang xếp hạng nộp muộn",
    due_before="2024-07-01T00:00:00+07:00",
)  # fmt: skip


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    add_account(stack.admin_nats_url, ADMIN, PARENT, "quan_tri", "Trịnh Văn Quản")
    sign_in(chrome, stack.console_url, ADMIN, PASSWORD)
    yield chrome
    chrome.quit()


def test_a_quan_tri_searches_its_units_and_corrects_an_address(driver, stack):
    driver.get(f"{stack.console_url}/units")
    assert driver.find_element("tag name", "h1").text == "Đơn vị"
    page_shots(driver, "admin-1-units")

    driver.get(f"{stack.console_url}/units?q=thanh tra")
    row = driver.find_element("id", f"unit-{CHILD}")
    row.find_element("tag name", "summary").click()
    field = row.find_element("name", "emails")  # this unit's, of those found
    field.clear()
    field.send_keys("thanhtra@snv.hungyen.example.org\nthanh tra@sai")
    click_and_wait(driver, f"#unit-{CHILD} button[type=submit]")
    row = driver.find_element("id", f"unit-{CHILD}")
    error = row.find_element("css selector", ".alert").text
    assert error.startswith("“thanh tra@sai” không phải là địa chỉ thư điện tử hợp lệ"), error
    assert row.find_element("name", "emails").get_attribute("value").endswith("thanh tra@sai")
    page_shots(driver, "admin-2-units-refused")

    field = row.find_element("name", "emails")  # this unit's, of those found
    field.clear()
    field.send_keys("thanhtra@snv.hungyen.example.org\nchanh.thanhtra@snv.hungyen.example.org")
    click_and_wait(driver, f"#unit-{CHILD} button[type=submit]")
    notice = driver.find_element("css selector", "p.notice").text
    assert notice == f"Đã cập nhật địa chỉ thư điện tử của {CHILD_NAME}."
    assert "chanh.thanhtra@snv.hungyen.example.org" in driver.page_source


def test_a_quan_tri_adds_an_account_and_sees_its_password_once(driver, stack):
    driver.get(f"{stack.console_url}/accounts")
    form = driver.find_element("css selector", "form#add-form")
    form.find_element("name", "username").send_keys("thanhtra.moi")
    form.find_element("name", "display_name").send_keys("Phan Thị Thanh")
    from selenium.webdriver.support.select import Select

    Select(form.find_element("name", "unit_id")).select_by_value(CHILD)
    form.find_element("css selector", "input[name=roles][value=chuyen_vien]").click()
    click_and_wait(driver, "form#add-form button[type=submit]")
    assert "Đã tạo tài khoản thanhtra.moi." in driver.find_element("css selector", "p.notice").text
    password = driver.find_element("css selector", ".secret code").text
    assert len(password) >= 12
    assert driver.find_element("id", "account-thanhtra.moi")
    page_shots(driver, "admin-3-accounts")


def test_the_lateness_ranking_lists_the_late_chi_bo(driver, stack, number):
    directive, directive_id = numbered(DIRECTIVE, number)
    issued = as_operator.post(  # due in 2024: the chi bộ reports late, on purpose
        f"{stack.url('issuer')}/api/directives", json=directive, timeout=30,
        params={"allow_past": "true"},
    )  # fmt: skip
    assert issued.status_code == 201, issued.text
    sent = as_operator.post(
        f"{stack.url('reporter')}/api/submissions",
        json={
            "directive_id": directive_id, "unit_id": CHILD, "requirement_id": "r1",
            "values": {
                "sessions": "1", "participants": "12", "members_attending": "9",
                "members_total": "10", "forms": ["hoi-nghi"],
                "report_file": {
                    "filename": "bao-cao.pdf",
                    "data": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode(),
                },
            },
        },
        timeout=30,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text

    def ranked() -> bool:
        driver.get(f"{stack.console_url}/units/lateness")
        rows = driver.find_elements("css selector", "li.rank-row")
        return bool(rows) and CHILD_NAME in rows[0].text

    wait_for(ranked, 30, "the late chi bộ first in the ranking")
    first = driver.find_element("css selector", "li.rank-row").text
    assert "Nộp muộn: 1" in first, first
    page_shots(driver, "admin-4-lateness")
