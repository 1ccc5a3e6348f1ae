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


def describe(data: bytes, filename: str, content_type: str) -> AttachedFile:
    """The reference a file gets once kept: named by its content hash, so the same bytes
    always get the same reference (a resend can be told from a change before storing)."""
    extension = PurePath(filename).suffix.lower()
    return AttachedFile(
        filename=PurePath(filename).name,
        object_name=hashlib.sha256(data).hexdigest() + extension,
        content_type=content_type
        or mimetypes.guess_type(filename)[0]
        or "application/octet-stream",
        size=len(data),
    )


async def store(js: JetStreamContext, store_name: str, attached: AttachedFile, data: bytes) -> None:
    """Put the bytes of ``attached`` (from ``describe``) in the store, unless it has them."""
    objects = await js.object_store(store_name)
    try:
        await objects.get_info(attached.object_name)
    except NotFoundError:
        await objects.put(attached.object_name, data)


async def keep(
    js: JetStreamContext, store_name: str, data: bytes, filename: str, content_type: str
) -> AttachedFile:
    attached = describe(data, filename, content_type)
    await store(js, store_name, attached, data)
    return attached


async def fetch(js: JetStreamContext, store_name: str, object_name: str) -> bytes | None:
    """The file's bytes, or None when the store does not have it."""
    try:
        store = await js.object_store(store_name)
        result = await store.get(object_name)
    except NotFoundError:
        return None
    return result.data or b""
