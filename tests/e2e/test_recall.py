"""Recalling a directive on a two-level cascade, through the four services as processes,
a real nats-server and a real SMTP server.

Đảng ủy Khối issues a plan P to its grassroots committees; Đảng ủy Sở Nội vụ implements
it with a plan of its own (its basis names P) to its chi bộ. Đảng ủy Khối's leader then
recalls P with a reason: every committee P reached is mailed the notice, Đảng ủy Sở Nội
vụ is told that its plan's basis was recalled, P's links answer that it was recalled and
its reminders are gone, its pages say so; Đảng ủy Sở Nội vụ's own plan keeps working."""

from __future__ import annotations

import pytest

from chidao.runtime.stack import Stack
from shared import subjects, topology
from shared.clock import parse_clock
from shared.directory import load_file
from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.e2e.test_levels import KHOI, SNV, _directive, _midnight, _post, _submit
from tests.e2e.test_reminders import Mails, link_in
from tests.factories import DEMO_DIRECTORY
from tests.support import as_operator, eventually, running, stream_count, wait_for

pytestmark = pytest.mark.e2e

P = "89-kh-duk--duk-cqdn-hung-yen"
D = "14-kh-du--du-so-noi-vu-hy"
REASON = "Kế hoạch ban hành chưa đúng thẩm quyền; sẽ ban hành kế hoạch thay thế."


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("recall"),
        clock="sim:2024-06-01T08:00:00+07:00@3600",  # an hour per second: no deadline passes
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        yield stack


def mails(stack, template: str, directive_id: str, unit: str | None = None) -> list:
    return Mails(stack, directive_id).of(template, unit)


