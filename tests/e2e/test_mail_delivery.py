"""Mail that survives trouble, through the four services as processes, a real nats-server
and a real SMTP server: a mail server down for a while, one that refuses mail for good
(dead letters, then replay), and a notifier stopped or killed in the middle of a large
send. Every mail arrives; none twice (within the one limit SMTP leaves, see the kill).
Each test issues its own directive, from its own committee, and counts only its mails and
what the notifier's counters gained while it ran."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from chidao.runtime.stack import Stack
from services.notifier.adapters.ledger import LedgerEntry
from shared import topology
from shared.settings import Settings
from tests.factories import committee_with_chi_bo, directive_to_chi_bo
from tests.support import (
    delivered,
    eventually,
    header,
    mails_of,
    metric,
    notifier_finished,
    running,
)

pytestmark = pytest.mark.e2e

DOWN, REFUSED, KILLED, STOPPED = "du-down", "du-refused", "du-killed", "du-stopped"
UNANSWERED = "du-unanswered"
SIZES = {DOWN: 5, REFUSED: 2, KILLED: 300, STOPPED: 300, UNANSWERED: 3}
UNITS = [u for parent, n in SIZES.items() for u in committee_with_chi_bo(parent, n)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("delivery"),
        extra_env={
            # a killed notifier's unacknowledged events come back after 5 s, and its claims
            # on the mails it was sending expire after 3 s
            "CHIDAO_JS_ACK_WAIT": "5",
            "CHIDAO_MAIL_CLAIM_LEASE": "3",
            # the notifier waits 2 s for the server's acceptance of a message, not 10 min
            "CHIDAO_SMTP_DATA_END_TIMEOUT": "2",
            # 300 mails take about three seconds, so a kill lands in the middle
            "CHIDAO_SMTP_RATE": "100",
        },
    )
    with running(stack, UNITS):
        yield stack


async def issue(http, stack, parent: str, number: int) -> str:
    """The test's own directive from ``parent`` to its chi bộ, issued: its id."""
    directive = directive_to_chi_bo(parent, f"Đảng ủy {parent}", f"{number}-KH/ĐU", "Thử gửi thư")
    response = await http.post(f"{stack.url('issuer')}/api/directives", json=directive)
    assert response.status_code == 201, response.text
    assert response.json()["assignments"] == SIZES[parent]
    return response.json()["directive_id"]


async def all_delivered(stack, js, directive_id: str, size: int) -> Counter:
    """Wait for a mail to every unit, then for the notifier to have nothing left to do
    (so that a repeat, if there were one, would have arrived)."""
    await eventually(
        lambda: len(delivered(stack.mail, directive_id)) == size,
        within=60,
        what=f"a mail to each of the {size} units",
    )
    await notifier_finished(js, within=60)
    return delivered(stack.mail, directive_id)


async def notifier_count(http, stack, name: str, **labels: str) -> float:
    return await metric(http, stack, "notifier", name, **labels)


async def grew(count, since: float) -> bool:
    return (await count) > since


def chidao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chidao", *args], capture_output=True, text=True, timeout=60
    )


async def test_a_mail_server_down_for_a_while_gets_every_mail_once_it_is_back(
    stack, http, stack_js, number
):
    failed = await notifier_count(http, stack, "chidao_mails_failed_total", kind="transient")
    retried = await notifier_count(http, stack, "chidao_mails_retried_total")
    stack.mail.stop()  # connections refused
    try:
        directive_id = await issue(http, stack, DOWN, number)
        await eventually(
            lambda: grew(
                notifier_count(http, stack, "chidao_mails_failed_total", kind="transient"), failed
            ),
            within=60,
            what="the notifier to find the server down",
        )
        assert delivered(stack.mail, directive_id) == Counter()
    finally:
        stack.mail.start()
    counts = await all_delivered(stack, stack_js, directive_id, SIZES[DOWN])
    assert set(counts.values()) == {1}
    assert await notifier_count(http, stack, "chidao_mails_retried_total") > retried


