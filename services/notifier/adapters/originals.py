"""The original document a directive was read from, fetched once from the issuer's object
store and kept in memory for the many mails that attach it."""

from __future__ import annotations

import logging

from cachetools import LRUCache
from nats.js import JetStreamContext

from shared.contracts import AttachedFile
from shared.objects import fetch
from shared.topology import DOCUMENTS

log = logging.getLogger(__name__)


class Originals:
    def __init__(self, js: JetStreamContext, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._js = js
        # least recently used first out, bounded by the bytes it holds
        self._cache: LRUCache[str, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)

    async def fetch(self, attached: AttachedFile) -> bytes | None:
        """The file's bytes; None when the store no longer has it (the mail then goes
        without it). Other errors are raised: the event is retried."""
        cached = self._cache.get(attached.object_name)
        if cached is not None:
            return cached
        data = await fetch(self._js, DOCUMENTS.name, attached.object_name)
        if data is None:
            log.warning("original document not found", extra={"object": attached.object_name})
            return None
        if len(data) <= self._cache.maxsize:  # a larger one is fetched for each mail
            self._cache[attached.object_name] = data
        return data
