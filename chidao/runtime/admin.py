"""One-off administrative actions against a running NATS server, as its admin user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import nats
from nats.errors import NoServersError

from shared import topology
from shared.availability import until_available
from shared.contracts import Unit
from shared.directory import store_units
from shared.settings import Settings, nats_options


class NatsUnreachable(RuntimeError):
    """No NATS server answered at the URL: said in one line, not a two-minute retry."""

    def __init__(self, nats_url: str) -> None:
        servers = ", ".join(nats_options(nats_url)["servers"])  # without the password
        super().__init__(
            f"không kết nối được NATS ở {servers}: máy chủ chưa chạy? Khởi động bằng "
            "`chidao dev` (hoặc `make demo`), hoặc chỉ đúng địa chỉ bằng CHIDAO_NATS_URL."
        )


async def _quiet(_: Exception) -> None:
    return None


async def _connect(nats_url: str, settings: Settings | None = None, **options: Any) -> nats.NATS:
    """Over TLS when CHIDAO_NATS_CA_FILE is set or the URL says tls://. A command line
    tries each server twice, briefly (nats-py's default is a minute of retries)."""
    ca_file = (settings or Settings(nats_url=nats_url)).nats_ca_file
    tries = {
        "max_reconnect_attempts": 2,
        "reconnect_time_wait": 0.5,
        "error_cb": _quiet,  # (nats-py prints each failed try's traceback by default)
        **options,
    }
    try:
        return await nats.connect(**nats_options(nats_url, ca_file), connect_timeout=3, **tries)
    except (NoServersError, OSError, TimeoutError) as exc:
        raise NatsUnreachable(nats_url) from exc


async def dead_letters(nats_url: str) -> list:
    from shared.deadletters import list_all

    nc = await _connect(nats_url, allow_reconnect=False)
    try:
        return await list_all(nc.jetstream())
    finally:
        await nc.close()


async def replay_dead_letter(nats_url: str, letter_id: str):
    from shared.deadletters import replay

    nc = await _connect(nats_url, allow_reconnect=False)
    try:
        return await replay(nc.jetstream(), letter_id)
    finally:
        await nc.close()


async def _into_bucket(nats_url: str, bucket: topology.BucketSpec, write) -> None:
    """``write(js)`` as the admin, the reference-data ``bucket`` declared first."""
    nc = await _connect(nats_url, allow_reconnect=False)
    try:
        js = nc.jetstream()
        await topology.ensure_buckets(js, Settings(nats_url=nats_url), (bucket,))
        await write(js)
    finally:
        await nc.close()


async def store_report_forms(nats_url: str, forms: list) -> None:
    from shared.forms import store_forms

    await _into_bucket(nats_url, topology.FORMS, lambda js: store_forms(js, forms))


async def store_work_calendar(nats_url: str, calendar) -> None:
    from shared.workdays import store_calendar

    await _into_bucket(nats_url, topology.CALENDAR, lambda js: store_calendar(js, calendar))


async def work_calendar(nats_url: str):
    from shared.workdays import read_calendar

    nc = await _connect(nats_url, allow_reconnect=False)
    try:
        return await read_calendar(nc.jetstream())
    finally:
        await nc.close()


def owned_by(owners: set[str]) -> tuple[tuple[topology.Declared, ...], ...]:
    """The streams, buckets and object stores of ``owners`` (shared.topology.OWNERS)."""

    def of(specs: tuple) -> tuple:
        return tuple(s for s in specs if topology.owner_of(s) in owners)

    return of(topology.STREAMS), of(topology.BUCKETS), of(topology.OBJECT_STORES)


EVERYONE = {topology.ADMIN, *topology.OWNERS.values()}


async def declare_topology(
    nats_url: str, settings: Settings, owners: Iterable[str] = (topology.ADMIN,)
) -> None:
    """Declare, as the admin, what ``owners`` own: by default the admin's part (dead
    letters, timers, the directory and forms buckets), with ``EVERYONE`` every stream,
    bucket and object store; created when missing, streams brought up to date (the
    services may create theirs, never update them)."""
    streams, buckets, stores = owned_by(set(owners))
    # no reconnecting: nats-py would retry a TLS mismatch (tls:// to a plain server) forever
    nc = await _connect(nats_url, settings, allow_reconnect=False)
    try:
        js = nc.jetstream()

        async def declare() -> None:
            await topology.ensure_streams(js, settings, streams)
            await topology.ensure_buckets(js, settings, buckets)
            await topology.ensure_object_stores(js, settings, stores)

        await until_available(declare, "declaring the topology", 60)
    finally:
        await nc.close()


async def store_directory(
    nats_url: str, units: list[Unit], replicas: int | None = None
) -> dict[str, int]:
    """Declare the admin's streams and buckets, the directory's among them, if needed
    (``replicas``, else CHIDAO_JS_REPLICAS), and upsert the units into the directory."""
    settings = Settings(nats_url=nats_url, **({"js_replicas": replicas} if replicas else {}))
    await declare_topology(nats_url, settings)
    nc = await _connect(nats_url, settings, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(publish_async_max_pending=4000)
        return await store_units(js, units)
    finally:
        await nc.close()
