"""Reading a KV key that may not be there, the same way in every service."""

from __future__ import annotations

from nats.js.errors import KeyDeletedError, NotFoundError
from nats.js.kv import KeyValue


async def get_entry(kv: KeyValue, key: str) -> tuple[bytes | None, int]:
    """The key's value (None when absent or deleted) and the revision a compare-and-set
    write must name (a deleted key's tombstone has one too; 0 when there never was one)."""
    try:
        entry = await kv.get(key)
    except KeyDeletedError as exc:
        return None, exc.entry.revision if exc.entry else 0
    except NotFoundError:
        return None, 0
    return entry.value or None, entry.revision or 0


async def get_value(kv: KeyValue, key: str) -> bytes | None:
    return (await get_entry(kv, key))[0]
