"""Turn a document file (.txt, .md, .docx, .pdf) into the text lines the parser reads.

Every function returns the document's text as a list of lines without newline characters,
each normalised to NFC, in reading order. Anything that cannot be read raises
`DocumentError` with a plain message that names the file.

What a file may ask of the reader is bounded, so that a hostile one is refused in
seconds rather than read for minutes: 20 MB a file, 2 MB a .txt or .md, 1,000,000
characters of text, 500 PDF pages and 32 MB inflated per PDF stream; a .docx is read by
``package.py``, which counts what its zip really inflates. The worker processes of
``adapters/parse_workers.py`` add a time and a memory limit around all of it.

Conventions the parser relies on:

- .txt/.md: the text as written (UTF-8, with or without a BOM; UTF-16 with a BOM; or
  Windows-1258 when the bytes are not UTF-8). Blank lines, tabs and markdown are kept.
- .docx: body paragraphs and tables in document order; headers and footers are ignored.
  A table row gives the lines of its first cell as they are, then the lines of each
  following cell prefixed with one "\\t", so a two-column header block comes out as
  "ĐẢNG ỦY SỞ NỘI VỤ" ... "\\tĐẢNG CỘNG SẢN VIỆT NAM". Blank lines inside a cell stay
  blank (no tab); blank lines at the start and end of a cell are dropped. A manual line
  break splits a paragraph into several lines. Cells merged into an earlier cell
  (horizontally or vertically) are read once, where their content is.
- .pdf: the text layer of every page in layout mode. Runs of three or more spaces
  between two pieces of text (the gap between two columns) become one "\\t", runs of
  two spaces become one space, leading and trailing spaces are dropped, consecutive
  blank lines are collapsed to one, and blank lines at the top and bottom of each page
  are dropped. A line that only has text in the right-hand column therefore comes back
  without a tab.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path, PurePath

from services.issuer.documents.docx import read_docx
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.file_checks import check_length, sniff
from services.issuer.documents.pdf import read_pdf

MAX_BYTES = 20 * 1024 * 1024
SUPPORTED = (".txt", ".md", ".docx", ".pdf")

_MB = 1024 * 1024
# Limits on what a document may ask of the reader, so that time and memory stay bounded
# (the parse after it is linear in the text). A directive is a few to a few hundred KB
# of text; these are far above any real one.
MAX_TEXT_FILE_BYTES = 2 * _MB  # a .txt or .md file


def read_file(path: Path) -> list[str]:
    """Read the document at `path` and return its text lines (see the module docstring)."""
    path = Path(path)
    name = str(path)
    _check_extension(name)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refuse before reading a huge file into memory
            raise DocumentError(_too_large(name, size))
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DocumentError(f"cannot read '{name}': {reason}") from exc
    return read_bytes(data, name)


def read_bytes(data: bytes, filename: str) -> list[str]:
    """Return the text lines of a document given as bytes; `filename`'s extension gives the
    format (.txt, .md, .docx or .pdf) and the name is used in error messages."""
    extension = _check_extension(filename)
    if len(data) > MAX_BYTES:
        raise DocumentError(_too_large(filename, len(data)))
    if not data:
        raise DocumentError(f"'{filename}' is empty (0 bytes)")
    if extension in (".txt", ".md"):
        lines = _read_text(data, filename)
    elif extension == ".docx":
        lines = read_docx(data, filename)
    else:
        lines = read_pdf(data, filename)
    check_length(sum(len(line) for line in lines), filename)
    lines = [unicodedata.normalize("NFC", line) for line in lines]
    if not any(line.strip() for line in lines):
        raise DocumentError(f"'{filename}' is empty: it contains no text, only blank space")
    return lines


# -- common ----------------------------------------------------------------------------------


def _check_extension(filename: str) -> str:
    extension = PurePath(filename).suffix.lower()
    if extension in SUPPORTED:
        return extension
    what = f"is a {extension} file" if extension else "has no extension"
    message = f"chidao reads .txt, .md, .docx and .pdf files; '{filename}' {what}"
    if extension == ".doc":
        message += " (old Word format: open it in Word and save it as .docx)"
    raise DocumentError(message)


def _too_large(filename: str, size: int) -> str:
    return f"'{filename}' is {_megabytes(size)} MB; chidao reads files up to {MAX_BYTES // _MB} MB"


def _megabytes(size: int) -> str:
    # Round up to 0.1 MB so that a file just over the limit does not read "20.0 MB".
    return f"{-(-size * 10 // _MB) / 10:.1f}"


# -- .txt, .md -------------------------------------------------------------------------------


def _read_text(data: bytes, filename: str) -> list[str]:
    if len(data) > MAX_TEXT_FILE_BYTES:
        size = _megabytes(len(data)).replace(".", ",")
        raise DocumentError(
            f"Tệp '{filename}' dài {size} MB; chidao đọc tệp .txt, .md đến "
            f"{MAX_TEXT_FILE_BYTES // _MB} MB (một văn bản chỉ đạo chỉ dài vài trăm KB)."
        )
    text = _decode(data, filename)
    check_length(len(text), filename)
    return text.splitlines()


def _decode(data: bytes, filename: str) -> str:
    actually = sniff(data)
    if actually:
        raise DocumentError(f"'{filename}' does not look like a text file: it is {actually}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"'{filename}' starts like UTF-16 text but cannot be decoded: {exc.reason}"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _mostly_utf8(data):
        line = data[: utf8_error.start].count(b"\n") + 1
        raise DocumentError(
            f"'{filename}' is UTF-8 text with invalid bytes (first on line {line}); "
            "save it again as UTF-8"
        )
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = None
    if text is None or not _looks_like_text(text):
        raise DocumentError(
            f"'{filename}' cannot be decoded as text: it is neither UTF-8 nor "
            "Windows-1258 (cp1258); save it as UTF-8 text"
        )
    return text


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 characters: a UTF-8 file with a few
    damaged bytes, which decoding as cp1258 would only turn into mojibake."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - bad > bad


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s+")


def _looks_like_text(text: str) -> bool:
    """No control characters other than tabs, line and page breaks, and at least half of the
    visible characters are letters (tone marks decoded from cp1258 count as letters)."""
    if _CONTROL.search(text):
        return False
    sample = text[:65536]  # the letter count is slow; the start of a file tells enough
    visible = len(_SPACE.sub("", sample))
    letters = _LETTER.subn("", sample)[1]
    marks = sum(sample.count(mark) for mark in "\u0300\u0301\u0303\u0309\u0323")
    return visible > 0 and letters + marks >= visible / 2
