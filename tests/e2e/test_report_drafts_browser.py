"""A chi bộ's "Lưu nháp" in a real headless Chromium, against the four services as
processes: the button posts the report form unchecked (a value that is no number yet, the
required field empty), the page comes back saying it was saved and filled from the
draft, and again when the link is opened later; Enter in a field still sends the report
(the first button), after which the page shows what was sent. Screenshots at 390 and
1280 px wide (var/screenshots/report-draft-*.png); axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from tests.e2e.browser import browser, click_and_wait, fill, page_shots
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link

pytestmark = pytest.mark.e2e

PARENT = "du-so-noi-vu-hy"
UNIT = "cb-snv-thanh-tra"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Nội vụ", "94-KH/ĐU", "Thử lưu nháp báo cáo", place="Hưng Yên"
)


def _value(driver, name: str) -> str:
    return driver.find_element("name", name).get_attribute("value")


def test_a_chi_bo_saves_its_report_as_a_draft_then_sends_it(stack, number, tmp_path):
    body, directive_id = numbered(DIRECTIVE, number)
    answer = as_operator.post(f"{stack.url('issuer')}/api/directives", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    link = assignment_link(stack.mail, directive_id, UNIT)

    driver = browser(tmp_path / "chromium")
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

    try:
        driver.get(link)
        fill(driver, "participants", "khoảng 20")  # not a number yet: a draft keeps it
        fill(driver, "difficulties", "Đang chờ số liệu.")
        click_and_wait(driver, "#save-draft")
        notice = driver.find_element("id", "notice").text
        assert "Đã lưu nháp lúc" in notice and "báo cáo chưa được gửi" in notice, notice
        assert not driver.find_elements("id", "problems")  # nothing was checked
        assert _value(driver, "participants") == "khoảng 20"
        page_shots(driver, "report-draft-saved")

        driver.get(link)  # later, from the mail again
        assert "Bản nháp lưu lúc" in driver.find_element("id", "draft").text
        assert _value(driver, "difficulties") == "Đang chờ số liệu."

        fill(driver, "sessions", "2")
        fill(driver, "participants", "20")
        # Enter in a field: the browser's implicit submission, by the first button
        driver.find_element("name", "participants").send_keys(Keys.ENTER)
        WebDriverWait(driver, 30).until(lambda d: d.find_elements("id", "receipt"))
        assert "Đã nhận báo cáo" in driver.find_element("tag name", "h1").text

        driver.get(link)
        assert not driver.find_elements("id", "draft")
        assert _value(driver, "participants") == "20"  # what was sent
    finally:
        driver.quit()
