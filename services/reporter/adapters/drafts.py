"""Units' drafts (``domain/drafts.py``): one key per (directive, unit, requirement) in the
``reporter_drafts`` bucket, ``<directive>.<unit>.<requirement>`` (every id is a slug, no
dot). Read each time the page opens (the unit may have saved it on another replica a
moment ago), so not cached."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from services.reporter.domain.drafts import Draft
from shared.availability import until_available
from shared.topology import REPORTER_DRAFTS


def draft_key(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{directive_id}.{unit_id}.{requirement_id}"


class Drafts:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def _kv(self) -> KeyValue:
        return await self._js.key_value(REPORTER_DRAFTS.name)

    async def find(self, directive_id: str, unit_id: str, requirement_id: str) -> Draft | None:
        key = draft_key(directive_id, unit_id, requirement_id)

        async def get() -> Draft | None:
            try:
                entry = await (await self._kv()).get(key)
            except KeyNotFoundError:  # never saved, or removed (a delete marker)
                return None
            return Draft.model_validate_json(entry.value) if entry.value else None

        return await until_available(get, f"reading draft {key}")

    async def save(
        self, directive_id: str, unit_id: str, requirement_id: str, draft: Draft
    ) -> None:
        key = draft_key(directive_id, unit_id, requirement_id)
        value = draft.model_dump_json().encode()

        async def put() -> None:
            await (await self._kv()).put(key, value)

        await until_available(put, f"saving draft {key}")

    async def remove(self, directive_id: str, unit_id: str, requirement_id: str) -> None:
        """Delete it; deleting one that is not there is no error."""
        key = draft_key(directive_id, unit_id, requirement_id)

        async def delete() -> None:
            await (await self._kv()).delete(key)

        await until_available(delete, f"removing draft {key}")
