"""Correcting (đính chính) and replacing (thay thế) a directive on a two-level cascade,
through the four services as processes, a real nats-server and a real SMTP server.

Đảng ủy Khối issues a plan P to its grassroots committees; Đảng ủy Sở Nội vụ implements
it with a plan of its own (its basis names P) to its chi bộ. Đảng ủy Khối's leader then
corrects P: a later deadline, one committee taken off, one unit added. Every committee
still assigned is mailed what changed with its link, the one taken off is told it no
longer reports and its link says so, the unit added gets its assignment, Đảng ủy Sở Nội
vụ is told its plan's basis changed, the roll-up counts the units now assigned, and the
pages say so. Then a plan Q is replaced by a plan R: Q's units are told to report under
R, Q's links and pages point to R, and the plan implementing Q is told."""

from __future__ import annotations

import pytest

from chidao.runtime.stack import Stack
from shared.clock import parse_clock
from shared.directory import load_file
from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, fill, page_shots, sign_in
from tests.e2e.test_levels import (
    KHOI,
    SKHDT,
    SNV,
    _directive,
    _midnight,
    _post,
    _submit,
    _totals,
)
from tests.e2e.test_reminders import Mails, link_in
from tests.factories import DEMO_DIRECTORY
from tests.support import as_operator, eventually, running, wait_for

pytestmark = pytest.mark.e2e

REASON = "Điều chỉnh thời hạn báo cáo và đơn vị thực hiện cho phù hợp."
ADDED = "cb-snv-van-phong"  # a chi bộ P did not reach, named by the correction


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("corrections"),
        clock="sim:2024-06-01T08:00:00+07:00@3600",  # an hour per second: no deadline passes
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        yield stack


