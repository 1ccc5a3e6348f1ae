"""``chidao bench publish --messages N``: the baseline for the fan-out benchmark.

Plain nats-py ``publish_async`` of N messages with a Nats-Msg-Id each, then
``publish_async_completed()``, into a file-backed stream on a fresh embedded server:
what the client and server reach with no chidao code in the way."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import nats
from nats.js.api import StorageType, StreamConfig

from chidao.runtime.nats_server import NatsServer


async def _publish(url: str, messages: int, size: int) -> float:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(publish_async_max_pending=4000)
        await js.add_stream(
            StreamConfig(name="BASELINE", subjects=["baseline.>"], storage=StorageType.FILE)
        )
        payload = b"x" * size
        started = time.perf_counter()
        for i in range(messages):
            await js.publish_async(f"baseline.u{i}", payload, headers={"Nats-Msg-Id": f"m{i}"})
        await js.publish_async_completed()
        return time.perf_counter() - started
    finally:
        await nc.close()


def run(messages: int, size: int, var: Path) -> dict:
    scratch = var / f"publish-{messages}"
    shutil.rmtree(scratch, ignore_errors=True)
    with NatsServer(scratch / "jetstream") as server:
        seconds = asyncio.run(_publish(server.url, messages, size))
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "messages": messages,
        "bytes": size,
        "seconds": round(seconds, 3),
        "messages_per_second": round(messages / seconds),
    }
