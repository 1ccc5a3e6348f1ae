"""Files kept in a JetStream object store by content hash: the same bytes are stored
once, whoever sends them again, and an event carries only the reference (AttachedFile).
The issuer keeps original directives this way, the reporter the files units attach."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.contracts import AttachedFile


async def keep(
    js: JetStreamContext, store_name: str, data: bytes, filename: str, content_type: str
) -> AttachedFile:
    extension = PurePath(filename).suffix.lower()
    name = hashlib.sha256(data).hexdigest() + extension
    store = await js.object_store(store_name)
    try:
        await store.get_info(name)
    except NotFoundError:
        await store.put(name, data)
    return AttachedFile(
        filename=PurePath(filename).name,
        object_name=name,
        content_type=content_type
        or mimetypes.guess_type(filename)[0]
        or "application/octet-stream",
        size=len(data),
    )


async def fetch(js: JetStreamContext, store_name: str, object_name: str) -> bytes | None:
    """The file's bytes, or None when the store does not have it."""
    try:
        store = await js.object_store(store_name)
        result = await store.get(object_name)
    except NotFoundError:
        return None
    return result.data or b""