def plans(stack: Stack, ref: str, own_ref: str, days: int = 30) -> tuple[dict, dict]:
    """A plan of Đảng ủy Khối to its committees, and Đảng ủy Sở Nội vụ's implementing it."""
    clock = parse_clock(stack.clock, stack.clock_anchor)
    today = clock.now().date().isoformat()
    result = {"id": "r1", "action": "báo cáo kết quả thực hiện",
              "due_before": _midnight(clock.now(), days)}  # fmt: skip
    plan = _directive(ref, KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh", today, [result])
    basis = [{"kind": "KH", "ref": ref, "issued_on": today}]
    own = _directive(own_ref, SNV, "Đảng ủy Sở Nội vụ", today, [result], basis, True)
    return plan, own


async def assigned(stack: Stack, directive_id: str, count: int) -> list:
    return await eventually(
        lambda: (m := Mails(stack, directive_id).of("assignment")) and len(m) >= count and m,
        within=30,
        what=f"{directive_id}'s assignment mails",
    )


def link_of(mails: list, unit: str) -> str:
    return link_in(next(m for m in mails if m.message["X-Chidao-Unit"] == unit))


async def test_a_correction_reaches_every_unit_and_the_plans_implementing_it(stack, http):
    issuer, aggregator = stack.url("issuer"), stack.url("aggregator")
    plan, own = plans(stack, "91-KH/ĐUK", "16-KH/ĐU")
    issued = await _post(http, f"{issuer}/api/directives", json=plan)
    p = issued["directive_id"]
    d = (await _post(http, f"{issuer}/api/directives", json=own))["directive_id"]
    first = await assigned(stack, p, issued["assignments"])
    reached = {m.message["X-Chidao-Unit"] for m in first}
    assert SNV in reached and SKHDT in reached and ADDED not in reached
    later = _midnight(parse_clock(stack.clock, stack.clock_anchor).now(), 60)
    body = {
        "reason": REASON,
        "requirements": {"r1": {"due_before": later}},
        "remove_units": [SKHDT],
        "add_units": [ADDED],
    }
    corrected = await _post(http, f"{issuer}/api/directives/{p}/correct", json=body)
    assert corrected["number"] == 1 and corrected["implementing"] == [d]

    # every unit still assigned, and the one taken off, is told once with the changes
    mails = Mails(stack, p)
    notices = await eventually(
        lambda: (m := mails.of("correction_notice")) and len(m) >= len(reached) and m,
        within=30,
        what="the correction notices",
    )
    assert sorted(m.message["X-Chidao-Unit"] for m in notices) == sorted(reached)
    to_snv = next(m for m in notices if m.message["X-Chidao-Unit"] == SNV)
    assert REASON in to_snv.text() and "Hạn báo cáo" in to_snv.text()
    assert "/r/" in to_snv.text()  # its link, for the deadline now in force
    to_gone = next(m for m in notices if m.message["X-Chidao-Unit"] == SKHDT)
    assert "không còn phải" in to_gone.text()
    # the unit added gets its assignment; Đảng ủy Sở Nội vụ learns its basis changed
    [new] = await mails.wait("assignment", ADDED, "the added unit's assignment")
    [told] = await mails.wait("basis_corrected", SNV, "the basis notice")
    assert "16-KH/ĐU" in told.text() and "91-KH/ĐUK" in told.text()

    # the link of the unit taken off says so; the others' and the new one's still work
    gone = await http.get(link_of(first, SKHDT))
    assert gone.status_code == 410 and "đính chính" in gone.text
    assert (await http.get(link_of(first, SNV))).status_code == 200
    assert (await http.get(link_in(new))).status_code == 200

    # the roll-up expects the units now assigned; the pages say what changed
    await eventually(
        lambda: _expected(http, stack, p, len(reached)), within=30, what="the roll-up moved"
    )
    page = await eventually(
        lambda: _page_with(http, f"{aggregator}/directives/{p}", "Đính chính lần 1"),
        within=30,
        what="P's page lists the correction",
    )
    assert REASON in page
    basis = await eventually(
        lambda: _page_with(http, f"{aggregator}/directives/{d}", "đã được đính chính"),
        within=30,
        what="the implementing plan's page",
    )
    assert "91-KH/ĐUK" in basis


async def _expected(http, stack, directive_id: str, count: int) -> bool:
    totals = await _totals(http, stack, directive_id, "r1")
    return totals["totals"]["expected"] == count


async def _reported(http, stack, directive_id: str) -> dict | None:
    totals = (await _totals(http, stack, directive_id, "r1"))["totals"]
    return totals if totals["submitted"] == 1 else None


async def _page_with(http, url: str, words: str) -> str | None:
    text = (await http.get(url)).text
    return text if words in text else None


async def test_a_replacement_sends_the_units_to_the_new_plan(stack, http):
    issuer, aggregator = stack.url("issuer"), stack.url("aggregator")
    old, own = plans(stack, "92-KH/ĐUK", "17-KH/ĐU")
    issued = await _post(http, f"{issuer}/api/directives", json=old)
    q = issued["directive_id"]
    d = (await _post(http, f"{issuer}/api/directives", json=own))["directive_id"]
    new, _ = plans(stack, "93-KH/ĐUK", "18-KH/ĐU", days=40)
    r = (await _post(http, f"{issuer}/api/directives", json=new))["directive_id"]
    first = await assigned(stack, q, issued["assignments"])
    await assigned(stack, r, issued["assignments"])

    why = "Thay bằng kế hoạch mới có nội dung đầy đủ hơn."
    done = await _post(http, f"{issuer}/api/directives/{q}/replace", json={"reason": why, "by": r})
    assert done["replaced_by"] == r and done["not_reached"] == [] and done["implementing"] == [d]

    mails = Mails(stack, q)
    notices = await eventually(
        lambda: (m := mails.of("recall_notice")) and len(m) >= len(first) and m,
        within=30,
        what="the replacement notices",
    )
    assert all("thay thế" in m.text() and "93-KH/ĐUK" in m.text() for m in notices)
    [told] = await mails.wait("basis_recalled", SNV, "the basis notice")
    assert "thay thế" in told.text() and "93-KH/ĐUK" in told.text()
    gone = await http.get(link_of(first, SNV))
    assert gone.status_code == 410 and "93-KH/ĐUK" in gone.text
    # the units report under R: its roll-up expects them all, and takes a report
    assert (await http.get(link_of(await assigned(stack, r, len(first)), SNV))).status_code == 200
    await _submit(http, stack, r, SNV, sessions=1)
    totals = await eventually(
        lambda: _reported(http, stack, r), within=30, what="R's roll-up counts the report"
    )
    assert totals["expected"] == len(first)

    page = await eventually(
        lambda: _page_with(http, f"{aggregator}/directives/{q}", "thay thế bằng văn bản"),
        within=30,
        what="Q's page points to R",
    )
    assert f"/directives/{r}" in page
    back = await eventually(
        lambda: _page_with(http, f"{aggregator}/directives/{r}", "92-KH/ĐUK"),
        within=30,
        what="R's page names Q",
    )
    assert f"/directives/{q}" in back
    basis = await _page_with(http, f"{aggregator}/directives/{d}", "thay thế")
    assert basis and "93-KH/ĐUK" in basis


def test_the_leader_corrects_from_the_directives_page(stack, tmp_path):
    """In Chromium: the issuing unit's leader moves a deadline on its directive's page
    with a reason; the page then lists the correction, before and after."""
    _, body = plans(stack, "94-KH/ĐUK", "19-KH/ĐU")
    body["basis"] = []
    answer = as_operator.post(f"{stack.url('issuer')}/api/directives", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    directive_id = answer.json()["directive_id"]
    add_account(stack.admin_nats_url, "lanhdao.snv.dinhchinh", SNV, "lanh_dao", "Phạm Văn Đức")
    add_account(stack.admin_nats_url, "chuyenvien.snv.dinhchinh", SNV, "chuyen_vien")
    page = f"{stack.console_url}/directives/{directive_id}"
    driver = browser(tmp_path / "chromium")
    try:
        sign_in(driver, stack.console_url, "chuyenvien.snv.dinhchinh", PASSWORD)
        driver.get(page)
        assert not driver.find_elements("id", "correct-form")  # the leader's alone
        driver.find_element("css selector", "header.site form button").click()  # sign out
        driver.delete_all_cookies()
        sign_in(driver, stack.console_url, "lanhdao.snv.dinhchinh", PASSWORD)
        driver.get(page)
        driver.find_element("css selector", "#correct-heading + details summary").click()
        fill(
            driver,
            "reason",
            within="#correct-form",
            text="Lùi hạn báo cáo theo đề nghị của các chi bộ.",
        )
        driver.execute_script(
            "document.querySelector('#correct-form input[name=\"due.r1\"]').value = arguments[0]",
            "2024-08-15",
        )
        page_shots(driver, "correct-form")
        click_and_wait(driver, "#correct-form button[type=submit]")
        assert driver.current_url.startswith(f"{page}?corrected=1")
        wait_for(
            lambda: driver.refresh() or "Đính chính lần 1" in driver.page_source,
            30,
            "the page lists the correction",
        )
        text = driver.find_element("tag name", "body").text
        assert "Lùi hạn báo cáo theo đề nghị của các chi bộ." in text
        assert "15/08/2024" in text and "Phạm Văn Đức" in text
        page_shots(driver, "correct-done")
    finally:
        driver.quit()
