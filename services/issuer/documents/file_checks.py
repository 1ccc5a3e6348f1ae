"""What every format's reader checks: the length of the text it reads (``capped`` as it
reads), and what a file really is when its extension says otherwise."""

from __future__ import annotations

from collections.abc import Iterator

from services.issuer.documents.errors import DocumentError
from shared.vietnamese import format_number

MAX_TEXT_CHARS = 1_000_000  # the text of any document, about 300 pages


def check_length(characters: int, filename: str) -> None:
    if characters > MAX_TEXT_CHARS:
        limit = format_number(MAX_TEXT_CHARS)
        raise DocumentError(
            f"Văn bản '{filename}' dài hơn {limit} ký tự (khoảng 300 trang); chidao không đọc "
            "văn bản dài như vậy. Đề nghị gửi riêng phần văn bản chỉ đạo, không kèm phụ lục dài."
        )


def capped(lines: Iterator[str], filename: str) -> list[str]:
    """The lines of a document read lazily, refused as soon as they are too long."""
    read: list[str] = []
    characters = 0
    for line in lines:
        characters += len(line)
        check_length(characters, filename)
        read.append(line)
    return read


def sniff(data: bytes) -> str | None:
    """What a file really is, judged by its first bytes, for error messages."""
    if data.startswith(b"%PDF-"):
        return "a PDF file"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive (a Word .docx or another office file)"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Word .doc (97-2003) file"
    if data.lstrip().startswith(b"{\\rtf"):
        return "an RTF file"
    return None
