"""The main document part of a .docx, read without trusting what the zip archive says.

A .docx is a zip archive (an OPC package). Its central directory declares each member's
size, and a hostile file declares a kilobyte for a member that inflates to gigabytes. So
every member is inflated here through a stream that counts what really comes out and
stops at a cap, the number of members is capped, and only the deflate method Word writes
is accepted (bzip2 and LZMA inflate a whole block per read, past any count). Only the
parts the reader needs are kept in memory: ``[Content_Types].xml``, ``_rels/.rels`` and
the main document part, itself capped.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import unquote

from lxml import etree

from services.issuer.documents.errors import DocumentError
from shared.vietnamese import format_number

_MB = 1024 * 1024
MAX_MEMBERS = 1000  # a Word file has 10 to 50; one with many images a few hundred
MAX_UNPACKED = 128 * _MB  # all members together, as inflated
MAX_MAIN_PART = 32 * _MB  # word/document.xml of a 300-page document is a few MB
# Tags in the main part: its tree takes memory per element, whatever the bytes (6 bytes
# of "<w:p/>" are one element). A 300-page document has a few hundred thousand.
MAX_MAIN_TAGS = 1_000_000
_MAX_SMALL_PART = 1 * _MB  # content types and relationships
_CHUNK = 64 * 1024

_CONTENT_TYPES = "[Content_Types].xml"
_PACKAGE_RELS = "_rels/.rels"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",  # strict
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The parser python-docx uses (so text comes out as it did), without entities or the
# network; lxml's default limits on depth and text size stay on (no huge_tree).
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


@dataclass
class _Budget:
    """What may still be inflated from the whole archive."""

    left: int = MAX_UNPACKED


def not_word(filename: str) -> str:
    return f"'{filename}' does not look like a Word .docx file"


def main_document(data: bytes, filename: str) -> etree._Element:
    """The root element of the package's main document part (``w:document``)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = _check_members(archive, filename)
            names = {info.filename: info for info in members}
            budget = _Budget()
            types = _parse(_inflate(archive, names, _CONTENT_TYPES, filename), filename)
            rels = _parse(_inflate(archive, names, _PACKAGE_RELS, filename), filename)
            main = _main_part_name(rels, filename)
            content_type = _content_type(types, main)
            if content_type != WORD_MAIN:
                raise DocumentError(
                    f"{not_word(filename)} (its main part is '{content_type or 'of no type'}', "
                    "not a Word document)"
                )
            main_info = names.get(main) or _case_insensitive(names, main)
            if main_info is None:
                raise DocumentError(f"{not_word(filename)} (it has no {main})")
            xml = b""
            for info in members:  # every member counts, even those never read
                is_main = info is main_info
                kept = _read_member(
                    archive, info, filename, budget, MAX_MAIN_PART if is_main else None
                )
                if is_main:
                    xml = kept
            if xml.count(b"<") > MAX_MAIN_TAGS:
                tags = format_number(MAX_MAIN_TAGS)
                raise DocumentError(
                    f"Tệp '{filename}' có hơn {tags} thẻ XML trong phần nội dung, nhiều hơn mức "
                    "một văn bản cần; chidao không đọc tệp này."
                )
            return _parse(xml, filename)
    except DocumentError:
        raise
    except MemoryError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise DocumentError(f"{not_word(filename)} (the zip archive is damaged: {exc})") from exc
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown method
        raise DocumentError(f"{not_word(filename)} ({exc})") from exc


def _check_members(archive: zipfile.ZipFile, filename: str) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise DocumentError(
            f"Tệp '{filename}' chứa {len(members)} tệp nén bên trong, nhiều hơn mức một tệp "
            f"Word cần (tối đa {MAX_MEMBERS}); chidao không đọc tệp này."
        )
    for info in members:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DocumentError(
                f"Tệp '{filename}' dùng một kiểu nén mà Word không dùng (phương thức "
                f"{info.compress_type}); hãy mở tệp bằng Word và lưu lại thành .docx."
            )
    # The declared sizes may lie, but when they already say too much, stop here.
    if sum(info.file_size for info in members) > MAX_UNPACKED:
        raise DocumentError(_unpacks_too_much(filename))
    return members


def _unpacks_too_much(filename: str) -> str:
    return (
        f"Tệp '{filename}' giải nén ra hơn {MAX_UNPACKED // _MB} MB, nhiều hơn mức một văn "
        "bản cần (có thể là một tệp nén độc hại); chidao không đọc tệp này."
    )


def _inflate(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], name: str, filename: str
) -> bytes:
    """A small part the reader needs, looked up as OPC does (case aside)."""
    info = names.get(name) or _case_insensitive(names, name)
    if info is None:
        raise DocumentError(f"{not_word(filename)} (it has no {name})")
    return _read_member(archive, info, filename, _Budget(), _MAX_SMALL_PART)


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    filename: str,
    budget: _Budget,
    keep_up_to: int | None,
) -> bytes:
    """Inflate one member, counting every byte that comes out against ``budget``
    whatever the archive declares; keep the bytes (up to ``keep_up_to``) only when asked."""
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > budget.left:
                raise DocumentError(_unpacks_too_much(filename))
            if keep_up_to is not None:
                if size > keep_up_to:
                    raise DocumentError(
                        f"Phần '{info.filename}' của tệp '{filename}' giải nén ra hơn "
                        f"{keep_up_to // _MB} MB, nhiều hơn mức một văn bản cần; chidao không "
                        "đọc tệp này."
                    )
                chunks.append(chunk)
    budget.left -= size
    return b"".join(chunks)


def _case_insensitive(names: dict[str, zipfile.ZipInfo], name: str) -> zipfile.ZipInfo | None:
    # OPC part names compare without regard to ASCII case.
    wanted = name.lower()
    return next((info for key, info in names.items() if key.lower() == wanted), None)


def _parse(xml: bytes, filename: str) -> etree._Element:
    try:
        return etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        if any(entry.type == etree.ErrorTypes.ERR_NO_MEMORY for entry in exc.error_log):
            raise MemoryError(str(exc)) from exc  # libxml2 ran out: say so, not "damaged"
        raise DocumentError(f"{not_word(filename)} (its XML is damaged: {exc})") from exc


def _main_part_name(rels: etree._Element, filename: str) -> str:
    for rel in rels.iterchildren(f"{_PR}Relationship"):
        if rel.get("Type") in _OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
            target = unquote(rel.get("Target", ""))
            # Relative to the package root; a leading "/" is the root too.
            return posixpath.normpath(posixpath.join("/", target)).lstrip("/")
    raise DocumentError(f"{not_word(filename)} (it names no main document)")


def _content_type(types: etree._Element, part: str) -> str | None:
    wanted = "/" + part.lower()
    for override in types.iterchildren(f"{_CT}Override"):
        if override.get("PartName", "").lower() == wanted:
            return override.get("ContentType")
    extension = posixpath.splitext(part)[1].lstrip(".").lower()
    for default in types.iterchildren(f"{_CT}Default"):
        if default.get("Extension", "").lower() == extension:
            return default.get("ContentType")
    return None
