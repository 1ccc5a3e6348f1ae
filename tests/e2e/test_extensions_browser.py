"""Asking for more time and answering, in a real headless Chromium against the four
services as processes: a chi bộ opens the link its mail gave it, asks for a later deadline
(first without a reason: the page says so beside the field and keeps the date), then with
one; the committee's specialist sees the request on the report page but no answer form,
and is refused if it posts one; the committee's leader grants a shorter extension than
asked, and the chi bộ's page shows the new deadline. Screenshots (var/screenshots/
extension-*.png) at 390 and 1280 px; axe-core finds nothing serious."""

from __future__ import annotations

import httpx
import pytest

from tests.accounts import PASSWORD, add_account, token_headers
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link

pytestmark = pytest.mark.e2e

PARENT = "du-so-noi-vu-hy"
UNIT = "cb-snv-thanh-tra"
DIRECTIVE = directive_to_chi_bo(
    PARENT,
    "Đảng ủy Sở Nội vụ",
    "97-KH/ĐU",
    "Thử xin gia hạn báo cáo",
    due_before="2099-06-01T00:00:00+07:00",
)


def _set_date(driver, field_id: str, iso: str) -> None:
    """A date input's value as the browser's picker leaves it (its typing is by locale)."""
    field = driver.find_element("id", field_id)
    driver.execute_script("arguments[0].value = arguments[1]", field, iso)


def _ask(driver, link: str) -> None:
    driver.get(link)
    driver.find_element("css selector", "#extension summary").click()
    _set_date(driver, "requested_due", "2099-06-30")
    click_and_wait(driver, "#extension-form button[type=submit]")
    problem = driver.find_element("id", "problem-reason").text
    assert "Ghi lý do xin gia hạn" in problem
    assert driver.find_element("id", "requested_due").get_attribute("value") == "2099-06-30"
    page_shots(driver, "extension-unit-refused")
    fill(driver, "reason", "Chi bộ đang kiện toàn cấp ủy, chưa tổng hợp kịp số liệu.")
    click_and_wait(driver, "#extension-form button[type=submit]")
    notice = driver.find_element("id", "notice").text
    assert "Đã gửi đề nghị gia hạn đến trước ngày 30/06/2099" in notice
    assert "Đang chờ lãnh đạo cấp trên trả lời." in driver.find_element("id", "extension").text
    page_shots(driver, "extension-unit-asked")


def test_a_unit_asks_for_more_time_and_the_leader_shortens_it(stack, number, tmp_path):
    body, directive_id = numbered(DIRECTIVE, number)
    answer = as_operator.post(f"{stack.url('issuer')}/api/directives", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    link = assignment_link(stack.mail, directive_id, UNIT)
    add_account(stack.admin_nats_url, "chuyenvien.snv.giahan", PARENT, "chuyen_vien")
    add_account(stack.admin_nats_url, "lanhdao.snv.giahan", PARENT, "lanh_dao", "Lê Quang Thành")
    page = f"{stack.console_url}/reports/{directive_id}/{UNIT}/r1"

    driver = browser(tmp_path / "chromium")
    try:
        _ask(driver, link)

        # the specialist reads the request; the answer is the leader's
        sign_in(driver, stack.console_url, "chuyenvien.snv.giahan", PASSWORD)
        driver.get(page)
        assert "chưa tổng hợp kịp số liệu" in driver.find_element("id", "extension").text
        assert not driver.find_elements("id", "extension-decision")
        specialist = token_headers(stack.url("issuer"), "chuyenvien.snv.giahan")
        refused = httpx.post(
            f"{stack.url('reporter')}/api/extensions/{directive_id}/{UNIT}/r1/decision",
            json={"decision": "grant"},
            headers=specialist,
            timeout=30,
        )
        assert refused.status_code == 403, refused.text
        driver.find_element("css selector", "header.site form button").click()  # sign out
        driver.delete_all_cookies()

        sign_in(driver, stack.console_url, "lanhdao.snv.giahan", PASSWORD)
        driver.get(page)
        page_shots(driver, "extension-leader")
        _set_date(driver, "granted_due", "2099-06-20")  # shorter than asked
        click_and_wait(driver, "#extension-decision button[value=grant]")
        message = driver.find_element("id", "message").text
        assert "Đã đồng ý gia hạn, hạn mới: trước ngày 20/06/2099" in message
        assert "hạn ban đầu trước ngày 01/06/2099" in driver.find_element("id", "deadline").text
        decided = driver.find_element("id", "extension-requests").text
        assert "ngắn hơn hạn đơn vị xin" in decided and "Lê Quang Thành" in decided
        assert not driver.find_elements("id", "extension-decision")
        page_shots(driver, "extension-granted")

        driver.get(link)
        box = driver.find_element("css selector", ".box").text
        assert "Thời hạn: trước ngày 20/06/2099" in box and "đã được gia hạn" in box
        answered = driver.find_element("id", "extension").text
        assert "Đồng ý gia hạn" in answered
        assert "lanhdao.snv.giahan" not in answered  # the parent's accounts stay its own
        page_shots(driver, "extension-unit-granted")
    finally:
        driver.quit()
