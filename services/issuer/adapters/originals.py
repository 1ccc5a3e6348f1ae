"""Original directive files, kept in the issuer's JetStream object store by content hash,
so that the same file is stored once and mails can attach it."""

from __future__ import annotations

from pathlib import PurePath

from nats.js import JetStreamContext

from shared.contracts import AttachedFile
from shared.objects import keep as keep_object
from shared.topology import DOCUMENTS

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


async def keep(js: JetStreamContext, data: bytes, filename: str) -> AttachedFile:
    extension = PurePath(filename).suffix.lower()
    return await keep_object(js, DOCUMENTS.name, data, filename, CONTENT_TYPES.get(extension, ""))
