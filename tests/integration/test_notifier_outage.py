"""An outage across three reminder times and a deadline: the notifier (in this process,
on a real nats-server, a real SMTP sink, a simulated clock two days per real second) is
stopped once it has mailed two chi bộ their assignment; one chi bộ reports while it is
down. Started again after the deadline, it finds every timer that fired meanwhile: no
reminder is sent (each is dropped and counted), the chi bộ that has not reported gets the
overdue notice once, the one that has gets nothing, and the parent's digest, due after
the restart, names only the one still missing."""

from __future__ import annotations

import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from services.notifier.app import create_service
from shared import subjects, topology
from shared.settings import Settings
from tests.inprocess import serving
from tests.integration.test_notifier_handlers import (
    CB1,
    CB2,
    DIRECTIVE,
    PARENT,
    UNITS,
    a_report,
    an_assignment,
    assigned,
    mails,
)
from tests.support import eventually, stream_count

pytestmark = pytest.mark.integration

SPEED = 2 * 86400  # two simulated days per real second
# The reminders 7, 3 and 1 days before the deadline fire about 4, 6 and 7 s after the
# start, the deadline at 7.5 s, the parent's digest two days later at 8.5 s.
DUE_AFTER = timedelta(days=15)


def _names(unit: str) -> str:
    return next(u.name for u in UNITS if u.id == unit)


async def test_after_an_outage_each_unit_gets_at_most_the_overdue_notice(
    nats_server, mail_sink, js
):
    anchor = time.time()
    settings = Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        public_url="http://reporter.test",
        clock=f"sim:2030-03-01T08:00:00+07:00@{SPEED}",
        clock_anchor=anchor,
    )
    async with serving(create_service, settings, UNITS) as notifier:
        clock = notifier.service.clock
        due = clock.start + DUE_AFTER
        for unit in (CB1, CB2):
            await assigned(notifier, an_assignment(unit, due=due))
        for unit in (CB1, CB2):
            await eventually(lambda u=unit: mails(mail_sink, u, "assignment"), what=unit)
        pending = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.>"
        await eventually(
            lambda: _is(stream_count(js, topology.TIMERS.name, pending), 9),
            what="the nine timers (three reminders and the overdue notice each, one digest)",
        )
        assert clock.now() < due - timedelta(days=7), "the first reminder is still ahead"

    # down: CB2 reports on time, through the reporter (its event in REPORTS)
    report = a_report(CB2, on_time=True, due=due)
    await js.publish(
        subjects.report_submitted(report.submission.directive_id, CB2, "report"),
        report.model_dump_json().encode(),
        stream=topology.REPORTS.name,
        headers={"Nats-Msg-Id": report.event_id},
    )
    await eventually(
        lambda: clock.now() > due + timedelta(hours=12), within=30, what="past the deadline"
    )
    assert clock.now() < due + timedelta(days=2), "the digest is still ahead"

    async with serving(create_service, settings, UNITS) as notifier:
        registry = notifier.service.registry

        def counted(name: str, **labels: str) -> float:
            return registry.get_sample_value(name, labels) or 0.0

        def all_handled() -> bool:
            fired = "chidao_reminders_fired_total"
            return (
                counted("chidao_timers_stale_total", kind="remind") == 6
                and counted(fired, kind="overdue", outcome="mailed") == 1
                and counted(fired, kind="overdue", outcome="reported") == 1
            )

        await eventually(all_handled, within=30, what="the six reminders and two notices")
        digest = await eventually(
            lambda: mails(mail_sink, PARENT, "digest"),
            within=30,
            what="the parent's digest",
        )

    assert mails(mail_sink, CB1, "reminder") == [] and mails(mail_sink, CB2, "reminder") == []
    [overdue] = mails(mail_sink, CB1, "overdue")
    # dated on the service's clock (the campaign's 2030), not the machine's
    sent_on = parsedate_to_datetime(overdue.message["Date"])
    assert due < sent_on < due + timedelta(days=2), overdue.message["Date"]
    assert mails(mail_sink, CB2, "overdue") == []
    text = digest[0].text()
    assert _names(CB1) in text and _names(CB2) not in text


async def _is(count, expected: int) -> bool:
    return await count == expected
