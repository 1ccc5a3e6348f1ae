"""Two notifier replicas sharing the work (as the Kubernetes overlay runs them) and a
mail server that holds its answer to the end of DATA longer than the consumers' ack wait:
every mail arrives exactly once. A message being worked on is kept in progress, so it is
not handed to the other replica; were it handed over, the ledger's claim would make the
other replica wait. Also: every durable consumer waits the configured ack wait, even one
an older release declared with a backoff list (whose first step, 1 s, JetStream took as
the ack wait)."""

from __future__ import annotations

import asyncio
from collections import Counter

import nats
import pytest

from chidao.runtime.ports import free_port
from chidao.runtime.stack import ServiceProcess, Stack
from shared import topology
from shared.settings import Settings
from tests.factories import committee_with_chi_bo, directive_to_chi_bo
from tests.support import eventually, mails_of, notifier_finished, running

pytestmark = pytest.mark.e2e

ACK_WAIT = 2.0
STALL, STALL_EVERY = 5.0, 50  # every 50th mail waits 5 s for its acceptance
PARENT, CHI_BO = "du-replicas", 300


async def declare_as_an_older_release(nats_url: str) -> None:
    """Every stream, and every durable with the backoff list an older release gave it."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        settings = Settings(nats_url=nats_url, js_ack_wait=ACK_WAIT)
        await topology.ensure_streams(js, settings)
        for spec in topology.CONSUMERS:
            legacy = topology.consumer_config(spec, settings)
            legacy.backoff = list(topology.REDELIVERY_BACKOFF)
            await js.add_consumer(spec.stream, legacy)
    finally:
        await nc.close()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """The four services, and a second notifier process on the same durables."""
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("replicas"),
        extra_env={"CHIDAO_JS_ACK_WAIT": str(ACK_WAIT)},
    )
    stack.start_infrastructure()
    asyncio.run(declare_as_an_older_release(stack.admin_nats_url))
    with running(stack, committee_with_chi_bo(PARENT, CHI_BO)):
        port = free_port()
        second = ServiceProcess(
            "notifier",
            port,
            {**stack.env(), "CHIDAO_HTTP_PORT": str(port)},
            stack.var_dir / "logs" / "notifier-2.log",
        )
        second.start()
        try:
            second.wait_ready(90)
            yield stack, second
        finally:
            second.stop()


async def test_every_durable_consumer_waits_the_configured_ack_wait(replicas):
    stack, _ = replicas
    nc = await nats.connect(stack.admin_nats_url)
    try:
        js = nc.jetstream()
        for spec in topology.CONSUMERS:
            config = (await js.consumer_info(spec.stream, spec.durable)).config
            assert config.ack_wait == ACK_WAIT, spec.durable
            assert all(step >= ACK_WAIT for step in config.backoff or ()), spec.durable
    finally:
        await nc.close()


async def test_two_replicas_and_a_server_slower_than_the_ack_wait_send_every_mail_once(
    replicas, http, number
):
    stack, second = replicas
    directive = directive_to_chi_bo(
        PARENT, f"Đảng ủy {PARENT}", f"{number}-KH/ĐU",
        "Thử gửi thư qua hai bản sao của dịch vụ gửi thư",
    )  # fmt: skip
    stalled = stack.mail.stalled
    stack.mail.stall(STALL, every=STALL_EVERY)
    try:
        response = await http.post(f"{stack.url('issuer')}/api/directives", json=directive)
        assert response.status_code == 201, response.text
        assert response.json()["assignments"] == CHI_BO
        directive_id = response.json()["directive_id"]

        def mails() -> list:
            return mails_of(stack.mail, directive_id)

        await eventually(
            lambda: len({m.envelope_to[0] for m in mails()}) == CHI_BO,
            within=120,
            what=f"a mail to each of the {CHI_BO} chi bộ",
        )
        nc = await nats.connect(stack.admin_nats_url)
        try:  # both notifiers have nothing left to do
            await notifier_finished(nc.jetstream(), within=120)
        finally:
            await nc.close()
    finally:
        stack.mail.stall(0)

    received = mails()
    # acceptances slower than the ack wait
    assert stack.mail.stalled - stalled >= CHI_BO // STALL_EVERY
    by_id = Counter(str(m.message["Message-ID"]).strip() for m in received)
    assert {n for n in by_id.values()} == {1}, [i for i, n in by_id.items() if n > 1]
    by_unit = Counter(
        (str(m.message["X-Chidao-Unit"]).strip(), str(m.message["X-Chidao-Template"]).strip())
        for m in received
    )
    assert len(by_unit) == CHI_BO and set(by_unit.values()) == {1}
    # the two replicas shared the work
    for url in (stack.url("notifier"), second.url):
        assert await assignments_sent(http, url) > 0, url


async def assignments_sent(http, url: str) -> float:
    """chidao_mails_sent_total{template="assignment"} of one notifier process."""
    text = (await http.get(f"{url}/metrics")).text
    prefix = 'chidao_mails_sent_total{template="assignment"}'
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )
