"""A quarterly requirement over five quarters on the simulated clock, through the four
services as processes, a real nats-server and a real SMTP server (fifteen simulated days
per real second), with every service stopped and started again between two periods.

A committee asks its two chi bộ for a report each quarter for a year and a quarter.
Chi bộ 1 reports each quarter through the link its mail gave it; chi bộ 2 never does.
Each quarter is assigned once to each (its own mail, its own requirement id), chi bộ 2
is reminded and chased each quarter once, and the synthesis has one section per
quarter, nothing twice across the restart."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from chidao.runtime.stack import Stack
from shared import subjects, topology
from shared.clock import VN_TZ, parse_clock
from shared.contracts import ReportingRequirement
from shared.periods import add_months, periods
from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, page_shots, sign_in
from tests.e2e.test_reminders import Mails, link_in
from tests.factories import committee_with_chi_bo
from tests.support import eventually, running, stream_count

pytestmark = pytest.mark.e2e

PARENT = "du-hang-quy"
UNITS = committee_with_chi_bo(PARENT, 2)
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
DIRECTIVE_ID = "9-kh-du--du-hang-quy"
SPEED = 15 * 86400.0
SERVICES = ("issuer", "notifier", "reporter", "aggregator")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("periods"),
        clock=f"sim:2025-01-05T08:00:00+07:00@{SPEED:g}",
    )
    with running(stack, UNITS):
        yield stack


def mails(stack, template: str, unit: str) -> list:
    return Mails(stack, DIRECTIVE_ID).of(template, unit)


def period_of(mail) -> str:
    """The period a mail is about, from its event id: "...r1--2025-q2[...]"."""
    event = mail.message["X-Chidao-Event"]
    return event.split("r1--", 1)[1].split(".", 1)[0]


def restart_every_service(stack) -> None:
    for name in SERVICES:
        stack.procs[name].stop()
    for name in SERVICES:
        stack.start_service(name, wait=False)
    for name in SERVICES:
        stack.procs[name].wait_ready(90)


async def test_a_quarterly_report_is_asked_each_quarter_once_across_a_restart(
    stack, http, stack_js, tmp_path
):
    clock = parse_clock(stack.clock, stack.clock_anchor)
    today = clock.now().date()
    due = datetime.combine(today + timedelta(days=20), datetime.min.time(), VN_TZ)
    until = add_months(due, 12) + timedelta(days=1)  # five deadlines, a year apart at the ends
    requirement = {
        "id": "r1",
        "action": "báo cáo kết quả thực hiện",
        "due_before": due.isoformat(),
        "recurrence": "quarterly",
        "until": until.isoformat(),
    }
    keys = [p.key for p in periods(ReportingRequirement.model_validate(requirement))]
    assert len(keys) == 5
    issued = await http.post(
        f"{stack.url('issuer')}/api/directives",
        json={
            "kind": "KH",
            "ref": "9-KH/ĐU",
            "issued_on": today.isoformat(),
            "issuer_unit": PARENT,
            "issuer": f"Đảng ủy {PARENT}",
            "title": "Báo cáo hằng quý",
            "addressees": [{"under": PARENT, "kinds": ["chi_bo"]}],
            "requirements": [requirement],
        },
    )
    assert issued.status_code == 201, issued.text

    for index, key in enumerate(keys):
        [mail] = await eventually(
            lambda key=key: [m for m in mails(stack, "assignment", CB1) if period_of(m) == key],
            within=60,
            what=f"chi bộ 1's assignment for {key}",
        )
        assert "kỳ này: Quý" in mail.text()
        sent = await http.post(link_in(mail), data={"sessions": "1"})
        assert sent.status_code == 201, sent.text
        if index == 1:
            restart_every_service(stack)  # between the second period and the third

    # after the last deadline: chi bộ 2's last overdue notice
    await eventually(
        lambda: {period_of(m) for m in mails(stack, "overdue", CB2)} == set(keys),
        within=60,
        what="chi bộ 2 chased for each quarter",
    )
    for unit in (CB1, CB2):
        assigned = Counter(period_of(m) for m in mails(stack, "assignment", unit))
        assert assigned == dict.fromkeys(keys, 1), (unit, assigned)
    assert Counter(period_of(m) for m in mails(stack, "overdue", CB2)) == dict.fromkeys(keys, 1)
    reminded = Counter(
        (period_of(m), m.message["X-Chidao-Event"].split(".")[1])
        for m in mails(stack, "reminder", CB2)
    )
    assert reminded and set(reminded.values()) == {1}  # each reminder once
    assert {p for p, _ in reminded} == set(keys)
    assert not mails(stack, "overdue", CB1)
    created = f"{subjects.ASSIGNMENT_CREATED}.{DIRECTIVE_ID}.>"
    assert await stream_count(stack_js, topology.ASSIGNMENTS.name, created) == 2 * len(keys)

    url = f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"

    async def every_quarter() -> dict | None:
        body = (await http.get(url)).json()
        sections = {r["id"]: r for r in body.get("requirements", [])}
        done = [sections.get(f"r1--{k}", {}).get("totals", {}).get("submitted") for k in keys]
        return sections if done == [1] * len(keys) else None

    sections = await eventually(every_quarter, within=30, what="a synthesis section per quarter")
    assert list(sections) == [f"r1--{k}" for k in keys]
    for section in sections.values():
        assert section["period"].startswith("Quý ")
        assert (section["totals"]["expected"], section["totals"]["missing"]) == (2, 1)
    _status_page_in_a_browser(stack, tmp_path)


def _status_page_in_a_browser(stack, tmp_path) -> None:
    """The leader's status page after the five quarters: the latest quarter by default,
    an earlier one chosen, the trend across them (screenshots periods-status-*)."""
    add_account(stack.admin_nats_url, "lanhdao.hangquy", PARENT, "lanh_dao")
    driver = browser(tmp_path / "chromium")
    try:
        sign_in(driver, stack.console_url, "lanhdao.hangquy", PASSWORD)
        status = f"{stack.console_url}/directives/{DIRECTIVE_ID}/status"
        driver.get(status)
        text = driver.find_element("tag name", "main").text
        assert "Qua các kỳ báo cáo" in text, text[:2000]
        links = driver.find_elements("css selector", "a[href*='period=']")
        assert len({link.get_attribute("href") for link in links}) >= 5
        page_shots(driver, "periods-status")
        first = min(link.get_attribute("href") for link in links)
        driver.get(first)
        chosen = first.split("period=", 1)[1].split("&", 1)[0]
        current = driver.find_element("css selector", "tr.period-row.current")
        assert current.get_attribute("data-period") == chosen  # the earlier quarter shown
        page_shots(driver, "periods-status-earlier")
    finally:
        driver.quit()
