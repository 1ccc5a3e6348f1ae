"""Original directive files, kept in the issuer's JetStream object store by content hash,
so that the same file is stored once and mails can attach it.

The original of a secret (Mật) directive is sealed before it is stored: AES-GCM with a
key made from ``CHIDAO_ORIGINALS_SECRET``, a random nonce before the ciphertext, the
object's name as associated data (a sealed file moved under another name does not
open). Its name is a keyed hash of the content, not the content's plain SHA-256, which
anyone holding a guessed copy could compute to confirm it. The notifier never attaches
a sealed file; the staff of the units it reached read it through the console."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from pathlib import PurePath

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from shared.contracts import AttachedFile
from shared.objects import describe, fetch, store
from shared.topology import DOCUMENTS

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}
SEALED = ".sealed"  # what ends a sealed object's name
_NONCE = 12


def described(data: bytes, filename: str) -> AttachedFile:
    """The reference ``keep`` gives a file that is not sealed, before it is stored."""
    return describe(data, filename, CONTENT_TYPES.get(PurePath(filename).suffix.lower(), ""))


class Originals:
    """The object store of the originals, sealing those of secret directives."""

    def __init__(self, js: JetStreamContext, secret: SecretStr) -> None:
        self._js = js
        raw = secret.get_secret_value().encode("utf-8")
        # two keys from one secret: one names the sealed objects, one seals them
        self._naming = hashlib.sha256(b"chidao originals naming\0" + raw).digest()
        self._sealing = hashlib.sha256(b"chidao originals sealing\0" + raw).digest()

    def reference(self, data: bytes, filename: str, sealed: bool) -> AttachedFile:
        """The reference the file gets once kept, sealed or not."""
        plain = described(data, filename)
        if not sealed:
            return plain
        named = hmac.new(self._naming, data, hashlib.sha256).hexdigest()
        extension = PurePath(filename).suffix.lower()
        return plain.model_copy(update={"object_name": named + extension + SEALED, "sealed": True})

    async def keep(self, data: bytes, filename: str, sealed: bool) -> AttachedFile:
        attached = self.reference(data, filename, sealed)
        await self._store(attached, data)
        return attached

    async def read(self, attached: AttachedFile) -> bytes | None:
        """The file's bytes, opened if sealed; None when the store does not have it."""
        stored = await fetch(self._js, DOCUMENTS.name, attached.object_name)
        if stored is None or not attached.sealed:
            return stored
        nonce, sealed = stored[:_NONCE], stored[_NONCE:]
        return AESGCM(self._sealing).decrypt(nonce, sealed, attached.object_name.encode())

    async def as_marked(self, attached: AttachedFile, secret: bool) -> AttachedFile:
        """``attached`` kept the way the directive's marks want (a draft's original read
        before the staff set or removed the secrecy mark), the other copy removed: a
        secret document is never left in the store in clear."""
        if attached.sealed == secret:
            return attached
        data = await self.read(attached)
        if data is None:
            return attached  # nothing to move: issuing says the original is missing
        moved = await self.keep(data, attached.filename, secret)
        objects = await self._js.object_store(DOCUMENTS.name)
        with contextlib.suppress(NotFoundError):
            await objects.delete(attached.object_name)
        return moved

    async def _store(self, attached: AttachedFile, data: bytes) -> None:
        if not attached.sealed:
            await store(self._js, DOCUMENTS.name, attached, data)
            return
        objects = await self._js.object_store(DOCUMENTS.name)
        try:
            await objects.get_info(attached.object_name)
        except NotFoundError:
            nonce = os.urandom(_NONCE)
            sealed = AESGCM(self._sealing).encrypt(nonce, data, attached.object_name.encode())
            await objects.put(attached.object_name, nonce + sealed)
