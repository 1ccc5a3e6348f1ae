"""Riding out a moment without JetStream: a cluster node lost, a stream electing a new
leader (a few seconds), a reconnect. Requests answered in that moment are retried with a
growing pause; past the deadline the caller gets JetStreamUnavailable, which the HTTP APIs
answer with 503 and plain words instead of a 500."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import nats.errors
from nats.js.errors import NoStreamResponseError, ServiceUnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")

# What JetStream answers while a stream has no leader or the client is reconnecting.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats.errors.NoRespondersError,
    nats.errors.TimeoutError,
    nats.errors.ConnectionReconnectingError,
    ServiceUnavailableError,
    NoStreamResponseError,
)


class JetStreamUnavailable(RuntimeError):
    """JetStream did not answer within the deadline."""


async def until_available(call: Callable[[], Awaitable[T]], what: str, within: float = 15.0) -> T:
    deadline = time.monotonic() + within
    pause = 0.05
    while True:
        try:
            return await call()
        except UNAVAILABLE as exc:
            if time.monotonic() + pause > deadline:
                raise JetStreamUnavailable(
                    f"JetStream did not answer to {what} within {within:g}s"
                ) from exc
            log.warning("JetStream unavailable, retrying", extra={"what": what, "error": repr(exc)})
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
