"""Metrics every service exports besides its domain ones: FastStream's messaging metrics
with labels that stay bounded, and gauges sampled from JetStream (consumer lag, stream
health, the connection), which the dashboards and alerts in deploy/ are built on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from faststream.nats.prometheus.provider import (
    BatchNatsMetricsSettingsProvider,
    NatsMetricsSettingsProvider,
)
from faststream.prometheus.middleware import PrometheusMiddleware
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry, Gauge

from shared.topology import ConsumerSpec, StreamSpec

log = logging.getLogger(__name__)

# chidao.assignment.created.<directive>.<unit>.<requirement> -> chidao.assignment.created
SUBJECT_KIND_TOKENS = 3


def subject_kind(subject: str) -> str:
    """The event kind of a subject, without the ids that make it one of millions."""
    return ".".join(subject.split(".")[:SUBJECT_KIND_TOKENS])


def _handler(msg: Msg) -> str:
    # The durable consumer names the handler; the subject would name every unit.
    try:
        return msg.metadata.consumer
    except Exception:  # a core NATS message has no JetStream metadata
        return subject_kind(msg.subject)


class _Consumed(NatsMetricsSettingsProvider):
    def get_consume_attrs_from_message(self, msg: Any) -> Any:
        return {
            **super().get_consume_attrs_from_message(msg),
            "destination_name": _handler(msg.raw_message),
        }

    def get_publish_destination_name_from_cmd(self, cmd: Any) -> str:
        return subject_kind(cmd.destination)


class _ConsumedBatch(BatchNatsMetricsSettingsProvider):
    def get_consume_attrs_from_message(self, msg: Any) -> Any:
        attrs = super().get_consume_attrs_from_message(msg)
        return {**attrs, "destination_name": _handler(msg.raw_message[0])}

    def get_publish_destination_name_from_cmd(self, cmd: Any) -> str:
        return subject_kind(cmd.destination)


def _provider(msg: Msg | Sequence[Msg] | None) -> Any:
    if isinstance(msg, Sequence):
        return _ConsumedBatch()
    if isinstance(msg, Msg) or msg is None:
        return _Consumed()
    return None  # KV and object store watches: not counted


def messaging_middleware(registry: CollectorRegistry, app_name: str) -> PrometheusMiddleware:
    """FastStream's Prometheus middleware, with ``handler`` the durable consumer and
    ``destination`` the event kind. FastStream's own NATS provider labels by subject, which
    here carries the unit id: one series per unit, 100,000 for one directive."""
    return PrometheusMiddleware(
        settings_provider_factory=_provider, registry=registry, app_name=app_name
    )


class JetStreamGauges:
    """What the service sees of JetStream, sampled every few seconds: every replica
    exports the same series, so dashboards take the max over replicas."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, doc, labels, registry=registry)

        self.pending = gauge(
            "chidao_consumer_pending_messages",
            "Messages in the stream not yet delivered to the consumer (its lag)",
            ("consumer",),
        )
        self.ack_pending = gauge(
            "chidao_consumer_ack_pending_messages",
            "Messages delivered to the consumer and not yet acknowledged",
            ("consumer",),
        )
        self.redelivered = gauge(
            "chidao_consumer_redelivered_messages",
            "Unacknowledged messages delivered more than once",
            ("consumer",),
        )
        self.messages = gauge("chidao_stream_messages", "Messages in the stream", ("stream",))
        self.bytes = gauge("chidao_stream_bytes", "Bytes in the stream", ("stream",))
        self.replicas_configured = gauge(
            "chidao_stream_replicas_configured", "Replicas the stream asks for", ("stream",)
        )
        self.replicas_current = gauge(
            "chidao_stream_replicas_current",
            "Replicas of the stream that are up to date: the leader and current followers",
            ("stream",),
        )
        self.connected = gauge(
            "chidao_nats_connected", "1 while the service is connected to NATS, else 0"
        )

    async def sample(
        self,
        js: JetStreamContext,
        connected: bool,
        streams: Sequence[StreamSpec],
        consumers: Sequence[ConsumerSpec],
    ) -> None:
        self.connected.set(1 if connected else 0)
        if not connected:
            return
        for spec in streams:
            info = await js.stream_info(spec.name)
            self.messages.labels(spec.name).set(info.state.messages)
            self.bytes.labels(spec.name).set(info.state.bytes)
            self.replicas_configured.labels(spec.name).set(info.config.num_replicas or 1)
            self.replicas_current.labels(spec.name).set(_current_replicas(info))
        for consumer in consumers:
            c = await js.consumer_info(consumer.stream, consumer.durable)
            self.pending.labels(consumer.durable).set(c.num_pending or 0)
            self.ack_pending.labels(consumer.durable).set(c.num_ack_pending or 0)
            self.redelivered.labels(consumer.durable).set(c.num_redelivered or 0)


def _current_replicas(info: Any) -> int:
    cluster = info.cluster
    if cluster is None:  # a single server: the one copy is the stream
        return 1
    leader = 1 if cluster.leader else 0
    return leader + sum(1 for peer in cluster.replicas or () if peer.current and not peer.offline)
