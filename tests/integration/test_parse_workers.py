"""services/issuer/documents/worker.py: documents are parsed in worker processes with a
time and a memory limit. A document over a limit is refused with a Vietnamese message,
its worker is replaced, the next document is read, and the event loop that waits never
stops meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest

from services.issuer.adapters.parse_workers import ParseRefused, ParserPool
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.parse import parse_upload
from tests import hostile

SEED = next((Path(__file__).parents[2] / "chidao" / "demo" / "seeds").glob("003_*.txt"))


async def longest_stall(work) -> tuple[object, float]:
    """Run ``work`` while a ticker measures the longest the event loop went unanswered."""
    stalls = [0.0]
    done = asyncio.Event()

    async def tick() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.05)
            now = time.monotonic()
            stalls.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        result = await work
    finally:
        done.set()
        await ticker
    return result, max(stalls)


@pytest.fixture
async def pool():
    pools: list[ParserPool] = []

    def make(timeout: float = 20.0, memory_mb: int = 512, workers: int = 1) -> ParserPool:
        made = ParserPool(workers, timeout, memory_mb)
        made.start()
        pools.append(made)
        return made

    yield make
    for made in pools:
        await made.close()


async def test_a_document_reads_in_a_worker_as_it_does_in_process(pool):
    data = SEED.read_bytes()
    assert await pool().parse(data, SEED.name) == parse_upload(data, SEED.name)


async def test_what_cannot_be_read_is_refused_with_the_readers_message(pool):
    with pytest.raises(
        DocumentError, match=re.escape("'x.docx' does not look like a Word .docx file")
    ):
        await pool().parse(b"not a zip", "x.docx")


async def test_a_document_over_the_time_limit_is_stopped_and_the_next_is_read(pool):
    parsers = pool(timeout=1.0)
    started = time.monotonic()
    with pytest.raises(ParseRefused) as refused:
        await longest_stall(parsers.parse(hostile.slow_pdf(), "cham.pdf"))
    assert refused.value.reason == "timeout"
    assert str(refused.value).startswith(
        "Văn bản 'cham.pdf' quá lớn hoặc quá phức tạp để đọc trong 1 giây; chidao đã dừng đọc"
    )
    assert time.monotonic() - started < 10  # the slow PDF alone takes about 20 s
    document, stall = await longest_stall(parsers.parse(SEED.read_bytes(), SEED.name))
    assert document.ref == "101-KH/ĐU"
    assert stall < 1.0


async def test_the_event_loop_answers_while_a_worker_parses(pool):
    parsers = pool(timeout=60.0)
    # 40 pages of the slow PDF: a couple of seconds of reading, none of it on this loop
    document, stall = await longest_stall(parsers.parse(hostile.slow_pdf(40), "x.pdf"))
    assert document.warnings
    assert stall < 0.5


async def test_a_document_over_the_memory_limit_is_refused_and_the_next_is_read(pool):
    parsers = pool(memory_mb=200)
    with pytest.raises(ParseRefused) as refused:
        await parsers.parse(hostile.many_elements_docx(990_000), "nang.docx")
    assert refused.value.reason == "memory"
    assert str(refused.value).startswith("Văn bản 'nang.docx' cần hơn 200 MB bộ nhớ để đọc")
    assert (await parsers.parse(SEED.read_bytes(), SEED.name)).ref == "101-KH/ĐU"


async def test_a_worker_killed_mid_parse_is_a_refusal_and_is_replaced(pool):
    parsers = pool(timeout=60.0)
    await parsers.parse(SEED.read_bytes(), SEED.name)  # one worker, started and idle
    worker = parsers._idle.get_nowait()
    parsers._idle.put_nowait(worker)
    parsing = asyncio.create_task(parsers.parse(hostile.slow_pdf(), "x.pdf"))
    await asyncio.sleep(0.5)
    os.kill(worker.process.pid, signal.SIGKILL)  # as the kernel's OOM killer would
    with pytest.raises(ParseRefused) as refused:
        await parsing
    assert refused.value.reason == "failed"
    assert "quá trình đọc dừng bất thường" in str(refused.value)
    assert (await parsers.parse(SEED.read_bytes(), SEED.name)).ref == "101-KH/ĐU"


async def test_two_workers_read_two_documents_at_once(pool):
    parsers = pool(timeout=60.0, workers=2)
    slow = asyncio.create_task(parsers.parse(hostile.slow_pdf(300), "x.pdf"))  # ~13 s
    await asyncio.sleep(0)
    assert (await parsers.parse(SEED.read_bytes(), SEED.name)).ref == "101-KH/ĐU"
    assert not slow.done()  # the seed did not wait for the slow one
    slow.cancel()  # as when its client goes away: its worker is killed
    with contextlib.suppress(asyncio.CancelledError):
        await slow
    assert (await parsers.parse(SEED.read_bytes(), SEED.name)).ref == "101-KH/ĐU"


async def test_closing_stops_every_worker(pool):
    parsers = pool(workers=2)
    await parsers.parse(SEED.read_bytes(), SEED.name)
    await asyncio.sleep(0)  # let the second one be queued if it is up
    processes = [w.process for w in list(parsers._idle._queue) if w is not None]  # type: ignore[attr-defined]
    await parsers.close()
    assert processes and all(p.returncode is not None for p in processes)
