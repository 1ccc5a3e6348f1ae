"""A whole campaign through the staff console only, in real headless Chromium, at the one
address the staff use (the front): Đảng ủy Sở Nội vụ's clerk signs in, finds on the home
page the plan the level above assigned it, uploads seed 003 as its implementing plan,
corrects one recipient and the deadline, and issues it; the chi bộ report through the
signed links in their mails; the specialist returns one report and accepts the rest
from the review queue, writes the synthesis's assessment; the leader approves it; and
Đảng ủy Khối's staff find it in their own review queue, as the committee's report.

Every page on the way is saved at 390 and 1280 px (var/screenshots/walk-*) and checked
with axe-core. The level above's plan, 153-KH/ĐUK, is not a seed: it is issued through
the API first, as the level above would have."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chidao.demo.script import PARENT, PARENT_ID
from chidao.runtime.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_accounts
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.support import as_operator, assignment_link, mails_of, wait_for

pytestmark = pytest.mark.e2e

SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
COMMITTEE = "du-so-noi-vu-hy"
DIRECTIVE_ID = "101-kh-du--du-so-noi-vu-hy"
DUE = "2099-12-10"  # corrected: the document's own deadline, 10/12/2024, has passed
REMOVED = "lanh-dao-snv-hy"  # "Lãnh đạo Sở Nội vụ", taken off the recipients
RETURNED = "cb-snv-van-phong"
REASON = "Đề nghị bổ sung số buổi sinh hoạt của tháng 6."
ASSESSMENT = "Các chi bộ đã triển khai nghiêm túc, đúng kế hoạch; tỷ lệ đảng viên tham gia cao."


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    asyncio.run(ensure_accounts(stack.admin_nats_url, DEMO_ACCOUNTS, DEMO_PASSWORD))
    issued = as_operator.post(  # the level above's plan, due in 2024: issued knowingly
        f"{stack.url('issuer')}/api/directives", json=PARENT, timeout=30,
        params={"allow_past": "true"},
    )  # fmt: skip
    assert issued.status_code == 201, issued.text
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    yield chrome
    chrome.quit()


def _as(driver, stack, username: str) -> None:
    """Sign out whoever was signed in, and sign in as ``username`` at the console."""
    driver.set_window_size(1280, 1000)
    driver.get(f"{stack.console_url}/login")
    if driver.find_elements("id", "signed-in"):
        click_and_wait(driver, "form[action='/logout'] button")
    sign_in(driver, stack.console_url, username, DEMO_PASSWORD)


def _main(driver) -> str:
    return driver.find_element("tag name", "main").text


def _issue_seed(driver, stack) -> None:
    """Home → the plan from above → its own implementing plan: upload, correct, issue."""
    driver.get(f"{stack.console_url}/")
    assert "Văn bản cấp trên giao" in _main(driver) and PARENT["ref"] in _main(driver)
    page_shots(driver, "walk-01-home-before")
    click_and_wait(driver, f"a[href='/issue?basis={PARENT_ID}']")
    page_shots(driver, "walk-02-upload")
    driver.find_element("css selector", "input[type=file]").send_keys(str(SEED))
    click_and_wait(driver, "form[enctype] button[type=submit]")
    assert "/issue/" in driver.current_url, _main(driver)[:1000]
    assert driver.find_element("id", "ref").get_attribute("value") == "101-KH/ĐU"
    kinds = {m.get_attribute("data-kind") for m in driver.find_elements("css selector", "pre mark")}
    assert {"number", "date", "basis", "recipient", "deadline"} <= kinds
    page_shots(driver, "walk-03-draft")
    driver.set_window_size(1280, 1000)
    removed = driver.find_element("css selector", "button[name=remove][value=recipient-2]")
    assert "Lãnh đạo Sở Nội vụ" in removed.get_attribute("textContent")
    click_and_wait(driver, "button[name=remove][value=recipient-2]")
    due = driver.find_element("id", "requirement-0-due")
    driver.execute_script(f"arguments[0].value = '{DUE}'", due)  # what the date picker sets
    click_and_wait(driver, "button[formaction$='/issue']")
    assert driver.current_url.endswith(f"/directives/{DIRECTIVE_ID}"), (
        driver.current_url,
        _main(driver)[:2000],  # what the page refused
    )


def _issued_as_corrected(stack) -> list[str]:
    """The directive as issued: the corrections, the original attached; its chi bộ."""
    record = as_operator.get(f"{stack.url('issuer')}/api/directives/{DIRECTIVE_ID}", timeout=30)
    assert record.status_code == 200, record.text
    directive = record.json()["directive"]
    units = {s.get("unit") for r in directive["recipients"] for s in r["units"]}
    assert REMOVED not in units
    assert directive["requirements"][0]["due_before"].startswith(f"{DUE}T00:00:00")
    assert directive["document"]["filename"] == SEED.name
    mails = wait_for(
        lambda: len(found := mails_of(stack.mail, DIRECTIVE_ID, "assignment")) >= 9 and found,
        60,
        "the nine chi bộ's assignment mails",
    )
    assert not mails_of(stack.mail, DIRECTIVE_ID, unit=REMOVED)
    return sorted({m.message["X-Chidao-Unit"] for m in mails})


def _badges(driver, key: str) -> int:
    driver.refresh()
    return len(driver.find_elements("css selector", f".badge-{key}"))


def _mailed_then_opened(driver, stack, first: str) -> None:
    """Before any report: every chi bộ shown as mailed; once one opens its link, as
    having opened it."""
    page = f"{stack.console_url}/directives/{DIRECTIVE_ID}"
    driver.get(page)
    wait_for(lambda: _badges(driver, "mailed") == 9, 30, "the nine chi bộ shown as mailed")
    driver.get(assignment_link(stack.mail, DIRECTIVE_ID, first))  # opened, nothing sent
    assert driver.find_elements("css selector", "input[name=sessions]"), _main(driver)
    driver.get(page)
    wait_for(lambda: _badges(driver, "opened") == 1, 30, "the chi bộ that opened its link")
    assert _badges(driver, "mailed") == 8
    page_shots(driver, "walk-04a-directive-before-reports")


def _report_through_the_link(driver, stack, unit: str) -> None:
    driver.get(assignment_link(stack.mail, DIRECTIVE_ID, unit))
    fill(driver, "sessions", "2")
    fill(driver, "participants", "30")
    fill(driver, "members_attending", "18")
    fill(driver, "members_total", "19")
    driver.find_element("css selector", "input[name=forms][value=hoi-nghi]").click()
    click_and_wait(driver, "#report-form button[type=submit]")
    assert "Đã nhận báo cáo" in driver.find_element("tag name", "h1").text, _main(driver)


def _review(driver, stack, units: list[str]) -> None:
    """The specialist returns one report with a reason and accepts the rest at once."""
    driver.get(f"{stack.console_url}/reviews")
    waiting = driver.find_elements("css selector", "input[name=item]")
    assert len(waiting) == len(units), _main(driver)
    page_shots(driver, "walk-05-reviews")
    driver.set_window_size(1280, 1000)
    driver.get(f"{stack.console_url}/reports/{DIRECTIVE_ID}/{RETURNED}/r1")
    fill(driver, "reason", REASON)
    click_and_wait(driver, "button[value=return]")
    assert "Đã trả lại báo cáo" in driver.page_source
    driver.get(f"{stack.console_url}/reviews")
    boxes = driver.find_elements("css selector", "input[name=item]")
    assert len(boxes) == len(units) - 1  # the returned one left the queue
    for box in boxes:  # scrolled to the middle: the accept button stays at the bottom
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    click_and_wait(driver, "form.queue button[type=submit]")
    assert f"Đã chấp nhận {len(units) - 1} báo cáo." in _main(driver)
    page_shots(driver, "walk-06-reviews-accepted")


def _write_and_approve(driver, stack) -> None:
    synthesis = f"{stack.console_url}/directives/{DIRECTIVE_ID}/synthesis"
    driver.set_window_size(1280, 1000)
    driver.get(synthesis)
    fill(driver, "assessment", ASSESSMENT)
    click_and_wait(driver, "form.notes button[type=submit]")
    assert ASSESSMENT in _main(driver)
    page_shots(driver, "walk-07-synthesis-written")
    _as(driver, stack, "lanhdao.snv")
    driver.get(synthesis)
    click_and_wait(driver, f"form[action$='/{DIRECTIVE_ID}/synthesis/approve'] button")
    assert "Đã duyệt báo cáo tổng hợp và gửi lên cấp trên" in _main(driver)
    page_shots(driver, "walk-08-synthesis-sent")
    driver.get(f"{stack.console_url}/")  # the plan issued, its progress; the one from above
    assert "101-KH/ĐU" in _main(driver) and PARENT["ref"] in _main(driver)
    page_shots(driver, "walk-09-home-after")


def test_a_campaign_through_the_console_only(driver, stack):
    _as(driver, stack, "vanthu.snv")
    _issue_seed(driver, stack)
    chi_bo = _issued_as_corrected(stack)
    assert len(chi_bo) == 9 and RETURNED in chi_bo

    _mailed_then_opened(driver, stack, chi_bo[0])
    for unit in chi_bo:  # each chi bộ, from the link in its own mail
        _report_through_the_link(driver, stack, unit)
    _as(driver, stack, "chuyenvien.snv")
    driver.get(f"{stack.console_url}/directives/{DIRECTIVE_ID}")
    wait_for(
        lambda: (
            driver.refresh() or len(driver.find_elements("css selector", ".badge-on_time")) == 9
        ),
        30,
        "the nine chi bộ shown as reported on time",
    )
    page_shots(driver, "walk-04-directive")
    _review(driver, stack, chi_bo)
    _write_and_approve(driver, stack)

    # the level above: Đảng ủy Khối's staff have the committee's report in their queue
    _as(driver, stack, "lanhdao.duk")
    driver.get(f"{stack.console_url}/reviews")
    wait_for(
        lambda: driver.refresh() or "Đảng ủy Sở Nội vụ" in _main(driver),
        30,
        "the committee's synthesis in the level above's review queue",
    )
    assert PARENT["ref"] in _main(driver)
    page_shots(driver, "walk-10-parent-reviews")
    driver.get(f"{stack.console_url}/")
    page_shots(driver, "walk-11-parent-home")
