"""``chidao bench fanout --units N``: one directive to N units on a fresh embedded server.

Timed from sending the issue request to its answer, which the issuer gives only after
JetStream has acknowledged every assignment.created event. The directory load and the
issuer's start-up are not timed."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import nats

from chidao.bench.tree import ROOT, synthetic_tree
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared import topology

DIRECTIVE = {
    "kind": "HD",
    "ref": "1-HD/TL",
    "issued_on": "2024-03-01",
    "place": "Hà Nội",
    "issuer_unit": ROOT,
    "issuer": "Ban Chấp hành (thử tải)",
    "title": "Hướng dẫn thử tải: triển khai đợt sinh hoạt chính trị, tư tưởng tới mọi đơn vị",
    "addressees": [{"under": ROOT, "depth": "subtree"}],
    "requirements": [
        {
            "id": "r1",
            "action": "báo cáo kết quả thực hiện",
            "due_before": "2099-12-10T00:00:00+07:00",
            "text": "báo cáo kết quả thực hiện trước ngày 10/12/2024",
        }
    ],
}


async def _count(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(topology.ASSIGNMENTS.name)
        return info.state.messages
    finally:
        await nc.close()


def run(units: int, var: Path) -> dict:
    scratch = var / f"fanout-{units}"
    shutil.rmtree(scratch, ignore_errors=True)
    stack = Stack(var_dir=scratch, services=("issuer",))
    try:
        stack.start_infrastructure()
        asyncio.run(store_directory(stack.nats.url, synthetic_tree(units)))
        stack.start(ready_timeout=300)
        started = time.perf_counter()
        response = httpx.post(
            f"{stack.url('issuer')}/api/directives",
            json=DIRECTIVE,
            timeout=600,
            headers=stack.operator_headers,
        )
        seconds = time.perf_counter() - started
        response.raise_for_status()
        body = response.json()
        stored = asyncio.run(_count(stack.nats.url))
        if body["new_assignments"] != units or stored != units:
            raise RuntimeError(
                f"expected {units} assignments, the issuer reported {body['new_assignments']} "
                f"and the stream holds {stored}"
            )
    finally:
        stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "units": units,
        "seconds": round(seconds, 3),
        "assignments_per_second": round(units / seconds),
    }
