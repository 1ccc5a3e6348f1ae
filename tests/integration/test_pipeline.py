"""Pipelined publishing: every message acknowledged once; repeats recognised by msg id."""

from __future__ import annotations

from nats.js.api import StreamConfig

from shared.publishing import Pipeline
from tests.support import stream_count


async def test_every_message_is_stored_once_and_a_second_run_only_counts_duplicates(js):
    await js.add_stream(StreamConfig(name="T", subjects=["t.>"], duplicate_window=600))

    async def run() -> Pipeline:
        pipeline = Pipeline(js, "T", window=100)  # a small window forces waiting for room
        for i in range(3000):
            await pipeline.add(f"t.u{i}", f"payload {i}".encode(), f"msg-{i}")
        await pipeline.flush()
        return pipeline

    first = await run()
    assert (first.result.published, first.result.duplicates) == (3000, 0)
    second = await run()
    assert (second.result.published, second.result.duplicates) == (0, 3000)
    assert await stream_count(js, "T") == 3000
    last = await js.get_last_msg("T", "t.u2999")
    assert last.data == b"payload 2999" and last.headers["Nats-Msg-Id"] == "msg-2999"
