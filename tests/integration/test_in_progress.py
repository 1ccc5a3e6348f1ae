"""A handler slower than the consumer's ack wait keeps its messages: the services'
redelivery middleware tells JetStream they are in progress while it runs, so they are not
handed to another consumer (another replica) meanwhile. On a real nats-server, with
FastStream's pull subscriber as the services use it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig

from shared import topology
from shared.clock import parse_clock
from shared.service import redelivery_middleware
from shared.settings import Settings
from tests.support import consumer_caught_up, eventually

STREAM = topology.ASSIGNMENTS.name
ACK_WAIT = 1.0


async def test_a_handler_three_times_slower_than_the_ack_wait_gets_each_message_once(
    js, nats_server
):
    settings = Settings(nats_url=nats_server.url, js_ack_wait=ACK_WAIT)
    await topology.ensure_streams(js, settings, (topology.ASSIGNMENTS,))
    # what redelivery_middleware uses of a Service (dead letters are not reached here)
    service = SimpleNamespace(name="test", settings=settings, clock=parse_clock("real", None))
    broker = NatsBroker(nats_server.url, middlewares=[redelivery_middleware(service)])
    deliveries: list[tuple[str, int]] = []

    @broker.subscriber(
        "chidao.assignment.created.>",
        stream=JStream(STREAM, declare=False),
        durable="slow-handler",
        config=ConsumerConfig(
            durable_name="slow-handler",
            ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT,
            max_deliver=5,
        ),
        pull_sub=PullSub(batch_size=4, timeout=0.5),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def slow(body: dict, msg: NatsMessage) -> None:
        deliveries.append((msg.raw_message.subject, msg.raw_message.metadata.num_delivered))
        await asyncio.sleep(3 * ACK_WAIT)

    for unit in ("cb-a", "cb-b"):
        await js.publish(f"chidao.assignment.created.d1.{unit}.r1", b"{}", stream=STREAM)
    await broker.start()
    try:
        await eventually(lambda: len(deliveries) >= 2, within=10, what="both messages")
        await eventually(
            lambda: consumer_caught_up(js, STREAM, "slow-handler"),
            within=15,
            what="both messages acknowledged",
        )
    finally:
        await broker.stop()
    assert sorted(deliveries) == [
        ("chidao.assignment.created.d1.cb-a.r1", 1),
        ("chidao.assignment.created.d1.cb-b.r1", 1),
    ]
