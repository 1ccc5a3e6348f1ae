"""Reminders, the overdue notice and the parent's digest on the simulated clock, through
the four services as processes, a real nats-server and a real SMTP server.

A committee gives its four chi bộ a report due about nine simulated days ahead; the clock
runs one simulated day per real second. Chi bộ 1 reports at once, chi bộ 2 after its
3-day reminder, chi bộ 3 after the overdue notice (through the link in that mail), and
chi bộ 4 never does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chidao.runtime.stack import Stack
from shared.clock import VN_TZ, parse_clock
from tests.factories import committee_with_chi_bo
from tests.support import eventually, metric, running

pytestmark = pytest.mark.e2e

PARENT = "du-nhac"
UNITS = committee_with_chi_bo(PARENT, 4)
CB = {i: f"{PARENT}-cb{i}" for i in range(1, 5)}
DIRECTIVE_ID = "7-kh-du--du-nhac"
DAY = 86400.0  # one simulated day per real second
GRACE_DAYS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("reminders"),
        clock=f"sim:2024-11-01T08:00:00+07:00@{DAY:g}",
        # the deadline's timers alone: a mail not opened is mailed again, to the leaders
        # too, by a timer of its own (tests/integration/test_notifier_unopened.py)
        extra_env={"CHIDAO_LINK_GRACE_DAYS": str(GRACE_DAYS), "CHIDAO_UNOPENED_HOURS": "0"},
    )
    with running(stack, UNITS):
        yield stack


class Mails:
    """The sink's mails for this directive, by the template and unit they were sent for."""

    def __init__(self, stack: Stack, directive_id: str = DIRECTIVE_ID) -> None:
        self.sink = stack.mail
        self.directive_id = directive_id

    def of(self, template: str, unit: str | None = None) -> list:
        return [
            m
            for m in list(self.sink.messages)
            if m.message["X-Chidao-Template"] == template
            and self.directive_id in m.message["X-Chidao-Event"]
            and (unit is None or m.message["X-Chidao-Unit"] == unit)
        ]

    def reminders(self, unit: str) -> list[str]:
        return [m.message["X-Chidao-Event"].split(".")[1] for m in self.of("reminder", unit)]

    async def wait(self, template: str, unit: str, what: str, count: int = 1) -> list:
        return await eventually(
            lambda: (found := self.of(template, unit)) and len(found) >= count and found,
            within=40,
            what=what,
        )


def link_in(mail) -> str:
    line = next(x for x in mail.text().splitlines() if "/r/" in x)
    return line.strip()


async def submit(http, stack, unit: str) -> None:
    response = await http.post(
        f"{stack.url('reporter')}/api/submissions",
        json={
            "directive_id": DIRECTIVE_ID,
            "unit_id": unit,
            "requirement_id": "r1",
            "values": {"sessions": 1},
        },
    )
    assert response.status_code == 201, response.text


