"""The text layer of a .pdf, page by page in layout mode (see ``reading.py`` for the
conventions), within limits on pages and on what its streams may inflate to."""

from __future__ import annotations

import io
import re

from services.issuer.documents.errors import DocumentError
from services.issuer.documents.file_checks import check_length, sniff

_MB = 1024 * 1024
MAX_PDF_PAGES = 500
# What pypdf may inflate per stream of a PDF (its defaults are 75 MB); the package.py
# module bounds a .docx the same way.
_PDF_STREAM_LIMIT = 32 * _MB
# Fewer letters than this in a whole PDF means there is no usable text layer.
_MIN_PDF_LETTERS = 20

_COLUMN_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")
_DOUBLE_SPACE = re.compile(r"(?<=\S)  (?=\S)")


def read_pdf(data: bytes, filename: str) -> list[str]:
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
        with pypdf.apply_configuration(
            None, **limits, page_tree_maximum_entries=10 * MAX_PDF_PAGES
        ):
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
        actually = sniff(data)
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
        check_length(characters, filename)  # before reading the next page
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
