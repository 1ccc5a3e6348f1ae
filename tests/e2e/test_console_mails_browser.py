"""A directive's mail timeline and "Gửi lại đường dẫn" in a real headless Chromium, on
the notifier's own address (the front routes /directives/{id}/mails to it): the
committee's specialist sees every chi bộ's assignment mail, filters to one unit, resends
one chi bộ its link and is told so, and the chi bộ gets the resent mail. Screenshots at
390 and 1280 px wide (var/screenshots/mails-*.png); axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, page_shots, sign_in
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link, mails_of, signed_link, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư
UNIT = "cb-skhdt-van-phong"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Kế hoạch và Đầu tư", "78-KH/ĐU", "Thử trang thư đã gửi"
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    add_account(stack.admin_nats_url, "chuyenvien.thu", PARENT, "chuyen_vien")
    sign_in(chrome, stack.url("notifier"), "chuyenvien.thu", PASSWORD)
    yield chrome
    chrome.quit()


def test_the_timeline_and_a_resend(driver, stack, number):
    directive, directive_id = numbered(DIRECTIVE, number)
    issued = as_operator.post(f"{stack.url('issuer')}/api/directives", json=directive, timeout=30)
    assert issued.status_code == 201, issued.text
    first_link = assignment_link(stack.mail, directive_id, UNIT)
    expected = issued.json()["assignments"]  # one per chi bộ of the committee
    wait_for(
        lambda: len(mails_of(stack.mail, directive_id, "assignment")) == expected,
        30,
        "the chi bộ's assignment mails",
    )
    mails = f"{stack.url('notifier')}/directives/{directive_id}/mails"

    def assignment_rows() -> list:
        driver.get(mails)  # the ledger records a mail once the server has taken it
        return driver.find_elements("css selector", "#timeline tbody tr[data-kind=assignment]")

    rows = wait_for(lambda: len(found := assignment_rows()) == expected and found, 20, "rows")
    assert driver.find_element("tag name", "h1").text.startswith("Thư đã gửi — Kế hoạch số")
    assert {r.get_attribute("data-unit") for r in rows} >= {UNIT}
    assert "Chi bộ Văn phòng Sở" in driver.find_element("id", "timeline").text
    back = driver.find_element("link text", "← Về trang văn bản")
    assert back.get_attribute("href").endswith(f"/directives/{directive_id}")
    page_shots(driver, "mails-1-timeline")

    # one unit only, through the filter
    driver.find_element("css selector", f"#unit option[value='{UNIT}']").click()
    click_and_wait(driver, ".unit-filter button[type=submit]")
    units = {
        r.get_attribute("data-unit")
        for r in driver.find_elements("css selector", "#timeline tbody tr")
    }
    assert units == {UNIT}

    # resend its link: one mail more, said at the top of the page
    click_and_wait(driver, f"#assigned tr[data-unit='{UNIT}'] button[type=submit]")
    notice = driver.find_element("css selector", "p.notice").text
    assert "Đã gửi lại thư giao nhiệm vụ" in notice and "Chi bộ Văn phòng" in notice
    resent = wait_for(
        lambda: mails_of(stack.mail, directive_id, "resend", UNIT), 20, "the resent mail"
    )
    assert len(resent) == 1 and signed_link(resent[0]) == first_link
    assert "Gửi lại:" in resent[0].subject
    newest = driver.find_element("css selector", "#timeline tbody tr")
    assert newest.get_attribute("data-kind") == "resend"
    assert "Gửi lại đường dẫn" in newest.text
    page_shots(driver, "mails-2-after-resend")
