"""Original directive files, kept in the issuer's JetStream object store by content hash,
so that the same file is stored once and mails can attach it."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.contracts import AttachedFile
from shared.topology import DOCUMENTS

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


async def keep(js: JetStreamContext, data: bytes, filename: str) -> AttachedFile:
    extension = PurePath(filename).suffix.lower()
    name = hashlib.sha256(data).hexdigest() + extension
    store = await js.object_store(DOCUMENTS.name)
    try:
        await store.get_info(name)
    except NotFoundError:
        await store.put(name, data)
    content_type = CONTENT_TYPES.get(extension) or mimetypes.guess_type(filename)[0]
    return AttachedFile(
        filename=PurePath(filename).name,
        object_name=name,
        content_type=content_type or "application/octet-stream",
        size=len(data),
    )
