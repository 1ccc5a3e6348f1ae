"""Issuing after the leader's approval in a real headless Chromium, through the front, in a
stack whose directory says Đảng ủy Sở Nội vụ requires it: the clerk uploads seed 003 and
submits it ("Trình lãnh đạo duyệt"); the leader finds it under "Chờ đồng chí duyệt" and
returns it with a reason; the clerk reads the reason and submits again; the leader
approves and issues it ("Duyệt và ban hành"), read back through the API. Screenshots of
each state at 390 and 1280 px wide."""

from __future__ import annotations

from pathlib import Path

import pytest

from chidao.runtime.stack import Stack
from shared.directory import load_file
from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.factories import DEMO_DIRECTORY
from tests.support import as_operator, running

pytestmark = pytest.mark.e2e

UNIT = "du-so-noi-vu-hy"
SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
REASON = "Đề nghị ghi rõ hạn báo cáo sơ kết; sửa lại trích yếu cho gọn."


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The system with the demo directory, Đảng ủy Sở Nội vụ requiring approval."""
    units = [
        u.model_copy(update={"issue_needs_approval": True}) if u.id == UNIT else u
        for u in load_file(DEMO_DIRECTORY)
    ]
    stack = Stack(var_dir=tmp_path_factory.mktemp("stack"))
    with running(stack, units):
        yield stack


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    add_account(stack.admin_nats_url, "vanthu.snv", UNIT, "van_thu", "Nguyễn Thị Văn Thư")
    add_account(stack.admin_nats_url, "lanhdao.snv", UNIT, "lanh_dao", "Trần Văn Lãnh Đạo")
    yield chrome
    chrome.quit()


def _as(driver, stack, username: str) -> None:
    driver.delete_all_cookies()
    sign_in(driver, stack.console_url, username, PASSWORD)


def _text(driver) -> str:
    return driver.find_element("tag name", "main").text


def test_a_clerk_submits_the_leader_returns_then_approves_and_issues(driver, stack, number):
    site = stack.console_url
    _as(driver, stack, "vanthu.snv")
    driver.set_window_size(1280, 1000)
    driver.get(f"{site}/issue")
    driver.find_element("css selector", "input[type=file]").send_keys(str(SEED))
    click_and_wait(driver, "form[enctype] button[type=submit]")
    draft = driver.current_url.removeprefix(site)
    assert draft.startswith("/issue/"), driver.page_source[:2000]
    assert not driver.find_elements("css selector", "button[formaction$='/issue']")
    fill(driver, "ref", f"{number}-KH/ĐU")
    due = driver.find_element("id", "requirement-0-due")  # the seed's 10/12/2024 is past
    driver.execute_script("arguments[0].value = '2099-12-10'", due)
    page_shots(driver, "issue-approval-clerk")
    click_and_wait(driver, "button[formaction$='/submit']")
    assert "Chờ lãnh đạo duyệt." in _text(driver), _text(driver)[:1000]
    page_shots(driver, "issue-approval-submitted")

    _as(driver, stack, "lanhdao.snv")
    driver.get(f"{site}/issue")
    waiting = driver.find_element("css selector", "section[aria-labelledby=waiting-title]")
    assert f"{number}-KH/ĐU" in waiting.text and "Nguyễn Thị Văn Thư" in waiting.text
    page_shots(driver, "issue-approval-waiting")
    click_and_wait(driver, f"section[aria-labelledby=waiting-title] a[href='{draft}']")
    assert driver.find_element("css selector", "button[formaction$='/issue']").text == (
        "Duyệt và ban hành"
    )
    driver.find_element("id", "reason").send_keys(REASON)
    page_shots(driver, "issue-approval-leader")
    click_and_wait(driver, "#return-form button[type=submit]")
    assert "Đã trả lại bản nháp" in _text(driver)

    _as(driver, stack, "vanthu.snv")
    driver.get(f"{site}{draft}")
    assert REASON in _text(driver) and "Trần Văn Lãnh Đạo" in _text(driver)
    page_shots(driver, "issue-approval-returned")
    click_and_wait(driver, "button[formaction$='/submit']")
    assert "Chờ lãnh đạo duyệt." in _text(driver)

    _as(driver, stack, "lanhdao.snv")
    driver.get(f"{site}{draft}")
    click_and_wait(driver, "button[formaction$='/issue']")
    directive_id = f"{number}-kh-du--{UNIT}"
    assert driver.current_url.endswith(f"/directives/{directive_id}"), driver.current_url
    record = as_operator.get(f"{stack.url('issuer')}/api/directives/{directive_id}", timeout=30)
    assert record.status_code == 200, record.text
