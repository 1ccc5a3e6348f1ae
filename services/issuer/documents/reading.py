"""Turn a document file (.txt, .md, .docx, .pdf) into the text lines the parser reads.

Every function returns the document's text as a list of lines without newline characters,
each normalised to NFC, in reading order. Anything that cannot be read raises
`DocumentError` with a plain message that names the file.

What a file may ask of the reader is bounded, so that a hostile one is refused in
seconds rather than read for minutes: 20 MB a file, 2 MB a .txt or .md, 1,000,000
characters of text, 500 PDF pages and 32 MB inflated per PDF stream; a .docx is read by
``package.py``, which counts what its zip really inflates. The worker processes of
``worker.py`` add a time and a memory limit around all of it.

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
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path, PurePath

from services.issuer.documents.errors import DocumentError
from services.issuer.documents.package import main_document, not_word
from shared.vietnamese import format_number

MAX_BYTES = 20 * 1024 * 1024
SUPPORTED = (".txt", ".md", ".docx", ".pdf")

_MB = 1024 * 1024
# Limits on what a document may ask of the reader, so that time and memory stay bounded
# (the parse after it is linear in the text). A directive is a few to a few hundred KB
# of text; these are far above any real one.
MAX_TEXT_FILE_BYTES = 2 * _MB  # a .txt or .md file
MAX_TEXT_CHARS = 1_000_000  # the text of any document, about 300 pages
MAX_PDF_PAGES = 500
# What pypdf may inflate per stream of a PDF (its defaults are 75 MB); the package.py
# module bounds a .docx the same way.
_PDF_STREAM_LIMIT = 32 * _MB
# Fewer letters than this in a whole PDF means there is no usable text layer.
_MIN_PDF_LETTERS = 20


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
        lines = _read_docx(data, filename)
    else:
        lines = _read_pdf(data, filename)
    _check_length(sum(len(line) for line in lines), filename)
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


def _check_length(characters: int, filename: str) -> None:
    if characters > MAX_TEXT_CHARS:
        limit = format_number(MAX_TEXT_CHARS)
        raise DocumentError(
            f"Văn bản '{filename}' dài hơn {limit} ký tự (khoảng 300 trang); chidao không đọc "
            "văn bản dài như vậy. Đề nghị gửi riêng phần văn bản chỉ đạo, không kèm phụ lục dài."
        )


def _capped(lines: Iterator[str], filename: str) -> list[str]:
    """The lines of a document read lazily, refused as soon as they are too long."""
    read: list[str] = []
    characters = 0
    for line in lines:
        characters += len(line)
        _check_length(characters, filename)
        read.append(line)
    return read


def _sniff(data: bytes) -> str | None:
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


# -- .txt, .md -------------------------------------------------------------------------------


def _read_text(data: bytes, filename: str) -> list[str]:
    if len(data) > MAX_TEXT_FILE_BYTES:
        size = _megabytes(len(data)).replace(".", ",")
        raise DocumentError(
            f"Tệp '{filename}' dài {size} MB; chidao đọc tệp .txt, .md đến "
            f"{MAX_TEXT_FILE_BYTES // _MB} MB (một văn bản chỉ đạo chỉ dài vài trăm KB)."
        )
    text = _decode(data, filename)
    _check_length(len(text), filename)
    return text.splitlines()


def _decode(data: bytes, filename: str) -> str:
    actually = _sniff(data)
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


# -- .docx -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Elements that wrap runs inside a paragraph and whose text is part of the paragraph.
# Deleted (w:del) and moved-away (w:moveFrom) text is left out, as are drawings, text
# boxes and field instructions (they are not w:r children of these).
_RUN_CONTAINERS = {
    f"{_W}{tag}"
    for tag in [
        "hyperlink",
        "ins",
        "moveTo",
        "smartTag",
        "fldSimple",
        "sdt",
        "sdtContent",
        "customXml",
        "dir",
        "bdo",
    ]
}
# Elements that wrap block content (paragraphs and tables) in a body or a cell.
_BLOCK_CONTAINERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"}


def _read_docx(data: bytes, filename: str) -> list[str]:
    actually = _sniff(data)
    if not data.startswith(b"PK\x03\x04"):
        message = not_word(filename)
        raise DocumentError(f"{message}: it is {actually}" if actually else message)
    body = main_document(data, filename).find(f"{_W}body")
    if body is None:
        raise DocumentError(f"{not_word(filename)} (its main part has no w:body)")
    return _capped(_block_lines(body), filename)


def _block_lines(container) -> Iterator[str]:
    """Lines of the paragraphs and tables in a body, cell or content control, in order."""
    for child in container:
        if child.tag == f"{_W}p":
            yield from _paragraph_text(child).split("\n")
        elif child.tag == f"{_W}tbl":
            yield from _table_lines(child)
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _block_lines(child)


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []

    def walk(element) -> None:
        for child in element:
            if child.tag == f"{_W}r":
                for item in child:
                    tag = item.tag
                    if tag == f"{_W}t":
                        parts.append(item.text or "")
                    elif tag == f"{_W}tab":
                        parts.append("\t")
                    elif tag in (f"{_W}br", f"{_W}cr"):  # line, page or column break
                        parts.append("\n")
                    elif tag == f"{_W}noBreakHyphen":
                        parts.append("-")
            elif child.tag in _RUN_CONTAINERS:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _table_lines(tbl) -> Iterator[str]:
    for tr in tbl.iterchildren(f"{_W}tr"):
        for position, tc in enumerate(tr.iterchildren(f"{_W}tc")):
            # A cell spanning several columns is one w:tc (gridSpan); a cell merged into the one
            # above (vMerge) or, in old files, into the one before (hMerge) is an empty w:tc
            # whose content lives in that other cell: read only the cell holding the content.
            if _merged_into_another(tc):
                continue
            lines = list(_block_lines(tc))
            while lines and not lines[-1].strip():
                lines.pop()
            while lines and not lines[0].strip():
                lines.pop(0)
            if position == 0:
                yield from lines
            else:
                yield from (f"\t{line}" if line.strip() else "" for line in lines)


def _merged_into_another(tc) -> bool:
    properties = tc.find(f"{_W}tcPr")
    if properties is None:
        return False
    for tag in ("vMerge", "hMerge"):
        merge = properties.find(f"{_W}{tag}")
        if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
            return True
    return False


# -- .pdf ------------------------------------------------------------------------------------

_COLUMN_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")
_DOUBLE_SPACE = re.compile(r"(?<=\S)  (?=\S)")


def _read_pdf(data: bytes, filename: str) -> list[str]:
    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    limits = dict.fromkeys(
        (
            "zlib_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "brotli_maximum_output_length",
            "array_based_stream_maximum_output_length",
            "jbig2_maximum_output_length",
            "image_maximum_buffer_size",
            "stream_decoding_work_maximum_length",
        ),
        _PDF_STREAM_LIMIT,
    )
    try:
        with pypdf.apply_configuration(**limits, page_tree_maximum_entries=10 * MAX_PDF_PAGES):
            return _read_pdf_text(data, filename)
    except LimitReachedError as exc:  # a stream that inflates past the limit, and the like
        raise DocumentError(
            f"Tệp '{filename}' chứa nội dung nén giải nén ra quá lớn, nhiều hơn mức một văn bản "
            f"cần (pypdf: {exc}); chidao không đọc tệp này."
        ) from exc
    except DependencyError as exc:  # AES encryption and no crypto library installed
        raise DocumentError(
            f"'{filename}' is an encrypted PDF that chidao cannot decrypt on this installation "
            f"({exc}). Save or print it as a PDF without protection first"
        ) from exc


def _read_pdf_text(data: bytes, filename: str) -> list[str]:
    import pypdf  # imported here: reading .txt files does not need pypdf
    from pypdf.errors import DependencyError, LimitReachedError

    not_pdf = f"'{filename}' does not look like a PDF file"
    if b"%PDF-" not in data[:1024]:  # readers accept a little junk before the header
        actually = _sniff(data)
        raise DocumentError(f"{not_pdf}: it is {actually}" if actually else not_pdf)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise DocumentError(
                f"'{filename}' is a password-protected PDF; chidao cannot open it. "
                "Save or print it as a PDF without a password first"
            )
        pages = list(reader.pages)
    except (DocumentError, DependencyError, LimitReachedError):
        raise
    except Exception as exc:
        raise DocumentError(
            f"{not_pdf}, or it is damaged (pypdf could not read it: {exc})"
        ) from exc

    if len(pages) > MAX_PDF_PAGES:
        raise DocumentError(
            f"Tệp '{filename}' có {len(pages)} trang; chidao đọc tệp PDF đến {MAX_PDF_PAGES} "
            "trang. Đề nghị gửi riêng phần văn bản chỉ đạo, không kèm phụ lục dài."
        )
    lines: list[str] = []
    characters = 0
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text(extraction_mode="layout")
        except (DependencyError, LimitReachedError):
            raise
        except Exception:
            try:  # layout mode is young; the plain mode copes with more odd pages
                text = page.extract_text()
            except LimitReachedError:
                raise
            except Exception as exc:
                raise DocumentError(
                    f"'{filename}': cannot read the text of page {number} ({exc})"
                ) from exc
        page_lines = _page_lines(text)
        characters += sum(len(line) for line in page_lines)
        _check_length(characters, filename)  # before reading the next page
        lines.extend(page_lines)

    letters = sum(1 for line in lines for ch in line if ch.isalpha())
    if letters < _MIN_PDF_LETTERS:
        raise DocumentError(
            f"'{filename}' has no text layer: it looks like a scanned image. "
            "Run it through OCR first (or use the .docx it was made from)"
        )
    return lines


def _page_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip(" ")
        line = _COLUMN_GAP.sub("\t", line)
        line = _DOUBLE_SPACE.sub(" ", line)
        if not line.strip() and lines and not lines[-1]:
            continue  # collapse blank runs
        lines.append("" if not line.strip() else line)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines
