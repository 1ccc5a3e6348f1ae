"""A sealed original (a secret directive's, stored encrypted) is never fetched nor attached,
whatever marks the directive carries: the mark is one guard, the seal another."""

from __future__ import annotations

from types import SimpleNamespace

from services.notifier.domain.mails import Attachment
from services.notifier.handlers.mailing import original
from shared.contracts import AttachedFile

PLAIN = AttachedFile(
    filename="Kế hoạch 101.pdf",
    object_name="0123abcd.pdf",
    content_type="application/pdf",
    size=4,
)


class Originals:
    """What the object store would hand over, and what was asked of it."""

    def __init__(self) -> None:
        self.fetched: list[str] = []

    async def fetch(self, attached: AttachedFile) -> bytes:
        self.fetched.append(attached.object_name)
        return b"%PDF"


async def test_a_sealed_original_is_neither_fetched_nor_attached():
    store = Originals()
    deps = SimpleNamespace(originals=store)
    sealed = PLAIN.model_copy(update={"sealed": True, "object_name": "0123abcd.pdf.sealed"})

    assert await original(deps, sealed) is None  # type: ignore[arg-type]
    assert store.fetched == []


async def test_an_original_in_clear_is_attached():
    store = Originals()
    deps = SimpleNamespace(originals=store)

    found = await original(deps, PLAIN)  # type: ignore[arg-type]

    assert found == Attachment("Kế hoạch 101.pdf", "application/pdf", b"%PDF")
    assert store.fetched == ["0123abcd.pdf"]