async def test_a_mail_refused_for_good_is_a_dead_letter_with_its_reason_until_replayed(
    stack, http, stack_js, number
):
    consumer = topology.NOTIFIER_ASSIGNMENTS.durable
    dead_before = await notifier_count(http, stack, "chidao_dead_letters_total", consumer=consumer)
    lettered_before = await notifier_count(
        http, stack, "chidao_mails_dead_lettered_total", template="assignment"
    )
    stack.mail.refuse(550, "5.1.1 Mailbox unavailable")
    try:
        directive_id = await issue(http, stack, REFUSED, number)

        def letters() -> list[str]:
            listed = chidao("dlq", "list", "--nats-url", stack.nats.url)
            assert listed.returncode == 0, listed.stderr
            return [x for x in listed.stdout.splitlines() if directive_id in x]

        found = await eventually(
            lambda: len(letters()) == SIZES[REFUSED] and letters(),
            within=60,
            what="two dead letters",
        )
        assert all("550 5.1.1 Mailbox unavailable" in line for line in found)
        dead = await notifier_count(http, stack, "chidao_dead_letters_total", consumer=consumer)
        assert dead - dead_before == SIZES[REFUSED]
        lettered = await notifier_count(
            http, stack, "chidao_mails_dead_lettered_total", template="assignment"
        )
        assert lettered - lettered_before == SIZES[REFUSED]
        assert delivered(stack.mail, directive_id) == Counter()
    finally:
        stack.mail.refuse(None)

    # the cause is fixed; the operator replays each one
    for line in found:
        replayed = chidao("dlq", "replay", line.split()[0], "--nats-url", stack.nats.url)
        assert replayed.returncode == 0 and "replayed" in replayed.stdout, replayed.stderr
    counts = await all_delivered(stack, stack_js, directive_id, SIZES[REFUSED])
    assert set(counts.values()) == {1}

    unknown = chidao("dlq", "replay", "nobody.42", "--nats-url", stack.nats.url)
    assert unknown.returncode != 0
    assert "no dead letter 'nobody.42'" in unknown.stderr + unknown.stdout
    assert "Traceback" not in unknown.stderr


async def test_a_mail_whose_acceptance_never_came_is_sent_again_with_the_same_message_id(
    stack, http, stack_js, number
):
    """The server kept the message but did not answer its end in time: possibly sent. It is
    not retried at once but after the redelivery delay, and under the default policy sent
    again with the same Message-ID, which lets the recipient's client show it once."""
    resent_before = await notifier_count(
        http, stack, "chidao_mails_possibly_sent_total", policy="resend"
    )
    stack.mail.stall(4, times=SIZES[UNANSWERED])  # the first mail to each unit
    try:
        directive_id = await issue(http, stack, UNANSWERED, number)
        await eventually(
            lambda: (
                set(delivered(stack.mail, directive_id).values()) == {2}
                and len(delivered(stack.mail, directive_id)) == SIZES[UNANSWERED]
            ),
            within=60,
            what="each mail sent a second time",
        )
    finally:
        stack.mail.stall(0)
    counts = await all_delivered(stack, stack_js, directive_id, SIZES[UNANSWERED])
    assert set(counts.values()) == {2}
    for event, unit in counts:
        copies = [
            m for m in mails_of(stack.mail, directive_id, unit=unit)
            if header(m, "X-Chidao-Event") == event
        ]  # fmt: skip
        assert len({m.message["Message-ID"] for m in copies}) == 1
        assert copies[1].received_at - copies[0].received_at >= 2  # not retried at once
    kv = await stack_js.key_value(topology.NOTIFIER_LEDGER.name)
    for event, unit in counts:
        entry = LedgerEntry.model_validate_json((await kv.get(f"{event}.{unit}")).value)
        assert entry.status == "sent" and entry.possibly_sent
    resent = await notifier_count(http, stack, "chidao_mails_possibly_sent_total", policy="resend")
    assert resent - resent_before == SIZES[UNANSWERED]


async def _interrupt_mid_send(stack, http, parent: str, number: int, stop) -> str:
    directive_id = await issue(http, stack, parent, number)
    await eventually(
        lambda: len(delivered(stack.mail, directive_id)) >= 100,
        within=60,
        what="the send to be under way",
    )
    stop()
    at_stop = sum(delivered(stack.mail, directive_id).values())
    assert at_stop < SIZES[parent], "the send finished before the notifier was stopped"
    stack.start_service("notifier")
    return directive_id


async def test_a_notifier_stopped_mid_send_sends_the_rest_after_restart_and_none_twice(
    stack, http, stack_js, number
):
    stop = stack.procs["notifier"].stop
    directive_id = await _interrupt_mid_send(stack, http, STOPPED, number, stop)
    counts = await all_delivered(stack, stack_js, directive_id, SIZES[STOPPED])
    assert set(counts.values()) == {1}


async def test_a_notifier_killed_mid_send_sends_the_rest_after_restart(
    stack, http, stack_js, number
):
    kill = stack.procs["notifier"].kill
    directive_id = await _interrupt_mid_send(stack, http, KILLED, number, kill)
    counts = await all_delivered(stack, stack_js, directive_id, SIZES[KILLED])
    # Every mail arrived. SMTP cannot say whether the server took a mail when the sender
    # died between the server's "250" and the ledger's record, so a mail in flight at the
    # instant of a SIGKILL may come again: at most one per SMTP connection, and with the
    # same Message-ID, which the receiving side uses to drop it.
    repeated = {key: n for key, n in counts.items() if n > 1}
    assert all(n == 2 for n in repeated.values())
    assert len(repeated) <= Settings().smtp_connections
    for event, unit in repeated:
        ids = {
            header(m, "Message-ID")
            for m in mails_of(stack.mail, directive_id, unit=unit)
            if header(m, "X-Chidao-Event") == event
        }
        assert len(ids) == 1
