"""Where things are in a document: the header block, the body as paragraphs, the closing
("Nơi nhận" and the signature) and any appendix after the signature.

Text as extracted breaks lines in mid-sentence, double-spaces them, and flattens two-column
blocks with tabs; paragraphs are rebuilt from sentence ends and list markers, not from
blank lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.issuer.documents.text import fold_keeping_length, is_upper, squash, strip_markdown

_MARKER = re.compile(
    r"^\s*(?:[-+•–]\s|\*\s|\(?\d{1,2}[.)-]\s?|\d{1,2}(?:\.\d{1,2})+[.-]?\s|[ivxl|1]{1,4}[.-]\s|"
    r"[a-zđ]\)\s)",
    re.IGNORECASE,
)
_ENDS_SENTENCE = re.compile(r"[.:;!?]\s*[”\"')]*\s*$")
BODY_STARTS = ("kinh gui", "thuc hien", "can cu", "thi hanh", "theo de nghi")
_SEPARATOR = re.compile(r"^[-–_=*.\s]+$")
_SIGNER_CAPACITY = re.compile(r"^(?:t/?m\.?|k/?t\.?|t/?l\.?|tuq\.?|q\.)\s", re.IGNORECASE)


def clean_lines(raw: list[str]) -> list[str]:
    """Non-empty lines without markdown emphasis; tab-separated columns become lines."""
    lines: list[str] = []
    for line in raw:
        for part in strip_markdown(line).split("\t"):
            part = squash(part)
            if part:
                lines.append(part)
    return lines


def is_separator(line: str) -> bool:
    return bool(_SEPARATOR.match(line))


def starts_with_marker(line: str) -> bool:
    return bool(_MARKER.match(line))


def paragraphs(lines: list[str]) -> list[str]:
    """Join lines broken in mid-sentence: a paragraph ends at a sentence end, before a
    list marker, and around headings in capitals. Linear in the length of the text: each
    line is looked at once, and a paragraph is joined once, when it ends."""
    result: list[str] = []
    current: list[str] = []
    length = 0  # of " ".join(current), kept as lines are added rather than recomputed
    previous_heading = False
    for line in lines:
        heading = is_upper(line) and len(line) < 160
        starts_new = (
            not current
            or starts_with_marker(line)
            or bool(_ENDS_SENTENCE.search(current[-1]))
            or heading != previous_heading
            or _item_heading(current, length, line)
        )
        if starts_new and current:
            result.append(" ".join(current))
            current, length = [], 0
        length += len(line) + (1 if current else 0)
        current.append(line)
        previous_heading = heading
    if current:
        result.append(" ".join(current))
    return result


_NUMBERED_ITEM = re.compile(r"^\s*\d{1,2}\s*[.)-]\s*(?!\d)")
_ITEM_HEADING_MAX = 100  # characters: a unit's name, not a sentence


def _item_heading(current: list[str], length: int, line: str) -> bool:
    """'5. Sở Thông tin và Truyền thông' over 'Phối hợp với ...': a numbered item whose
    first line only names a unit, followed by its text starting with a capital.
    ``length`` is that of the paragraph so far: only a short one is joined to look at."""
    if length >= _ITEM_HEADING_MAX or not _NUMBERED_ITEM.match(current[0]):
        return False
    joined = " ".join(current)
    last_word = fold_keeping_length(joined.split()[-1]) if joined.split() else ""
    return (
        line[:1].isupper()
        and not line[:1].isdigit()
        # "1. Các huyện ủy ... gửi về" over "Ban Tuyên giáo ...": a sentence, not a heading
        and not joined.rstrip().endswith(",")
        and last_word not in _CONTINUES
    )


# Words a line does not end on when the sentence goes on below it.
_CONTINUES = {
    "ve",
    "cua",
    "cho",
    "va",
    "voi",
    "tai",
    "den",
    "tu",
    "theo",
    "trong",
    "o",
    "la",
    "gui",
    "bao",
    "cao",
    "cac",
    "nhung",
    "de",
    "qua",
    "hoac",
    "thuoc",
    "tren",
    "duoi",
}


@dataclass
class Layout:
    header: list[str] = field(default_factory=list)  # lines
    body: list[str] = field(default_factory=list)  # paragraphs
    closing: list[str] = field(default_factory=list)  # lines, to the end of the text


def _body_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        folded = fold_keeping_length(line)
        if folded.startswith(BODY_STARTS):
            return i
        if i > 2 and _roman_heading(line):
            return i
    for i, line in enumerate(lines[:40]):
        if is_separator(line) and len(line) >= 3 and i > 2:
            return i + 1
    return min(len(lines), 12)


def _roman_heading(line: str) -> bool:
    return bool(re.match(r"^[IVXL|1]{1,4}[.-]\s*\S", line)) and is_upper(line)


def _closing_start(lines: list[str], body_start: int) -> int:
    for i in range(len(lines) - 1, body_start - 1, -1):
        if fold_keeping_length(lines[i]).startswith("noi nhan"):
            return i
    for i in range(body_start, len(lines)):
        if _SIGNER_CAPACITY.match(lines[i]) and is_upper(lines[i]):
            return i
    return len(lines)


def split_layout(raw: list[str]) -> Layout:
    lines = clean_lines(raw)
    if not lines:
        return Layout()
    start = _body_start(lines)
    closing = _closing_start(lines, start)
    body_lines = [line for line in lines[start:closing] if not is_separator(line)]
    # The closing parser decides where the signature ends and an appendix begins.
    return Layout(header=lines[:start], body=paragraphs(body_lines), closing=lines[closing:])
