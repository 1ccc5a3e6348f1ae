"""The ``issuer_directives`` bucket: one record per directive (key: its id) and an index
from number-symbol to the directives that carry it (key: ``ref.<slug>``)."""

from __future__ import annotations

import json

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.issuer.domain.records import DirectiveRecord, FanOutStatus
from shared.contracts import Directive
from shared.kv import current_keys, get_entry, get_value
from shared.retry import on_conflict_retry
from shared.slugs import slugify

REF_INDEX = "ref."  # key prefix in the issuer's bucket: ref.<slug of number-symbol>


def ref_key(ref: str) -> str:
    return REF_INDEX + slugify(ref)


class RecordStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def get(self, directive_id: str) -> DirectiveRecord | None:
        value = await get_value(self._kv, directive_id)
        return DirectiveRecord.model_validate_json(value) if value else None

    async def create(self, record: DirectiveRecord) -> bool:
        """False when a record for this directive already exists."""
        try:
            await self._kv.create(record.directive.id, record.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            return False
        return True

    async def mark_issued(self, record: DirectiveRecord) -> DirectiveRecord:
        done = record.issued()
        await self._kv.put(record.directive.id, done.model_dump_json().encode())
        return done

    async def put(self, record: DirectiveRecord) -> None:
        """Replace a record (a recall): only after it is issued, and by one request at a
        time per directive (the staff's action, audited)."""
        await self._kv.put(record.directive.id, record.model_dump_json().encode())

    async def all(self) -> list[DirectiveRecord]:
        keys = await current_keys(self._kv)
        records = []
        for key in keys:
            if "." in key:
                continue  # an index entry, not a directive
            record = await self.get(key)
            if record is not None:
                records.append(record)
        return records

    async def unfinished(self) -> list[DirectiveRecord]:
        return [r for r in await self.all() if r.status is FanOutStatus.FANNING_OUT]


class RefIndex:
    """number-symbol -> directive ids that carry it (different bodies reuse numbers)."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def ids(self, ref: str) -> list[str]:
        value, _ = await get_entry(self._kv, ref_key(ref))
        return json.loads(value) if value else []

    async def add(self, directive: Directive) -> None:
        key = ref_key(directive.ref)

        async def attempt(_: int) -> None:
            value, revision = await get_entry(self._kv, key)
            ids = json.loads(value) if value else []
            if directive.id not in ids:
                await self._kv.update(key, json.dumps([*ids, directive.id]).encode(), last=revision)

        await on_conflict_retry(
            attempt,
            conflicts=KeyWrongLastSequenceError,
            attempts=20,
            busy=f"could not index {directive.ref}",
        )
