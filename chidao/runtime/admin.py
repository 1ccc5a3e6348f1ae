"""One-off administrative actions against a running NATS server."""

from __future__ import annotations

import nats

from shared import topology
from shared.contracts import Unit
from shared.directory import store_units
from shared.settings import Settings, nats_options


async def dead_letters(nats_url: str) -> list:
    from shared.deadletters import list_all

    nc = await nats.connect(**nats_options(nats_url), connect_timeout=5, allow_reconnect=False)
    try:
        return await list_all(nc.jetstream())
    finally:
        await nc.close()


async def replay_dead_letter(nats_url: str, letter_id: str):
    from shared.deadletters import replay

    nc = await nats.connect(**nats_options(nats_url), connect_timeout=5, allow_reconnect=False)
    try:
        return await replay(nc.jetstream(), letter_id)
    finally:
        await nc.close()


async def store_report_forms(nats_url: str, forms: list) -> None:
    from shared.forms import store_forms

    nc = await nats.connect(**nats_options(nats_url), connect_timeout=5, allow_reconnect=False)
    try:
        js = nc.jetstream()
        await topology.ensure_buckets(js, Settings(nats_url=nats_url), (topology.FORMS,))
        await store_forms(js, forms)
    finally:
        await nc.close()


async def store_directory(
    nats_url: str, units: list[Unit], replicas: int | None = None
) -> dict[str, int]:
    """Create the directory bucket if needed (``replicas``, else CHIDAO_JS_REPLICAS) and
    upsert the units into it."""
    nc = await nats.connect(**nats_options(nats_url), connect_timeout=5, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(publish_async_max_pending=4000)
        settings = Settings(nats_url=nats_url, **({"js_replicas": replicas} if replicas else {}))
        await topology.ensure_buckets(js, settings, (topology.DIRECTORY,))
        return await store_units(js, units)
    finally:
        await nc.close()
