"""``chidao bench aggregate --units N``: N units report on a directive issued to all of
them on a fresh embedded server; the aggregator rolls the reports up a four-level tree.

By default the N report.submitted events are published straight into the REPORTS
stream, pipelined, as the reporter would write them: far faster than the aggregator can
take them, so what is measured is the roll-up. With ``--through-reporter`` every unit
submits through the reporter's HTTP API instead (32 at a time), and the measure is the
whole path, bounded by the API.

Timed from the first submission until the root's roll-up counts all N reports with the
right sums (``seconds``; ``submissions_per_second`` = N / seconds), and from the last
submission (published and acknowledged, or answered) until then (``seconds_to_root``).
Loading the directory, issuing and rolling up the assignments come before and are not
timed."""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import datetime
from pathlib import Path

import httpx
import nats

from chidao.bench.fanout import DIRECTIVE
from chidao.bench.tree import ROOT, synthetic_tree
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from services.aggregator.domain.nodes import Node, node_key
from shared import subjects, topology
from shared.clock import VN_TZ
from shared.contracts import ReportSubmitted, Submission, directive_id
from shared.publishing import Pipeline

CONCURRENCY = 32  # submissions in flight, as many units reporting at once
VALUES = {"sessions": 1, "members_attending": 1, "members_total": 2, "forms": ["hoi-nghi"]}
BENCH_DIRECTIVE = {
    **DIRECTIVE,
    "requirements": [{**DIRECTIVE["requirements"][0], "due_before": "2099-12-10T00:00:00+07:00"}],
}
DIRECTIVE_ID = directive_id(DIRECTIVE["ref"], ROOT)


class RootWatch:
    """Reads the root's roll-up node straight from the aggregator's bucket (asking for
    the synthesis would walk thousands of nodes on every poll)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> RootWatch:
        self.nc = await nats.connect(self.url)
        self.kv = await self.nc.jetstream().key_value(topology.AGGREGATOR_ROLLUP.name)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.nc.close()

    async def root(self) -> Node | None:
        try:
            entry = await self.kv.get(node_key(DIRECTIVE_ID, "r1", ROOT))
        except Exception:
            return None
        return Node.model_validate_json(entry.value) if entry.value else None

    async def until(self, done, within: float, what: str) -> float:
        deadline = time.perf_counter() + within
        while True:
            node = await self.root()
            if node is not None and done(node):
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the root's roll-up did not reach {what} in {within:g}s")
            await asyncio.sleep(0.02)


async def _submit_all(reporter: str, units: int, headers: dict[str, str]) -> float:
    """Every unit reports once; returns when the last answer came."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(1, units + 1):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            response = await client.post(
                f"{reporter}/api/submissions",
                json={
                    "directive_id": DIRECTIVE_ID,
                    "unit_id": f"u{i}",
                    "requirement_id": "r1",
                    "values": VALUES,
                },
            )
            if response.status_code != 201:
                raise RuntimeError(f"u{i}: {response.status_code} {response.text[:200]}")

    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(timeout=120, limits=limits, headers=headers) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return time.perf_counter()


async def _publish_all(url: str, units: int) -> float:
    """The reports as the reporter stores them, published pipelined; returns when
    JetStream has acknowledged the last one."""
    nc = await nats.connect(url)
    try:
        pipeline = Pipeline(nc.jetstream(), topology.REPORTS.name)
        stamp = datetime.now(VN_TZ)
        due = datetime.fromisoformat(BENCH_DIRECTIVE["requirements"][0]["due_before"])
        for i in range(1, units + 1):
            event = ReportSubmitted(
                event_id=subjects.report_submitted_id(DIRECTIVE_ID, f"u{i}", "r1", 1),
                occurred_at=stamp,
                submission=Submission(
                    directive_id=DIRECTIVE_ID,
                    unit_id=f"u{i}",
                    requirement_id="r1",
                    values=VALUES,
                    version=1,
                    received_at=stamp,
                    first_received_at=stamp,
                    due_before=due,
                    on_time=True,
                ),
            )
            await pipeline.add(
                subjects.report_submitted(DIRECTIVE_ID, f"u{i}", "r1"),
                event.model_dump_json().encode(),
                event.event_id,
            )
        await pipeline.flush()
    finally:
        await nc.close()
    return time.perf_counter()


async def _measure(stack: Stack, units: int, through_reporter: bool) -> dict:
    async with RootWatch(stack.nats.url) as watch:
        # every assignment rolled up first: the reports are what is timed
        await watch.until(lambda n: n.totals.expected == units, 600, f"{units} assignments")
        started = time.perf_counter()
        if through_reporter:
            last_answer = await _submit_all(stack.url("reporter"), units, stack.operator_headers)
        else:
            last_answer = await _publish_all(stack.nats.url, units)

        def complete(node: Node) -> bool:
            t = node.totals
            return t.submitted == units and t.sums.get("sessions") == units

        at_root = await watch.until(complete, 600, f"{units} reports")
    seconds = at_root - started
    return {
        "units": units,
        "seconds": round(seconds, 3),
        "submissions_per_second": round(units / seconds),
        "seconds_to_root": round(max(0.0, at_root - last_answer), 3),
    }


def run(units: int, var: Path, through_reporter: bool = False) -> dict:
    scratch = var / f"aggregate-{units}"
    shutil.rmtree(scratch, ignore_errors=True)
    stack = Stack(var_dir=scratch, services=("issuer", "reporter", "aggregator"))
    try:
        stack.start_infrastructure()
        asyncio.run(store_directory(stack.nats.url, synthetic_tree(units)))
        stack.start(ready_timeout=300)
        response = httpx.post(
            f"{stack.url('issuer')}/api/directives",
            json=BENCH_DIRECTIVE,
            timeout=600,
            headers=stack.operator_headers,
        )
        response.raise_for_status()
        result = asyncio.run(_measure(stack, units, through_reporter))
        # The synthesis the committee would read agrees with the root node.
        body = httpx.get(
            f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis",
            timeout=600,
            headers=stack.operator_headers,
        ).json()
        totals = body["requirements"][0]["totals"]
        if (totals["submitted"], totals["on_time"], totals["sums"]["sessions"]) != (
            units,
            units,
            units,
        ):
            raise RuntimeError(f"the root synthesis is wrong: {totals}")
    finally:
        stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return result
