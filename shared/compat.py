"""Small fixes at library boundaries, each with the reason it exists.

nats-py 2.16's ``PullSubscription.fetch`` raises a plain ``asyncio.TimeoutError`` when
its deadline runs out between the no-wait probe and the lingering request (the path added
by nats-io/nats.py#934), while FastStream 0.7.8's pull loops suppress only
``nats.errors.TimeoutError``. Unconverted, the error kills FastStream's consume task: the
batch subscriber then drops the messages it had already fetched, which come back only
after ``ack_wait``. Converting the exception restores the documented behaviour. Remove
this once either library handles it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from nats.js.client import JetStreamContext


def nats_timeouts(fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wrap ``fetch`` so that every timeout it raises is a ``nats.errors.TimeoutError``."""

    @functools.wraps(fetch)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(*args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError as exc:  # asyncio.TimeoutError is TimeoutError on 3.11+
            raise nats.errors.TimeoutError from exc

    wrapper.chidao_converts_timeouts = True  # type: ignore[attr-defined]
    return wrapper


_PullSubscription = JetStreamContext.PullSubscription
if not getattr(_PullSubscription.fetch, "chidao_converts_timeouts", False):
    _PullSubscription.fetch = nats_timeouts(_PullSubscription.fetch)  # type: ignore[method-assign]
