"""The review queue: one key per report waiting for its parent's decision in the
``reporter_review_queue`` bucket, ``queue.<reviewer>.<directive>.<unit>.<requirement>``,
so that a reviewing unit's queue is the keys under ``queue.<reviewer>.`` and reading it
never touches another unit's reports (nor the REPORTS stream).

The value is what the queue page shows without reading the report itself. The REPORTS
stream stays the truth: an item is put when a version is stored and deleted when a
decision is recorded, and both are idempotent, so a redelivered event or a retried
request only writes the same key again."""

from __future__ import annotations

import asyncio
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ConfigDict

from shared.availability import until_available
from shared.topology import REPORTER_QUEUE, stream_name

PREFIX = "queue"
# Reading one reviewer's queue gives up after this long (a watch that never ends would
# hold the page forever).
READ_SECONDS = 10.0


class QueueItem(BaseModel):
    """One report waiting for a decision, as the queue page lists it."""

    model_config = ConfigDict(frozen=True)

    reviewer: str  # the unit the report goes to
    directive_id: str
    unit_id: str
    requirement_id: str
    unit_name: str
    document: str  # "Kế hoạch số 41-KH/ĐU"
    directive_title: str
    requirement: str  # what the requirement asks ("báo cáo kết quả thực hiện")
    submitted_at: datetime  # the waiting version's time
    version: int
    on_time: bool
    due_before: datetime | None = None

    @property
    def ids(self) -> tuple[str, str, str]:
        return self.directive_id, self.unit_id, self.requirement_id


def item_key(reviewer: str, directive_id: str, unit_id: str, requirement_id: str) -> str:
    """Every id is a slug (the contracts' ``Slug``): no dot, so none can split the key."""
    return ".".join((PREFIX, reviewer, directive_id, unit_id, requirement_id))


class ReviewQueue:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def _kv(self) -> KeyValue:
        return await self._js.key_value(REPORTER_QUEUE.name)

    async def put(self, item: QueueItem) -> None:
        """Put the item, riding out a cluster's election as the report's own write does
        (a submission already stored must not answer 503 for its queue entry)."""
        key = item_key(item.reviewer, *item.ids)
        value = item.model_dump_json().encode()

        async def put() -> None:
            await (await self._kv()).put(key, value)

        await until_available(put, f"queueing {key}", within=60)

    async def remove(
        self, reviewer: str, directive_id: str, unit_id: str, requirement_id: str
    ) -> None:
        """Delete the item; deleting one that is not there is no error."""
        key = item_key(reviewer, directive_id, unit_id, requirement_id)

        async def delete() -> None:
            await (await self._kv()).delete(key)

        await until_available(delete, f"unqueueing {key}", within=60)

    async def waiting(self, reviewer: str) -> list[QueueItem]:
        """Every item waiting for ``reviewer``, oldest submission first."""
        async with asyncio.timeout(READ_SECONDS):
            items = await self._read(reviewer)
        return sorted(items, key=lambda i: (i.submitted_at, i.ids))

    async def _read(self, reviewer: str) -> list[QueueItem]:
        kv = await self._kv()
        pattern = f"{PREFIX}.{reviewer}.>"
        # Whether the watch will deliver anything (a value or a deletion marker): one
        # direct get of the first message on the pattern. nats-py's end-of-values marker
        # (None) cannot say it, as it may come before values already received
        # (shared/kv.py, ``caught_up``); and ``KeyValue.keys(filters=)`` in nats-py 2.16
        # watches the whole bucket and filters by substring in the client.
        try:
            await self._js.get_msg(
                stream_name(REPORTER_QUEUE),
                seq=1,
                subject=f"$KV.{REPORTER_QUEUE.name}.{pattern}",
                next=True,
                direct=True,
            )
        except NotFoundError:
            return []
        found: dict[str, QueueItem] = {}
        watcher = await kv.watch(pattern)
        try:
            async for entry in watcher:
                if entry is None:
                    continue  # possibly early (see above): the deltas say when it ends
                if entry.operation in ("DEL", "PURGE") or not entry.value:
                    found.pop(entry.key, None)
                else:
                    found[entry.key] = QueueItem.model_validate_json(entry.value)
                if entry.delta == 0:
                    break
        finally:
            await watcher.stop()
        return list(found.values())
