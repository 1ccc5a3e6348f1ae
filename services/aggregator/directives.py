"""What the aggregator knows of each directive (title, issuer, requirements), kept from
directive.issued in its own bucket so that a synthesis needs no other service."""

from __future__ import annotations

from nats.js.kv import KeyValue

from shared.contracts import DirectiveIssued
from shared.kv import get_value


class DirectiveBook:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def remember(self, event: DirectiveIssued) -> None:
        await self._kv.put(event.directive_id, event.model_dump_json().encode())

    async def get(self, directive_id: str) -> DirectiveIssued | None:
        value = await get_value(self._kv, directive_id)
        return DirectiveIssued.model_validate_json(value) if value else None
