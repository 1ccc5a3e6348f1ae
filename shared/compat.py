"""Small fixes at library boundaries, each with the reason it exists.

nats-py 2.16's ``PullSubscription.fetch`` raises a plain ``asyncio.TimeoutError`` when
its deadline runs out between the no-wait probe and the lingering request (the path added
by nats-io/nats.py#934), while FastStream 0.7.8's pull loops suppress only
``nats.errors.TimeoutError``. Unconverted, the error kills FastStream's consume task: the
batch subscriber then drops the messages it had already fetched, which come back only
after ``ack_wait``. Converting the exception restores the documented behaviour. Remove
this once either library handles it (tests/unit/test_compat.py shows whether it is still
needed).
"""

from __future__ import annotations

import functools

import nats.errors
from nats.js.client import JetStreamContext

_PullSubscription = JetStreamContext.PullSubscription


def _convert_fetch_timeouts() -> None:
    original = _PullSubscription.fetch
    if getattr(original, "_chidao_converts_timeouts", False):
        return

    @functools.wraps(original)
    async def fetch(self, *args, **kwargs):
        try:
            return await original(self, *args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError as exc:
            raise nats.errors.TimeoutError from exc

    fetch._chidao_converts_timeouts = True  # type: ignore[attr-defined]
    _PullSubscription.fetch = fetch  # type: ignore[method-assign]


_convert_fetch_timeouts()
