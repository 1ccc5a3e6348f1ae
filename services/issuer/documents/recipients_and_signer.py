"""The end of a document: "Nơi nhận" (with explicit roles), the archive line ("Lưu ..."),
the signature block, and where an appendix begins; and the "Kính gửi" block."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from services.issuer.documents.text import fold_keeping_length, is_upper, squash
from shared.contracts import ParsedRecipient, Signer

# "T/M BAN THƯỜNG VỤ", "K/T TRƯỞNG BAN", "TL. BỘ TRƯỞNG", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"
_CAPACITY = re.compile(r"^(?:t/?m\.?|k/?t\.?|t/?l\.?|tuq\.?|q\.)\s", re.IGNORECASE)
# Titles as signature blocks write them; OCR'd titles are mapped back to these.
SIGNER_TITLES = [
    "BÍ THƯ",
    "PHÓ BÍ THƯ",
    "TRƯỞNG BAN",
    "PHÓ TRƯỞNG BAN",
    "GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "BỘ TRƯỞNG",
    "THỨ TRƯỞNG",
    "CHÁNH VĂN PHÒNG",
    "PHÓ CHÁNH VĂN PHÒNG",
    "TRƯỞNG PHÒNG",
    "PHÓ TRƯỞNG PHÒNG",
    "CHỦ NHIỆM",
    "PHÓ CHỦ NHIỆM",
    "CỤC TRƯỞNG",
    "PHÓ CỤC TRƯỞNG",
    "VỤ TRƯỞNG",
    "THƯ KÝ",
    "TỔNG BÍ THƯ",
    "CHÁNH THANH TRA",
]
_TITLES_BY_FOLD = {fold_keeping_length(t): t for t in SIGNER_TITLES}
_CAPACITY_WORDS = {  # "T/M BAN THUONG VU" (OCR) -> "T/M BAN THƯỜNG VỤ"
    "ban thuong vu": "BAN THƯỜNG VỤ",
    "dang uy": "ĐẢNG ỦY",
    "chi bo": "CHI BỘ",
    "ban chap hanh": "BAN CHẤP HÀNH",
    "uy ban nhan dan": "ỦY BAN NHÂN DÂN",
    "tinh uy": "TỈNH ỦY",
    "thanh uy": "THÀNH ỦY",
    "huyen uy": "HUYỆN ỦY",
}

# Explicit roles written after an entry: "(báo cáo)", "(để b/c)", "(để biết)", ...
_ROLE_MARKS = {
    "bao cao": "report",
    "b/c": "report",
    "de bao cao": "report",
    "de b/c": "report",
    "de biet": "info",
    "biet": "info",
    "de b/h": "info",
    "de theo doi": "info",
    "thuc hien": "action",
    "de thuc hien": "action",
    "de t/h": "action",
    "t/h": "action",
    "phoi hop": "action",
    "de phoi hop": "action",
    "de phoi hop thuc hien": "action",
}
_MARK_AT_END = re.compile(r"\(([^()]{1,30})\)\s*$")


def role_mark(text: str, ocr: bool = False) -> tuple[str, str | None]:
    """('Ban Tuyên giáo Trung ương (báo cáo)') -> ('Ban Tuyên giáo Trung ương', 'report').
    In OCR output, spellings like '(bédo céo)' are recognised by edit distance; in a
    normal text a mark must be one of the known ones ("(đề nghị)" is not "(để biết)")."""
    match = _MARK_AT_END.search(text)
    if match:
        mark = fold_keeping_length(match.group(1)).strip()
        role = _ROLE_MARKS.get(mark)
        if role is None and ocr and len(mark) >= 5:
            best = min(_ROLE_MARKS, key=lambda known: Levenshtein.distance(mark, known))
            if len(best) >= 5 and Levenshtein.distance(mark, best) <= max(2, len(best) // 2):
                role = _ROLE_MARKS[best]
        if role is not None:
            return squash(text[: match.start()]).rstrip(",;. "), role
    if re.match(r"^nhu (?:tren|dieu \d+)$", fold_keeping_length(text).strip(" ,;.")):
        return squash(text).rstrip(",;. "), "same_as_above"  # "Như trên", "Như Điều 3"
    return text, None


def _entry_text(parts: list[str]) -> str:
    return squash(" ".join(parts)).strip().rstrip(",;").strip()


def _is_archive(line: str) -> bool:
    folded = fold_keeping_length(line).lstrip("-+• ").strip()
    return bool(re.match(r"^luu(\s*:|\s+vt\b|\s+\S)", folded))


def _title_case_name(line: str) -> bool:
    """A person's name as signatures print it: 2 to 5 capitalised words, no digits."""
    words = line.split()
    return (
        2 <= len(words) <= 5
        and all(w[:1].isupper() for w in words)
        and not is_upper(line)
        and not any(ch.isdigit() for ch in line)
        and "(" not in line
    )


def canonical_title(text: str) -> str:
    return _TITLES_BY_FOLD.get(fold_keeping_length(text).strip(" .,"), text)


