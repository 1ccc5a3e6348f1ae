"""Where in the document's text each part of the reading came from.

The parser keeps no positions: a deadline keeps the clause it came from, a "Nơi nhận"
entry its text, a basis its number-symbol, the document its number and date. Each is
looked for in the text, allowing for what reading changed (line breaks and runs of
spaces, markdown emphasis, "Số 101 -KH/ĐU" for "101-KH/ĐU"); the first occurrence is
marked, recipients from the "Nơi nhận" block on. The result is a list of pieces of
text, each marked with a kind or not, for the template to write escaped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.contracts import ParsedDocument

_EMPHASIS = r"[\s*_]*"  # what may stand between two letters of a word as the text has it
_GAP = r"[\s*_]+"  # what stands between two words
_MAX_NEEDLE = 600  # characters of a clause looked for: enough to find it, fast to match
_MAX_MARKS = 100  # of each kind: the rest of a list that long is left unmarked


@dataclass(frozen=True)
class Piece:
    text: str
    kind: str | None = None  # number, date, basis, recipient, deadline


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str


def _pattern(needle: str) -> re.Pattern[str] | None:
    # The emphasis characters are dropped from the needle: the gaps match them, and a
    # literal the gap's class also matches would let a hostile "****" backtrack for ever.
    words = [w for w in needle[:_MAX_NEEDLE].replace("*", " ").replace("_", " ").split() if w]
    if not words:
        return None
    # Punctuation may have a space before it as written ("101 -KH"), letters not.
    parts = [_EMPHASIS.join(re.escape(c) for c in word) for word in words]
    return re.compile(_GAP.join(parts), re.IGNORECASE)


def _find(text: str, needle: str | None, start: int = 0) -> tuple[int, int] | None:
    pattern = _pattern(needle or "")
    if pattern is None:
        return None
    found = pattern.search(text, start) or (pattern.search(text) if start else None)
    return found.span() if found else None


def _date_span(text: str, day: date) -> tuple[int, int] | None:
    d, m, y = day.day, day.month, day.year
    written = (
        rf"ngày\s+0?{d}\s+tháng\s+0?{m}\s+năm\s+{y}",
        rf"\b0?{d}\s*[/.-]\s*0?{m}\s*[/.-]\s*{y}\b",
    )
    spans = [found.span() for p in written if (found := re.search(p, text, re.IGNORECASE))]
    return min(spans) if spans else None


def spans_of(document: ParsedDocument, text: str) -> list[_Span]:
    wanted: list[tuple[str, tuple[int, int] | None]] = [("number", _find(text, document.ref))]
    if document.issued_on:
        wanted.append(("date", _date_span(text, document.issued_on)))
    wanted += [("basis", _find(text, b.ref or b.issuer)) for b in document.basis]
    closing = re.search(r"n[ơo]i\s+nh[ậa]n", text, re.IGNORECASE)
    after = closing.start() if closing else 0
    # each is a scan of the text: a directive's usual tens, never a hostile thousand
    wanted += [("recipient", _find(text, a)) for a in document.addressees[:_MAX_MARKS]]
    recipients = document.recipients[:_MAX_MARKS]
    wanted += [("recipient", _find(text, r.text, after)) for r in recipients]
    wanted += [("deadline", _find(text, d.text)) for d in document.deadlines[:_MAX_MARKS]]
    spans = sorted(
        (_Span(s[0], s[1], kind) for kind, s in wanted if s and s[1] > s[0]),
        key=lambda s: (s.start, -s.end),
    )
    kept: list[_Span] = []
    for span in spans:  # marks do not nest: an overlapping one is left out
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def highlighted(document: ParsedDocument, text: str) -> list[Piece]:
    pieces: list[Piece] = []
    position = 0
    for span in spans_of(document, text):
        if span.start > position:
            pieces.append(Piece(text[position : span.start]))
        pieces.append(Piece(text[span.start : span.end], span.kind))
        position = span.end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    return pieces
