"""The original document a directive was read from, fetched once from the issuer's object
store and kept in memory for the many mails that attach it."""

from __future__ import annotations

import logging
from collections import OrderedDict

from nats.js import JetStreamContext

from shared.contracts import AttachedFile
from shared.objects import fetch
from shared.topology import DOCUMENTS

log = logging.getLogger(__name__)


class Originals:
    def __init__(self, js: JetStreamContext, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._js = js
        self._max_bytes = max_bytes
        self._cache: OrderedDict[str, bytes] = OrderedDict()

    async def fetch(self, attached: AttachedFile) -> bytes | None:
        """The file's bytes; None when the store no longer has it (the mail then goes
        without it). Other errors are raised: the event is retried."""
        if attached.object_name in self._cache:
            self._cache.move_to_end(attached.object_name)
            return self._cache[attached.object_name]
        data = await fetch(self._js, DOCUMENTS.name, attached.object_name)
        if data is None:
            log.warning("original document not found", extra={"object": attached.object_name})
            return None
        self._cache[attached.object_name] = data
        while sum(len(v) for v in self._cache.values()) > self._max_bytes and len(self._cache) > 1:
            self._cache.popitem(last=False)
        return data