async def test_a_recall_reaches_every_unit_and_the_plans_implementing_it(stack, http, stack_js):
    clock = parse_clock(stack.clock, stack.clock_anchor)
    today = clock.now().date().isoformat()
    issuer = stack.url("issuer")
    result = {"id": "r1", "action": "báo cáo kết quả thực hiện",
              "due_before": _midnight(clock.now(), 30)}  # fmt: skip
    plan = _directive("89-KH/ĐUK", KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh", today,
                      [result])  # fmt: skip
    issued = await _post(http, f"{issuer}/api/directives", json=plan)
    basis = [{"kind": "KH", "ref": "89-KH/ĐUK", "issued_on": today}]
    own = _directive("14-KH/ĐU", SNV, "Đảng ủy Sở Nội vụ", today, [result], basis, True)
    await _post(http, f"{issuer}/api/directives", json=own)
    committees = await eventually(
        lambda: (m := mails(stack, "assignment", P)) and len(m) == issued["assignments"] and m,
        within=30,
        what="P's assignment mails",
    )
    reached = {m.message["X-Chidao-Unit"] for m in committees}
    link = link_in(next(m for m in committees if m.message["X-Chidao-Unit"] == SNV))
    assert (await http.get(link)).status_code == 200
    timers = f"{subjects.TIMER}.notifier.*.{P}.>"
    # each unit's timers are set once its mail went: wait for them, they come just after
    await eventually(lambda: _some_left(stack_js, timers), within=30, what="P's reminders set")

    recalled = await http.post(f"{issuer}/api/directives/{P}/recall", json={"reason": REASON})
    assert recalled.status_code == 201, recalled.text
    assert recalled.json()["implementing"] == [D]

    # every committee P reached is told, once, with the reason
    notices = await eventually(
        lambda: (m := mails(stack, "recall_notice", P)) and len(m) >= len(reached) and m,
        within=30,
        what="the recall notices",
    )
    assert sorted(m.message["X-Chidao-Unit"] for m in notices) == sorted(reached)
    assert all(REASON in m.text() for m in notices)
    # Đảng ủy Sở Nội vụ learns its own plan's basis was recalled
    [told] = await eventually(
        lambda: mails(stack, "basis_recalled", P, SNV), within=30, what="the basis notice"
    )
    assert "14-KH/ĐU" in told.text() and "89-KH/ĐUK" in told.text()

    # P's link says so; its reminders are gone; a report on it is refused
    gone = await http.get(link)
    assert gone.status_code == 410 and "Văn bản đã bị thu hồi" in gone.text
    await eventually(lambda: _none_left(stack_js, timers), within=30, what="P's reminders dropped")
    refused = await http.post(
        f"{stack.url('reporter')}/api/submissions",
        json={"directive_id": P, "unit_id": SNV, "requirement_id": "r1",
              "values": {"sessions": 1}},
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    # Đảng ủy Sở Nội vụ's own plan still takes its chi bộ's reports
    await _submit(http, stack, D, "cb-snv-van-phong", sessions=2)
    # the pages say so: P's, and the plan implementing it
    aggregator = stack.url("aggregator")
    page = await eventually(
        lambda: _page_with(http, f"{aggregator}/directives/{P}", "Văn bản đã bị thu hồi"),
        within=30,
        what="P's page marked recalled",
    )
    assert REASON in page
    basis = await _page_with(http, f"{aggregator}/directives/{D}", "Văn bản căn cứ")
    assert basis and "89-KH/ĐUK" in basis


async def _page_with(http, url: str, words: str) -> str | None:
    text = (await http.get(url)).text
    return text if words in text else None


def test_the_leader_recalls_from_the_directives_page(stack, tmp_path):
    """In Chromium: the issuing unit's leader opens the recall on its directive's page,
    gives the reason, and the page then says the directive was recalled."""
    clock = parse_clock(stack.clock, stack.clock_anchor)
    today = clock.now().date().isoformat()
    result = {"id": "r1", "action": "báo cáo kết quả thực hiện",
              "due_before": _midnight(clock.now(), 30)}  # fmt: skip
    body = _directive("15-KH/ĐU", SNV, "Đảng ủy Sở Nội vụ", today, [result], (), True)
    answer = as_operator.post(f"{stack.url('issuer')}/api/directives", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    directive_id = answer.json()["directive_id"]
    add_account(stack.admin_nats_url, "lanhdao.snv.thuhoi", SNV, "lanh_dao", "Phạm Văn Đức")
    add_account(stack.admin_nats_url, "chuyenvien.snv.thuhoi2", SNV, "chuyen_vien")
    page = f"{stack.console_url}/directives/{directive_id}"
    driver = browser(tmp_path / "chromium")
    try:
        sign_in(driver, stack.console_url, "chuyenvien.snv.thuhoi2", PASSWORD)
        driver.get(page)
        assert not driver.find_elements("id", "recall-form")  # the leader's alone
        driver.find_element("css selector", "header.site form button").click()  # sign out
        driver.delete_all_cookies()
        sign_in(driver, stack.console_url, "lanhdao.snv.thuhoi", PASSWORD)
        driver.get(page)
        driver.find_element("css selector", "#recall-heading + details summary").click()
        fill(driver, "reason", within="#recall-form", text="Ban hành trùng với Kế hoạch 14-KH/ĐU.")
        page_shots(driver, "recall-form")
        click_and_wait(driver, "#recall-form button[type=submit]")
        assert driver.current_url.startswith(f"{page}?recalled=true")
        wait_for(
            lambda: driver.refresh() or driver.find_elements("id", "recalled"),
            30,
            "the page marked recalled",
        )
        notice = driver.find_element("id", "recalled").text
        assert "Ban hành trùng với Kế hoạch 14-KH/ĐU." in notice and "Phạm Văn Đức" in notice
        assert not driver.find_elements("id", "recall-form")
        page_shots(driver, "recall-done")
    finally:
        driver.quit()


async def _some_left(js, subject: str) -> bool:
    return await stream_count(js, topology.TIMERS.name, subject) > 0


async def _none_left(js, subject: str) -> bool:
    return await stream_count(js, topology.TIMERS.name, subject) == 0
