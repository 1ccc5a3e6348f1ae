"""Helpers for tests: wait on a condition with a deadline, never sleep and hope."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nats.js import JetStreamContext


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.05)


async def eventually(
    condition: Callable[[], Any | Awaitable[Any]], within: float = 20.0, what: str = "condition"
) -> Any:
    """Poll ``condition`` (sync or async) until it is truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.05)


async def consumer_caught_up(js: JetStreamContext, stream: str, durable: str) -> bool:
    """True once a durable consumer has acknowledged everything in its stream."""
    info = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.num_redelivered == 0


async def stream_count(js: JetStreamContext, stream: str, subject: str | None = None) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    if subject is None:
        return info.state.messages
    return sum((info.state.subjects or {}).values())


async def metric(http, stack, service: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples that carry ``labels``, scraped from a service."""
    text = (await http.get(f"{stack.url(service)}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        named = line.startswith(name + "{") or line.startswith(name + " ")
        if named and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@contextmanager
def running(stack, units) -> Iterator[Any]:
    """``stack`` (a chidao.runtime.stack.Stack) started with ``units`` in its directory;
    stopped, whatever happens."""
    from chidao.runtime.admin import store_directory

    try:
        stack.start_infrastructure()
        asyncio.run(store_directory(stack.admin_nats_url, units, stack.js_replicas))
        stack.start(ready_timeout=90)
        yield stack
    finally:
        stack.stop()
