"""The nats-py/FastStream timeout mismatch that shared.compat papers over."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js.client import JetStreamContext

from shared.compat import nats_timeouts


def test_pull_fetch_is_wrapped_once_the_services_import_it():
    import shared.service  # noqa: F401  (the services import the shim through it)

    assert getattr(JetStreamContext.PullSubscription.fetch, "chidao_converts_timeouts", False)


async def test_a_plain_asyncio_timeout_becomes_the_nats_timeout_faststream_expects():
    async def fetch_that_times_out():
        raise TimeoutError  # what nats-py raises: asyncio.TimeoutError is TimeoutError

    with pytest.raises(nats.errors.TimeoutError):
        await nats_timeouts(fetch_that_times_out)()


async def test_results_and_other_errors_pass_through_unchanged():
    async def fetch_ok():
        return ["msg"]

    async def fetch_closed():
        raise nats.errors.ConnectionClosedError

    assert await nats_timeouts(fetch_ok)() == ["msg"]
    with pytest.raises(nats.errors.ConnectionClosedError):
        await nats_timeouts(fetch_closed)()
