"""An issuer killed in the middle of a fan-out finishes it when it comes back, and no
assignment is stored twice."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import httpx
import nats
import pytest

from chidao.bench.fanout import DIRECTIVE
from chidao.bench.tree import synthetic_tree
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared import topology
from tests.support import OPERATOR_HEADERS, as_operator, eventually, stream_count

pytestmark = pytest.mark.e2e

UNITS = 30_000


async def test_a_fanout_interrupted_by_a_crash_is_finished_after_restart(tmp_path):
    stack = Stack(var_dir=tmp_path, services=("issuer",))
    try:
        stack.start_infrastructure()
        await store_directory(stack.nats.url, synthetic_tree(UNITS))
        await asyncio.to_thread(stack.start, 120)
        nc = await nats.connect(stack.nats.url)
        js = nc.jetstream()
        await eventually(
            lambda: _exists(js, topology.ASSIGNMENTS.name), what="the issuer's streams"
        )

        def send() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the issuer dies under this request
                as_operator.post(
                    f"{stack.url('issuer')}/api/directives", json=DIRECTIVE, timeout=120
                )

        threading.Thread(target=send, daemon=True).start()
        await eventually(
            lambda: _between(js, 1, UNITS - 1), within=60, what="the fan-out to be under way"
        )
        stack.procs["issuer"].kill()
        stored_at_crash = await stream_count(js, topology.ASSIGNMENTS.name)
        assert 0 < stored_at_crash < UNITS, "the fan-out finished before it could be interrupted"

        await asyncio.to_thread(stack.start_service, "issuer")
        await eventually(lambda: _between(js, UNITS, UNITS), within=120, what="the resumed fan-out")
        async with httpx.AsyncClient(
            base_url=stack.url("issuer"), timeout=30, headers=OPERATOR_HEADERS
        ) as http:
            directive_id = "1-hd-tl--bench-root"

            async def issued():
                return (await http.get(f"/api/directives/{directive_id}")).json()["status"] == (
                    "issued"
                )

            await eventually(issued, what="the record to be marked issued")
            again = (await http.post("/api/directives", json=DIRECTIVE)).json()
        assert again["status"] == "already_issued" and again["new_assignments"] == 0
        assert await stream_count(js, topology.ASSIGNMENTS.name) == UNITS  # none twice
        await nc.close()
    finally:
        stack.stop()


async def _exists(js, stream: str) -> bool:
    try:
        await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return False
    return True


async def _between(js, low: int, high: int) -> bool:
    return low <= await stream_count(js, topology.ASSIGNMENTS.name) <= high
