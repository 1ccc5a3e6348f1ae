"""Extension requests on the simulated clock, through the four services as processes, a
real nats-server and a real SMTP server (six simulated hours per real second).

A committee gives its two chi bộ a report due about five simulated days ahead. Both ask
for three more days through the links their mails gave them; the committee's staff are
mailed each request; the leader grants chi bộ 1 and refuses chi bộ 2. Chi bộ 2 is then
chased at the original deadline and named in the parent's digest; chi bộ 1 is not: its
reminders come again for the new deadline, and its report, after the original deadline
but before the new one, is on time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chidao.runtime.stack import Stack
from shared.clock import VN_TZ, parse_clock
from shared.vietnamese import format_deadline
from tests.e2e.test_reminders import Mails, link_in
from tests.factories import committee_with_chi_bo
from tests.support import eventually, running

pytestmark = pytest.mark.e2e

PARENT = "du-gia-han"
UNITS = committee_with_chi_bo(PARENT, 2)
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
DIRECTIVE_ID = "8-kh-du--du-gia-han"
SPEED = 6 * 3600.0  # six simulated hours per real second


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("extensions"),
        clock=f"sim:2024-11-01T08:00:00+07:00@{SPEED:g}",
    )
    with running(stack, UNITS):
        yield stack


async def _issue(http, stack, due: datetime) -> None:
    response = await http.post(
        f"{stack.url('issuer')}/api/directives",
        json={
            "kind": "KH",
            "ref": "8-KH/ĐU",
            "issued_on": due.date().isoformat(),
            "issuer_unit": PARENT,
            "issuer": f"Đảng ủy {PARENT}",
            "title": "Thử gia hạn báo cáo",
            "addressees": [{"under": PARENT, "kinds": ["chi_bo"]}],
            "requirements": [
                {"id": "r1", "action": "báo cáo kết quả thực hiện", "due_before": due.isoformat()}
            ],
        },
    )
    assert response.status_code == 201, response.text


async def test_a_granted_unit_is_chased_for_its_new_deadline_and_a_refused_one_is_not(stack, http):
    clock = parse_clock(stack.clock, stack.clock_anchor)
    mails = Mails(stack, DIRECTIVE_ID)
    due = datetime.combine(clock.now().date() + timedelta(days=5), datetime.min.time(), VN_TZ)
    new_due = due + timedelta(days=3)
    await _issue(http, stack, due)
    links = {}
    for unit in (CB1, CB2):
        links[unit] = link_in((await mails.wait("assignment", unit, f"{unit}'s assignment"))[0])
        asked = await http.post(
            f"{links[unit]}/extension",
            data={"requested_due": new_due.date().isoformat(), "reason": f"{unit} chờ số liệu"},
        )
        assert asked.status_code == 200 and "Đã gửi đề nghị gia hạn" in asked.text, asked.text

    # the committee's staff are told each request, with the page where the leader answers
    requests = await mails.wait("extension_asked", PARENT, "the two requests", count=2)
    cb1_request = next(m for m in requests if f"{CB1} chờ số liệu" in m.text())
    assert f"/reports/{DIRECTIVE_ID}/{CB1}/r1" in cb1_request.text()
    assert format_deadline(new_due) in cb1_request.text()

    decisions = f"{stack.url('reporter')}/api/extensions/{DIRECTIVE_ID}"
    granted = await http.post(f"{decisions}/{CB1}/r1/decision", json={"decision": "grant"})
    assert granted.status_code == 201, granted.text
    refused = await http.post(
        f"{decisions}/{CB2}/r1/decision",
        json={"decision": "refuse", "reason": "Hạn do tỉnh ủy giao, không lùi được."},
    )
    assert refused.status_code == 201, refused.text
    [yes] = await mails.wait("extension_answer", CB1, "chi bộ 1's answer")
    assert "Đồng ý gia hạn" in yes.subject and format_deadline(new_due) in yes.text()
    [no] = await mails.wait("extension_answer", CB2, "chi bộ 2's answer")
    assert "Không đồng ý gia hạn" in no.subject and "không lùi được" in no.text()

    # chi bộ 2 is chased at the deadline, and the digest names it alone
    [overdue] = await mails.wait("overdue", CB2, "chi bộ 2's overdue notice")
    assert clock.at_real(overdue.received_at) >= due
    [digest] = await mails.wait("digest", PARENT, "the parent's digest")
    assert "Chi bộ số 2" in digest.text() and "Chi bộ số 1" not in digest.text()

    # chi bộ 1's reminders come again for its new deadline; its report then is on time
    await eventually(
        lambda: "remind-1d-x1" in mails.reminders(CB1), within=40, what="chi bộ 1's reminder"
    )
    reminded = mails.of("reminder", CB1)[-1]
    assert new_due - timedelta(days=1) <= clock.at_real(reminded.received_at) < new_due
    assert clock.now() >= due  # past the original deadline
    receipt = await http.post(links[CB1], data={"sessions": "2"})
    assert receipt.status_code == 201, receipt.text
    assert "Báo cáo đúng hạn." in receipt.text
    assert mails.of("overdue", CB1) == []  # never chased for the deadline it was let off
    assert "remind-1d" not in mails.reminders(CB1)
