"""The four services on a 3-node NATS JetStream cluster, every stream and bucket at 3
replicas, each service connected as its own user of deploy/nats/accounts.conf. One node
is killed in the middle of a campaign: nothing is lost, nothing is sent twice, and the
replica gauges show the loss until the node is back."""

from __future__ import annotations

import asyncio

import httpx
import nats
import pytest

from chidao.runtime.stack import SERVICES, Stack
from shared import topology
from shared.availability import UNAVAILABLE, until_available
from shared.settings import nats_options
from tests.factories import committee_with_chi_bo, plan_for_chi_bo
from tests.ops.nats_cluster import NatsCluster
from tests.support import OPERATOR_HEADERS, consumer_caught_up, eventually, metric, running

pytestmark = pytest.mark.e2e

COMMITTEE = "du-cum"
CHI_BO = 120
DIRECTIVE = plan_for_chi_bo(COMMITTEE, 12)
DIRECTIVE_ID = "12-kh-du--du-cum"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nodes = NatsCluster(tmp_path_factory.mktemp("cluster")).start()
    yield nodes
    nodes.stop()


@pytest.fixture(scope="module")
def stack(cluster, tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("stack"),
        nats_url=cluster.url("admin"),
        extra_env={"CHIDAO_JS_REPLICAS": "3", "CHIDAO_METRICS_INTERVAL": "0.5"},
        service_env={name: {"CHIDAO_NATS_URL": cluster.url(name)} for name in SERVICES},
    )
    with running(stack, committee_with_chi_bo(COMMITTEE, CHI_BO)):
        yield stack


async def test_a_service_user_may_publish_only_its_own_events(cluster, stack):
    refused: list[str] = []

    async def on_error(exc: Exception) -> None:
        refused.append(str(exc))

    nc = await nats.connect(**nats_options(cluster.url("notifier")), error_cb=on_error)
    try:
        await nc.publish(f"chidao.report.submitted.{DIRECTIVE_ID}.x.report", b"{}")
        await nc.flush()
        await eventually(lambda: refused, within=10, what="a permissions violation")
    finally:
        await nc.close()
    assert "permissions violation" in refused[0].lower()


async def test_losing_a_node_mid_campaign_loses_nothing(cluster, stack):
    admin = await nats.connect(**nats_options(cluster.url("admin")))
    js = admin.jetstream()
    http = httpx.AsyncClient(timeout=60, headers=OPERATOR_HEADERS)
    try:
        info = await js.stream_info(topology.ASSIGNMENTS.name)
        assert info.config.num_replicas == 3

        issued = await http.post(f"{stack.url('issuer')}/api/directives", json=DIRECTIVE)
        assert issued.status_code == 201, issued.text
        assert issued.json()["new_assignments"] == CHI_BO
        sink = stack.mail
        await eventually(lambda: sink.messages, what="the first assignment mail")

        # Kill the node that leads the reports' stream, while mails are still going out.
        leader = (await js.stream_info(topology.REPORTS.name)).cluster.leader
        cluster.node(leader).kill()
        killed_while = len(sink.messages)

        async def stream_info(name: str):  # this client rides out the election too
            return await until_available(lambda: js.stream_info(name), name, within=60)

        async def submit(i: int) -> int:
            response = await http.post(
                f"{stack.url('reporter')}/api/submissions",
                json={
                    "directive_id": DIRECTIVE_ID,
                    "unit_id": f"{COMMITTEE}-cb{i}",
                    "requirement_id": "report",
                    "values": {"sessions": 2, "participants": 10},
                },
            )
            return response.status_code

        statuses = await asyncio.gather(*(submit(i) for i in range(1, CHI_BO + 1)))
        assert statuses == [201] * CHI_BO

        # Every chi bộ got its assignment mail exactly once.
        async def notifier_caught_up() -> bool:
            try:
                return await consumer_caught_up(
                    js, topology.ASSIGNMENTS.name, topology.NOTIFIER_ASSIGNMENTS.durable
                )
            except UNAVAILABLE:
                return False

        await eventually(
            notifier_caught_up,
            within=120,
            what="the notifier to mail every assignment",
        )
        for i in range(1, CHI_BO + 1):
            got = sink.to(f"{COMMITTEE}-cb{i}@test.example.org")
            assert len(got) == 1, f"chi bộ {i} received {len(got)} assignment mails"
        assert killed_while < CHI_BO, "the node went down only after every mail was out"

        # Every report is rolled up to the committee.
        async def rolled_up() -> bool:
            answer = await http.get(
                f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"
            )
            if answer.status_code != 200:
                return False
            totals = answer.json()["requirements"][0]["totals"]
            return totals["expected"] == totals["submitted"] == CHI_BO

        await eventually(rolled_up, within=120, what="every report in the committee's roll-up")
        answer = await http.get(
            f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"
        )
        assert answer.json()["requirements"][0]["totals"]["sums"]["sessions"] == 2 * CHI_BO
        reports = await stream_info(topology.REPORTS.name)
        assert reports.state.messages == CHI_BO
        dead = await stream_info(topology.DEAD_LETTERS.name)
        assert dead.state.messages == 0, "a message was given up on"

        # The gauges say a replica is missing, then that it is back.
        async def replicas(service: str) -> float:
            return await metric(
                http,
                stack,
                service,
                "chidao_stream_replicas_current",
                stream=topology.REPORTS.name,
            )

        await eventually(lambda: _equals(replicas("reporter"), 2), what="2 current replicas")
        cluster.node(leader).start()
        await eventually(
            lambda: _equals(replicas("reporter"), 3), within=60, what="3 current replicas"
        )
    finally:
        await http.aclose()
        await admin.close()


async def _equals(value, expected: float) -> bool:
    return (await value) == expected
