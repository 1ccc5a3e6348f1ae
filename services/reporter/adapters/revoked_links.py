"""Signed links the parent's staff revoked: one key per (directive, unit, requirement) in
the ``reporter_revoked_links`` bucket. A link is a signature, not a record, so revoking
one means remembering that its report may no longer be opened through any link."""

from __future__ import annotations

from datetime import datetime

from cachetools import TTLCache
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from pydantic import BaseModel, ConfigDict

from shared.links import revocation_key
from shared.topology import REVOKED_LINKS

CACHE_SECONDS = 5.0  # every replica refuses a revoked link within this time


class Revocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    revoked_at: datetime
    by: str


class RevokedLinks:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self._cache: TTLCache[str, Revocation | None] = TTLCache(10_000, CACHE_SECONDS)

    async def find(self, directive_id: str, unit_id: str, requirement_id: str) -> Revocation | None:
        key = revocation_key(directive_id, unit_id, requirement_id)
        if key not in self._cache:
            kv = await self._js.key_value(REVOKED_LINKS.name)
            try:
                entry = await kv.get(key)
                found = Revocation.model_validate_json(entry.value) if entry.value else None
            except KeyNotFoundError:
                found = None
            self._cache[key] = found
        return self._cache[key]

    async def revoke(
        self, directive_id: str, unit_id: str, requirement_id: str, revocation: Revocation
    ) -> None:
        key = revocation_key(directive_id, unit_id, requirement_id)
        kv = await self._js.key_value(REVOKED_LINKS.name)
        await kv.put(key, revocation.model_dump_json().encode())
        self._cache[key] = revocation
