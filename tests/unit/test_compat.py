"""The nats-py/FastStream timeout mismatch that shared.compat papers over."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js.client import JetStreamContext

from shared import compat, process
from shared.compat import nats_timeouts
from shared.settings import Settings


def test_pull_fetch_is_wrapped_once_the_process_is_set_up_and_only_once(monkeypatch):
    # set_up's logging and global tracer provider would stay for every later test
    monkeypatch.setattr(process, "configure_logging", lambda *_: None)
    monkeypatch.setattr(process, "configure_tracing", lambda *_: None)
    pull = JetStreamContext.PullSubscription
    # as a fresh process has it (the test session's own set-up already wrapped it)
    monkeypatch.setattr(pull, "fetch", pull.fetch.__wrapped__)
    assert not getattr(pull.fetch, "chidao_converts_timeouts", False)
    process.set_up(Settings(), "reporter")
    assert getattr(JetStreamContext.PullSubscription.fetch, "chidao_converts_timeouts", False)
    assert compat.install() is False  # a second set-up does not wrap it again


def test_the_fix_names_the_versions_it_was_written_for():
    # the pinned versions are the ones the fix was written for; after an upgrade this
    # fails, as a reminder to check whether nats-py or FastStream still needs it
    assert compat.untested_versions() == {}


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
