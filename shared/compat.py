"""Small fixes at library boundaries, each with the reason it exists.

nats-py 2.16's ``PullSubscription.fetch`` raises a plain ``asyncio.TimeoutError`` when
its deadline runs out between the no-wait probe and the lingering request (the path added
by nats-io/nats.py#934), while FastStream 0.7.8's pull loops suppress only
``nats.errors.TimeoutError``. Unconverted, the error kills FastStream's consume task: the
batch subscriber then drops the messages it had already fetched, which come back only
after ``ack_wait``. Converting the exception restores the documented behaviour. Remove
this once either library handles it.

Nothing is patched on import: ``install()`` does it, once per process, from the process
set-up (``shared.process``), and says so in the log when the installed versions are not
the ones the fix was written for, so an upgrade is a reminder to check whether it is
still needed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import version
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


log = logging.getLogger(__name__)

# The versions the fix was written and tested for.
WRITTEN_FOR = {"nats-py": "2.16.0", "faststream": "0.7.8"}


def untested_versions() -> dict[str, str]:
    """The installed versions that differ from ``WRITTEN_FOR``, by package."""
    installed = {name: version(name) for name in WRITTEN_FOR}
    return {name: v for name, v in installed.items() if v != WRITTEN_FOR[name]}


def install() -> bool:
    """Patch ``PullSubscription.fetch``; True if this call patched it (False: already)."""
    pull = JetStreamContext.PullSubscription
    if getattr(pull.fetch, "chidao_converts_timeouts", False):
        return False
    if changed := untested_versions():
        log.warning(
            "nats-py timeout fix applied to versions it was not written for; check whether "
            "it is still needed",
            extra={"installed": changed, "written_for": WRITTEN_FOR},
        )
    pull.fetch = nats_timeouts(pull.fetch)  # type: ignore[method-assign,assignment]
    return True
