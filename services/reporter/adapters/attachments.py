"""The files units attach to their reports, in the ATTACHMENTS object store by content
hash (shared.objects)."""

from __future__ import annotations

from nats.js import JetStreamContext

from shared import topology
from shared.contracts import AttachedFile
from shared.objects import fetch, store


class Attachments:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js

    async def store(self, attached: AttachedFile, data: bytes) -> None:
        await store(self.js, topology.ATTACHMENTS.name, attached, data)

    async def fetch(self, attached: AttachedFile) -> bytes | None:
        """The file's bytes, or None when the store no longer has them."""
        return await fetch(self.js, topology.ATTACHMENTS.name, attached.object_name)
