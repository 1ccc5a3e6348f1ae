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


async def last_revision(kv: KeyValue) -> int:
    """The bucket's last revision: the sequence of the newest message in its stream."""
    return (await kv.status()).stream_info.state.last_seq


def caught_up(entry: KeyValue.Entry | None, last: int) -> bool:
    """Whether a watch has delivered every value that was in the bucket at ``last``.
    nats-py's end-of-initial-values marker (None) is not enough: it is sent when the
    consumer reports nothing pending, which a busy client can see before it has read the
    values already in its socket, so the marker comes first and a snapshot comes out
    empty or short. The bucket's last revision at the start is exact."""
    return entry is not None and (entry.revision or 0) >= last


async def current_keys(kv: KeyValue) -> list[str]:
    """Every key of the bucket that holds a value (``kv.keys()`` has the race above)."""
    last = await last_revision(kv)
    if last == 0:
        return []
    keys: dict[str, None] = {}
    watcher = await kv.watch(">", meta_only=True)
    try:
        async for entry in watcher:
            if entry is not None:
                if entry.operation in ("DEL", "PURGE"):
                    keys.pop(entry.key, None)
                else:
                    keys[entry.key] = None
            if caught_up(entry, last):
                break
    finally:
        await watcher.stop()
    return list(keys)
