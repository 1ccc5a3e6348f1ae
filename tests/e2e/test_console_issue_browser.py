"""Issuing from a document in a real headless Chromium, through the front as the staff
use it: a clerk uploads seed 003, sees the reading beside the highlighted text, gives it
this test's own number, swaps one recipient with the unit picker, moves the deadline with
the date picker and issues it; the directive issued is read back through the API.
Screenshots of the upload page and the draft page at 390 and 1280 px wide."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.accounts import PASSWORD, add_account
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.support import as_operator

pytestmark = pytest.mark.e2e

UNIT = "du-so-noi-vu-hy"
SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    add_account(stack.admin_nats_url, "vanthu.snv", UNIT, "van_thu", "Nguyễn Thị Văn Thư")
    sign_in(chrome, stack.console_url, "vanthu.snv", PASSWORD)
    yield chrome
    chrome.quit()


def test_a_clerk_uploads_corrects_and_issues_a_document(driver, stack, number):
    site = stack.console_url
    driver.set_window_size(1280, 1000)
    driver.get(f"{site}/issue")
    assert driver.find_element("tag name", "h1").text == "Ban hành văn bản"
    page_shots(driver, "issue-upload")

    driver.find_element("css selector", "input[type=file]").send_keys(str(SEED))
    click_and_wait(driver, "form[enctype] button[type=submit]")
    assert "/issue/" in driver.current_url, driver.page_source[:2000]
    marks = {m.get_attribute("data-kind") for m in driver.find_elements("css selector", "pre mark")}
    assert marks == {"number", "date", "basis", "recipient", "deadline"}
    assert driver.find_element("id", "ref").get_attribute("value") == "101-KH/ĐU"
    page_shots(driver, "issue-draft")
    # the mails the notifier would send, one per kind of recipient, folded until opened
    summaries = driver.find_elements("css selector", "details.mail summary")
    assert summaries and summaries[0].text.endswith("(được giao báo cáo)"), summaries
    summaries[0].click()
    opened = driver.find_element("css selector", "details.mail[open] pre.mail-text")
    assert "/r/(mã-riêng-của-đơn-vị)" in opened.text and "101-KH/ĐU" in opened.text
    page_shots(driver, "issue-draft-mail")

    ref = f"{number}-KH/ĐU"
    fill(driver, "ref", ref)
    driver.find_element("id", "q").send_keys("tuyên giáo khối")
    click_and_wait(driver, "button[name=search]:not(.offscreen)")
    assert_accessible(driver, "/issue/{id}?q=")
    assert driver.find_element("id", "ref").get_attribute("value") == ref  # saved first
    click_and_wait(driver, "button[name=add][value=btg-duk-hung-yen]")
    click_and_wait(driver, "button[name=remove][value=recipient-2]")  # Lãnh đạo Sở Nội vụ
    due = driver.find_element("id", "requirement-0-due")
    driver.execute_script("arguments[0].value = '2099-12-20'", due)  # the date picker's pick
    page_shots(driver, "issue-draft-corrected")
    click_and_wait(driver, "button[formaction$='/issue']")
    # (the directive's page is the aggregator's; this test only follows the redirect)

    directive_id = f"{number}-kh-du--{UNIT}"
    assert driver.current_url.endswith(f"/directives/{directive_id}"), (
        driver.current_url,
        driver.find_element("tag name", "main").text[:2000],  # what the page refused
    )
    record = as_operator.get(f"{stack.url('issuer')}/api/directives/{directive_id}", timeout=30)
    assert record.status_code == 200, record.text
    directive = record.json()["directive"]
    units = [s.get("unit") for r in directive["recipients"] for s in r["units"]]
    assert "btg-duk-hung-yen" in units and "lanh-dao-snv-hy" not in units
    assert directive["requirements"][0]["due_before"].startswith("2099-12-20T00:00:00")
    assert directive["document"]["filename"] == SEED.name
    driver.get(f"{site}/issue")  # the draft is listed, issued, with a link to its directive
    assert driver.find_elements("css selector", f"a[href='/directives/{directive_id}']")
    page_shots(driver, "issue-upload-with-drafts")
