"""Streams, consumers and buckets are declared with explicit settings, idempotently."""

from __future__ import annotations

from nats.js.api import AckPolicy, StorageType

from shared import topology
from shared.settings import Settings


async def test_everything_is_declared_on_file_storage_with_the_configured_settings(js, nats_server):
    settings = Settings(nats_url=nats_server.url, js_duplicate_window=300, js_max_deliver=5)
    await topology.ensure_all(js, settings)

    for spec in topology.STREAMS:
        config = (await js.stream_info(spec.name)).config
        assert config.storage == StorageType.FILE, spec.name
        assert config.num_replicas == 1
        assert config.duplicate_window == 300
        assert config.subjects == list(spec.subjects)
    for spec in topology.BUCKETS:
        status = await (await js.key_value(spec.name)).status()
        assert status.stream_info.config.storage == StorageType.FILE, spec.name
    for spec in topology.CONSUMERS:
        config = (await js.consumer_info(spec.stream, spec.durable)).config
        assert config.ack_policy == AckPolicy.EXPLICIT
        assert config.max_deliver == 5
        assert config.filter_subject == spec.filter_subject


async def test_declaring_again_is_harmless_and_applies_changed_settings(js, nats_server):
    await topology.ensure_all(js, Settings(nats_url=nats_server.url, js_duplicate_window=300))
    await js.publish("chidao.directive.issued.d1", b"{}")
    await topology.ensure_all(
        js, Settings(nats_url=nats_server.url, js_duplicate_window=900, js_max_deliver=3)
    )
    info = await js.stream_info(topology.DIRECTIVES.name)
    assert info.config.duplicate_window == 900
    assert info.state.messages == 1  # nothing lost by re-declaring
    consumer = await js.consumer_info(
        topology.NOTIFIER_DIRECTIVES.stream, topology.NOTIFIER_DIRECTIVES.durable
    )
    assert consumer.config.max_deliver == 3


async def test_every_consumer_waits_the_configured_ack_wait_even_one_declared_with_backoff(
    js, nats_server
):
    """A backoff list makes JetStream take its first step (1 s) as the ack wait, so an event
    still being mailed came back, to another replica, after a second. Declaring again
    removes the backoff an older release gave the consumers."""
    settings = Settings(nats_url=nats_server.url, js_ack_wait=30)
    await topology.ensure_streams(js, settings)
    for spec in topology.CONSUMERS:  # as an older release declared them
        legacy = topology.consumer_config(spec, settings)
        legacy.backoff = [1.0, 5.0, 15.0, 60.0, 300.0]
        await js.add_consumer(spec.stream, legacy)
        assert (await js.consumer_info(spec.stream, spec.durable)).config.ack_wait == 1.0

    await topology.ensure_all(js, settings)

    for spec in topology.CONSUMERS:
        config = (await js.consumer_info(spec.stream, spec.durable)).config
        assert config.ack_wait == 30, spec.durable
        assert all(step >= 30 for step in config.backoff or ()), spec.durable