def canonical_capacity(text: str) -> str:
    head, _, rest = text.partition(" ")
    folded = fold_keeping_length(rest).strip()
    return f"{head.upper()} {_CAPACITY_WORDS.get(folded, rest)}" if rest else text


@dataclass
class Closing:
    recipients: list[ParsedRecipient] = field(default_factory=list)
    archive: str | None = None
    signer: Signer | None = None
    appendix: list[str] = field(default_factory=list)


def _split_trailing_title(text: str) -> tuple[str, str | None]:
    """'Nơi nhận: TRƯỞNG BAN' (two columns on one line) -> ('Nơi nhận:', 'TRƯỞNG BAN')."""
    words = text.split()
    for size in (4, 3, 2):
        if len(words) >= size:
            tail = " ".join(words[-size:])
            if fold_keeping_length(tail) in _TITLES_BY_FOLD or (
                _CAPACITY.match(tail) and is_upper(tail)
            ):
                return " ".join(words[:-size]), tail
    return text, None


def parse_closing(lines: list[str], ocr: bool = False) -> Closing:
    """From the "Nơi nhận:" line (or the signature) to the end of the text."""
    closing = Closing()
    entries: list[list[str]] = []
    capacity = title = name = None
    in_entries = False
    end = len(lines)
    for i, line in enumerate(lines):
        folded = fold_keeping_length(line)
        if folded.startswith("noi nhan"):
            rest = line.split(":", 1)[1].strip() if ":" in line else ""
            rest, trailing = _split_trailing_title(rest) if rest else ("", None)
            if trailing:
                capacity, title = _signer_part(trailing, capacity, title)
            if rest:
                entries.append([rest.lstrip("-+• ")])
            in_entries = True
            continue
        if name is not None:
            end = i  # everything after the signer's name is an appendix
            break
        stripped = line.lstrip()
        if in_entries and stripped[:1] in "-+•" and not is_upper(line.lstrip("-+• ")):
            body = stripped[1:].strip()
            if _is_archive(body):
                closing.archive = squash(body)
                in_entries = False
            else:
                entries.append([body])
            continue
        if in_entries and stripped[:1] in "-+•" and _is_archive(stripped[1:]):
            closing.archive = squash(stripped[1:].strip())
            in_entries = False
            continue
        # Two columns flattened: signature lines may come between the entries, so they
        # do not end the list; the archive line or the signer's name does.
        if (signed := _signature_line(line, capacity, title)) is not None:
            capacity, title = signed
            continue
        if (title or capacity) and _title_case_name(line):
            name = squash(line)
            continue
        if (title or capacity) and fold_keeping_length(line).strip("() ") in (
            "da ky",
            "ky",
            "da ky va dong dau",
        ):
            continue
        if in_entries and entries and not is_upper(line):
            entries[-1].append(line)  # an entry that goes on over several lines
            continue
        if is_upper(line) and (title or capacity):
            end = i  # an annex heading after an unnamed signature
            break
    closing.recipients = _recipients(entries, ocr)
    if capacity or title or name:
        closing.signer = Signer(capacity=capacity, title=title, name=name)
    closing.appendix = lines[end:]
    return closing


def _signature_line(
    line: str, capacity: str | None, title: str | None
) -> tuple[str | None, str | None] | None:
    """A line of the signature block ("TM. BAN THƯỜNG VỤ", "BÍ THƯ"): the capacity and
    the title with it; None for any other line."""
    if _CAPACITY.match(line) and is_upper(line):
        # "TM. ỦY BAN NHÂN DÂN" over "KT. CHỦ TỊCH": both say on whose behalf
        line_capacity = canonical_capacity(line)
        return (f"{capacity} / {line_capacity}" if capacity else line_capacity), title
    if is_upper(line) and fold_keeping_length(line).strip(" .") in _TITLES_BY_FOLD:
        return capacity, canonical_title(line)
    return None


def _recipients(entries: list[list[str]], ocr: bool) -> list[ParsedRecipient]:
    recipients = []
    for parts in entries:
        text, role = role_mark(_entry_text(parts), ocr)
        if text:
            recipients.append(ParsedRecipient(text=text, role=role))
    return recipients


def _signer_part(
    text: str, capacity: str | None, title: str | None
) -> tuple[str | None, str | None]:
    if _CAPACITY.match(text):
        return canonical_capacity(text), title
    return capacity, canonical_title(text)


def parse_addressees(paragraph: str) -> list[str]:
    """'Kính gửi: - Các ban đảng, ..., - Các huyện ủy, ...' -> one entry per dash."""
    _, _, rest = paragraph.partition(":")
    rest = rest.strip()
    if not rest:
        return []
    parts = (
        re.split(r"(?:^|\s)[-+•]\s+", " " + rest)
        if re.search(r"(?:^|\s)[-+•]\s", " " + rest)
        else [rest]
    )
    entries = [squash(p).strip().rstrip(",;.").strip() for p in parts]
    return [e for e in entries if e]
