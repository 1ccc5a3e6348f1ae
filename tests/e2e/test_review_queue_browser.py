"""The review queue (/reviews) in a real headless Chromium against the four services as
processes: a committee's specialist signs in, sees its chi bộ's reports waiting (by
directive, oldest first, on time or late), selects two and accepts them at once, and the
page says so and lists only what still waits. Screenshots at 390 and 1280 px wide
(var/screenshots/reviews-*.png); axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, page_shots, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-noi-vu-hy"
UNITS = {
    "cb-snv-van-phong": "Chi bộ Văn phòng Sở",
    "cb-snv-thanh-tra": "Chi bộ Thanh tra Sở",
    "cb-snv-cchc": "Chi bộ Phòng Cải cách hành chính",
}
ON_TIME = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Nội vụ", "88-KH/ĐU", "Tổ chức học tập nghị quyết", place="Hưng Yên"
)
LATE = directive_to_chi_bo(
    PARENT,
    "Đảng ủy Sở Nội vụ",
    "89-KH/ĐU",
    "Sơ kết công tác dân vận",
    due_before="2024-07-01T00:00:00+07:00",
    place="Hưng Yên",
)


def _issue(stack, directive: dict, number: int) -> str:
    body, directive_id = numbered(directive, number)
    answer = as_operator.post(  # due in 2024: late reports, on purpose
        f"{stack.url('issuer')}/api/directives", json=body, timeout=30,
        params={"allow_past": "true"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return directive_id


def _report(stack, directive_id: str, unit: str) -> None:
    """The chi bộ's report, once its assignment has reached the reporter."""

    def sent() -> bool:
        answer = as_operator.post(
            f"{stack.url('reporter')}/api/submissions",
            json={
                "directive_id": directive_id,
                "unit_id": unit,
                "requirement_id": "r1",
                "values": {"sessions": "2", "participants": "35"},
            },
            timeout=30,
        )
        # 404, 403: the directive, the assignment not at the reporter yet
        assert answer.status_code in (201, 403, 404), answer.text
        return answer.status_code == 201

    wait_for(sent, 30, f"{unit}'s report")


def _rows(driver) -> list[str]:
    return [
        box.get_attribute("value")
        for box in driver.find_elements("css selector", "input[type=checkbox][name=item]")
    ]


def test_the_staff_select_two_reports_and_accept_them_at_once(stack, number, tmp_path):
    on_time, late = _issue(stack, ON_TIME, number), _issue(stack, LATE, number + 1)
    for unit in UNITS:
        _report(stack, on_time, unit)
    _report(stack, late, "cb-snv-ton-giao")
    add_account(stack.admin_nats_url, "chuyenvien.snv.duyet", PARENT, "chuyen_vien")

    driver = browser(tmp_path / "chromium")
    try:
        sign_in(driver, stack.url("reporter"), "chuyenvien.snv.duyet", PASSWORD)
        driver.get(f"{stack.url('reporter')}/reviews")
        assert driver.find_element("tag name", "h1").text == "Duyệt báo cáo"
        groups = [h.text for h in driver.find_elements("css selector", "section.directive h2")]
        assert len(groups) == 2 and all(g.startswith("Kế hoạch số ") for g in groups)
        rows = _rows(driver)
        assert rows == [f"{on_time}/{u}/r1" for u in UNITS] + [f"{late}/cb-snv-ton-giao/r1"]
        assert driver.find_elements("css selector", ".badge-late")  # the late one
        page_shots(driver, "reviews-queue")

        for value in rows[:2]:
            driver.find_element("css selector", f"input[value='{value}']").click()
        click_and_wait(driver, "form.queue button[type=submit]")
        notice = driver.find_element("css selector", "p.notice").text
        assert notice == "Đã chấp nhận 2 báo cáo."
        assert _rows(driver) == rows[2:]
        page_shots(driver, "reviews-accepted")

        # nothing selected: said so, nothing changes
        click_and_wait(driver, "form.queue button[type=submit]")
        assert "Chưa chọn báo cáo nào" in driver.find_element("css selector", "p.alert").text
        assert _rows(driver) == rows[2:]
        page_shots(driver, "reviews-nothing-selected")

        # the one left opens on its own page
        click_and_wait(driver, f"a[href='/reports/{on_time}/cb-snv-cchc/r1']")
        assert "/reports/" in driver.current_url, driver.current_url
        assert "Chi bộ Phòng Cải cách hành chính" in driver.find_element("tag name", "h1").text
    finally:
        driver.quit()
