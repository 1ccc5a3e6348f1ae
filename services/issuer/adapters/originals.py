"""Original directive files, kept in the issuer's JetStream object store by content hash,
so that the same file is stored once and mails can attach it."""

from __future__ import annotations

from pathlib import PurePath

from nats.js import JetStreamContext

from shared.contracts import AttachedFile
from shared.objects import describe, store
from shared.topology import DOCUMENTS

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


def described(data: bytes, filename: str) -> AttachedFile:
    """The reference ``keep`` will give the file, before it is stored."""
    return describe(data, filename, CONTENT_TYPES.get(PurePath(filename).suffix.lower(), ""))


async def keep(js: JetStreamContext, data: bytes, filename: str) -> AttachedFile:
    attached = described(data, filename)
    await store(js, DOCUMENTS.name, attached, data)
    return attached
