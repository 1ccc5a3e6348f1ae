"""The urgency and secrecy marks a document's header carries, each on a line (or a cell of
a two-column header) of its own, in capitals: "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC" (Nghị định
30/2020, Điều 8 and Phụ lục I) and "MẬT", "TỐI MẬT", "TUYỆT MẬT". A scan that lost its
diacritics writes them "KHAN", "HOA TOC", "MAT"; they are read the same."""

from __future__ import annotations

from services.issuer.documents.text import fold_keeping_length

HEADER_LINES = 40  # the marks stand above the title, near the top

_URGENCY = {"khan": "khan", "thuong khan": "thuong_khan", "hoa toc": "hoa_toc",
            "hoa toc hen gio": "hoa_toc"}  # fmt: skip
_SECRECY = {"mat": "mat", "toi mat": "toi_mat", "tuyet mat": "tuyet_mat"}


def _mark(cell: str) -> str | None:
    """The mark ``cell`` is, folded ("khan", "toi mat"), or None."""
    text = cell.strip(" *[]()|-–")
    if not text or text != text.upper():
        return None  # a mark is written in capitals; a word in a sentence is not one
    folded = " ".join(fold_keeping_length(text).split())
    return folded if folded in _URGENCY or folded in _SECRECY else None


def is_mark(line: str) -> bool:
    """A line that is nothing but marks (the header's issuer block must not take it)."""
    cells = [c for c in line.split("\t") if c.strip()]
    return bool(cells) and all(_mark(c) for c in cells)


def read_marks(lines: list[str]) -> tuple[str | None, str | None]:
    """(urgency, secrecy) of the document, each None when its header has no such mark."""
    urgency = secrecy = None
    for line in lines[:HEADER_LINES]:
        for cell in line.split("\t"):
            folded = _mark(cell)
            if folded:
                urgency = urgency or _URGENCY.get(folded)
                secrecy = secrecy or _SECRECY.get(folded)
    return urgency, secrecy
