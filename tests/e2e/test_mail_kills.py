"""The notifier SIGKILLed ten times while it mails 2,000 assignments, restarted at once
each time (chidao/bench/kills.py runs it; ``chidao bench notify --mails 2000 --kills 10``
prints the same report). Every unit gets its mail. A mail goes twice only if it was in
flight at a kill: claimed in the ledger by the killed process and not yet recorded as
sent (the server may have accepted it in the instant before the kill, which SMTP cannot
tell). Under the default policy such a mail is sent again with the same Message-ID, so the
recipient's mail client shows it once."""

from __future__ import annotations

import asyncio
import json

import pytest

from chidao.bench import kills
from chidao.runtime.stack import Stack
from tests.support import running

pytestmark = pytest.mark.e2e

MAILS, KILLS = 2000, 10


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("kills"),
        services=("issuer", "notifier"),
        extra_env=dict(kills.ENV),  # ack wait and claim lease of 3 s, no rate limit
    )
    stack.start_infrastructure()
    asyncio.run(kills.declare_streams(stack.admin_nats_url))
    with running(stack, kills.units(MAILS)):
        yield stack


async def test_a_notifier_killed_ten_times_loses_no_mail_and_repeats_only_mails_in_flight(
    stack, record_property
):
    report = await kills.kill_campaign(stack, MAILS, KILLS)
    figures = report.summary()
    print(json.dumps(figures))  # the duplicate figure, for the record (pytest -s)
    record_property("kills", figures)

    assert report.missing == [], "units that never got their assignment mail"
    assert sum(report.in_flight_per_kill) > 0, "no kill landed while mails were in flight"
    assert report.duplicates_not_in_flight == [], "repeated although not in flight at a kill"
    assert report.other_message_id == [], "a repeated mail with another Message-ID"
    assert report.duplicates <= sum(report.in_flight_per_kill)
