"""The issuer's own state: one record per directive in the ``issuer_directives`` bucket.

The record is written before any event, with status ``fanning_out``; it turns ``issued``
once every event is acknowledged. A record left ``fanning_out`` by a crash is finished
at the next start or by the next identical issue request."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel

from shared.contracts import Directive, Notice
from shared.forms import Form
from shared.kv import current_keys, get_value


class FanOutStatus(StrEnum):
    FANNING_OUT = "fanning_out"
    ISSUED = "issued"


def fingerprint(directive: Directive) -> str:
    """Identity of the content. The attached file is left out: the same directive uploaded
    as .docx and again as .pdf is the same directive."""
    return hashlib.sha256(directive.model_dump_json(exclude={"document"}).encode()).hexdigest()


class DirectiveRecord(BaseModel):
    directive: Directive
    fingerprint: str
    status: FanOutStatus
    issued_at: AwareDatetime
    assignment_count: int
    notices: list[Notice]
    warnings: list[str]
    parents: list[str] = []
    forms: dict[str, Form] = {}  # the report forms its requirements name, as issued


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
        done = record.model_copy(update={"status": FanOutStatus.ISSUED})
        await self._kv.put(record.directive.id, done.model_dump_json().encode())
        return done

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
