"""Hostile documents, made in the test that uploads them (nothing of them is in the
repository): what an outsider sent the issuer to stop it. Each is small to send and
cheap to make; what it asks of a reader is not."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

import docx

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_MB = 1024 * 1024
PARAGRAPH = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"  # a one-letter paragraph, 6 tags
HEADER = "ĐẢNG ỦY SỞ NỘI VỤ\nSố 101-KH/ĐU\nHưng Yên, ngày 19 tháng 6 năm 2024\nKẾ HOẠCH\n"


def _blank_docx_members() -> list[tuple[zipfile.ZipInfo, bytes]]:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as blank:
        return [(info, blank.read(info)) for info in blank.infolist()]


def docx_with_body(body: Iterable[bytes], extra: dict[str, Iterable[bytes]] | None = None) -> bytes:
    """python-docx's blank document with ``body`` (chunks of XML) as its w:body, streamed
    into the zip, and ``extra`` members (name -> chunks) added."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in _blank_docx_members():
            if info.filename != "word/document.xml":
                archive.writestr(info, data)
        head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>'
        _stream(archive, "word/document.xml", [head.encode(), *body, b"</w:body></w:document>"])
        for name, chunks in (extra or {}).items():
            _stream(archive, name, chunks)
    return out.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w") as member:
        for chunk in chunks:
            member.write(chunk)


def repeated(piece: bytes, total: int) -> Iterator[bytes]:
    """About ``total`` bytes of ``piece`` again and again, a megabyte at a time."""
    block = piece * max(1, _MB // len(piece))
    for _ in range(max(1, total // len(block))):
        yield block


def many_paragraphs_docx(count: int = 40_000) -> bytes:
    """A few KB of .docx: ``count`` one-letter paragraphs."""
    return docx_with_body([PARAGRAPH * count])


def inflating_docx(megabytes: int = 100) -> bytes:
    """Its word/document.xml inflates to ``megabytes`` MB of paragraphs; the archive says so."""
    return docx_with_body(repeated(PARAGRAPH, megabytes * _MB))


def many_elements_docx(tags: int = 990_000) -> bytes:
    """Under the tag limit, but each empty paragraph costs the XML tree memory."""
    return docx_with_body([b"<w:p/>" * tags])


def lying_docx(megabytes: int = 200, declared: int = 1024) -> bytes:
    """Its word/document.xml inflates to ``megabytes`` MB while its central directory and
    local header declare ``declared`` bytes, with the CRC of those first bytes, so that a
    reader trusting the archive sees a valid small member."""
    data = bytearray(docx_with_body(repeated(PARAGRAPH, megabytes * _MB)))
    name = b"word/document.xml"
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>'
    prefix = (head.encode() + PARAGRAPH * (declared // len(PARAGRAPH) + 1))[:declared]
    crc = zlib.crc32(prefix)
    for signature, name_at, size_at, crc_at in (
        (b"PK\x03\x04", 26, 22, 14),
        (b"PK\x01\x02", 28, 24, 16),
    ):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            (length,) = struct.unpack_from("<H", data, start + name_at)
            offset = 30 if signature == b"PK\x03\x04" else 46
            if data[start + offset : start + offset + length] == name:
                struct.pack_into("<I", data, start + size_at, declared)
                struct.pack_into("<I", data, start + crc_at, crc)
            start += 4
    return bytes(data)


def many_members_docx(members: int = 5000) -> bytes:
    return docx_with_body(
        [PARAGRAPH], {f"customXml/extra{i}.xml": [b"<a/>"] for i in range(members)}
    )


def bzip2_docx() -> bytes:
    """A valid document whose members are compressed with bzip2, which Word never writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        for info, data in _blank_docx_members():
            info.compress_type = zipfile.ZIP_BZIP2
            archive.writestr(info, data)
    return out.getvalue()


def one_line_txt(megabytes: int = 19) -> bytes:
    return b"a" * (megabytes * _MB)


def slow_txt(characters: int = 950_000) -> bytes:
    """Under every size limit, and the slowest kind of text to parse found: a numbered
    item on every line (each is a task, a clause and a paragraph)."""
    lines = ["Thực hiện Kế hoạch số 153-KH/ĐUK."] + ["1. A"] * (characters // 5)
    return (HEADER + "\n".join(lines)).encode()


def pdf_with_huge_stream(megabytes: int = 60) -> bytes:
    """One page whose content stream inflates to ``megabytes`` MB of text operators."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 720 Td (a) Tj ET\n" * (megabytes * _MB // 33))
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def many_pages_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def slow_pdf(pages: int = 500, runs: int = 2000) -> bytes:
    """Under every size limit, and slow to read: ``pages`` pages of ``runs`` one-letter
    text runs each, laid out one by one (about 45 ms a page here, 20 s in all)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 720 Td " + b"(a) Tj 1 0 Td " * runs + b"ET\n")
    writer = PdfWriter()
    shared = writer._add_object(content.flate_encode())  # one stream, on every page
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Contents")] = shared
        page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