async def test_reminders_stop_once_a_unit_reports_and_the_digest_names_the_late(stack, http):
    clock = parse_clock(stack.clock, stack.clock_anchor)
    mails = Mails(stack)
    # due at the midnight starting the ninth simulated day from now
    due = datetime.combine(clock.now().date() + timedelta(days=9), datetime.min.time(), VN_TZ)
    response = await http.post(
        f"{stack.url('issuer')}/api/directives",
        json={
            "kind": "KH",
            "ref": "7-KH/ĐU",
            "issued_on": clock.now().date().isoformat(),
            "issuer_unit": PARENT,
            "issuer": f"Đảng ủy {PARENT}",
            "title": "Thử nhắc hạn báo cáo",
            "addressees": [{"under": PARENT, "kinds": ["chi_bo"]}],
            "requirements": [
                {"id": "r1", "action": "báo cáo kết quả thực hiện", "due_before": due.isoformat()}
            ],
        },
    )
    assert response.status_code == 201, response.text

    # chi bộ 1 reports as soon as its assignment arrives
    await mails.wait("assignment", CB[1], "chi bộ 1's assignment")
    await submit(http, stack, CB[1])
    # the link in chi bộ 4's assignment mail opens its own form
    cb4_link = link_in((await mails.wait("assignment", CB[4], "chi bộ 4's assignment"))[0])
    page = await http.get(cb4_link)
    assert page.status_code == 200
    assert "Chi bộ số 4" in page.text and "trước ngày" in page.text
    tampered = cb4_link[:-3] + ("AAA" if not cb4_link.endswith("AAA") else "BBB")
    refused = await http.get(tampered)
    assert refused.status_code == 403
    assert "Đường dẫn không hợp lệ" in refused.text and "Traceback" not in refused.text

    # chi bộ 2 reports after its 3-day reminder
    await mails.wait("reminder", CB[2], "chi bộ 2's reminders", count=2)
    await submit(http, stack, CB[2])

    # chi bộ 3 reports after the overdue notice, through the link in it
    [overdue] = await mails.wait("overdue", CB[3], "chi bộ 3's overdue notice")
    assert "Đôn đốc: quá hạn" in overdue.subject
    receipt = await http.post(link_in(overdue), data={"sessions": "2", "difficulties": "Muộn."})
    assert receipt.status_code == 201, receipt.text
    assert "Báo cáo muộn so với thời hạn." in receipt.text

    # the parent's digest, once, two days after the deadline
    [digest] = await mails.wait("digest", PARENT, "the parent's digest")
    text = digest.text()
    missing, _, late = text.partition("Đơn vị báo cáo muộn")
    assert "Đơn vị chưa báo cáo (1):" in missing and "Chi bộ số 4" in missing
    assert "Đơn vị báo cáo muộn (1):" in text and "Chi bộ số 3" in late
    for reported in ("Chi bộ số 1", "Chi bộ số 2"):
        assert reported not in text
    assert "Chi bộ số 3" not in missing and "Chi bộ số 4" not in late

    # who got what: reminders 7, 3 and 1 days before, stopping once the unit reported
    assert mails.reminders(CB[1]) == [] and mails.of("overdue", CB[1]) == []
    assert mails.reminders(CB[2]) == ["remind-7d", "remind-3d"] and not mails.of("overdue", CB[2])
    assert mails.reminders(CB[3]) == ["remind-7d", "remind-3d", "remind-1d"]
    assert mails.reminders(CB[4]) == ["remind-7d", "remind-3d", "remind-1d"]
    assert len(mails.of("overdue", CB[4])) == 1
    # ... each at its simulated instant, never early, and before the deadline
    for mail in mails.of("reminder", CB[4]):
        days = int(mail.message["X-Chidao-Event"].split(".")[1][len("remind-") : -1])
        arrived = clock.at_real(mail.received_at)
        assert due - timedelta(days=days) <= arrived < due, (days, arrived)
        assert f"còn {days} ngày" in mail.subject
    assert clock.at_real(mails.of("overdue", CB[4])[0].received_at) >= due
    assert clock.at_real(digest.received_at) >= due + timedelta(days=2)
    assert len(mails.of("digest")) == 1

    # the reports cancelled the rest: chi bộ 1's four timers, chi bộ 2's last two (a timer
    # that fired before its cancellation was seen finds the report and mails nothing)
    cancelled = await metric(http, stack, "notifier", "chidao_reminders_cancelled_total")
    found = await metric(
        http, stack, "notifier", "chidao_reminders_fired_total", outcome="reported"
    )
    assert cancelled + found == 6
    assert await metric(http, stack, "notifier", "chidao_reminders_scheduled_total") == 4 * 5

    # once the grace period is over the link says it has expired
    await eventually(
        lambda: clock.now() >= due + timedelta(days=GRACE_DAYS), within=20, what="the grace"
    )
    expired = await http.get(cb4_link)
    assert expired.status_code == 410
    assert "Đường dẫn đã hết hạn" in expired.text and "Traceback" not in expired.text
