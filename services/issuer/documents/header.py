"""The header block: issuing body, number-symbol, place and date, kind and title.

Party documents: "ĐẢNG CỘNG SẢN VIỆT NAM", numbers like "101-KH/ĐU" (number-KIND/BODY).
State documents: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", numbers like "156/QĐ-UBND"
(number/KIND-BODY) or "3478/BTTTT-VP" with "V/v ..." for a công văn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.issuer.documents.dates import DATE, date_of
from services.issuer.documents.marks import is_mark
from services.issuer.documents.text import (
    fold_keeping_length,
    is_upper,
    name_case,
    squash,
    uy_spelling,
)

KINDS = {  # heading word (folded) -> type code
    "ke hoach": "KH",
    "huong dan": "HD",
    "cong van": "CV",
    "chi thi": "CT",
    "nghi quyet": "NQ",
    "ket luan": "KL",
    "quyet dinh": "QĐ",
    "thong bao": "TB",
    "bao cao": "BC",
    "chuong trinh": "CTr",
    "to trinh": "TTr",
    "quy che": "QC",
    "quy dinh": "QyĐ",
    "thong tu": "TT",
    "nghi dinh": "NĐ",
    "chi dao": "CĐ",
}
KIND_CODES = {code.upper(): code for code in KINDS.values()} | {"QD": "QĐ", "QYD": "QyĐ"}

# "Số 101 -KH/ĐU", "Số: 156/QĐ-UBND", OCR "S6 69-KH/BTGTU".
_NUMBER_LINE = re.compile(r"^\s*(?:s[o06]|so)\s*:?\s*(\d+\s*[-/]\s*[^\s,;]+)", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^(.{2,40}?),\s*(ng[a4]y\s*\d.*)$", re.IGNORECASE)
PARTY_MOTTO = "dang cong san viet nam"
STATE_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")

# Words that start the name of a body in a header block.
_BODY_WORDS = (
    "ban ",
    "van phong",
    "so ",
    "phong ",
    "dang uy",
    "dang bo",
    "chi bo",
    "uy ban",
    "ubnd",
    "hoi dong",
    "bo ",
    "cuc ",
    "vu ",
    "tinh uy",
    "thanh uy",
    "huyen uy",
    "thi uy",
    "quan uy",
    "tinh doan",
    "truong ",
    "trung tam",
    "mat tran",
    "cong an",
    "bao ",
    "dai ",
    "hoi ",
    "thuong truc",
    "thanh doan",
)
# A body in the last header line that belongs to the one above it ("BAN TUYÊN GIÁO" of the
# Đảng ủy Khối) rather than standing alone ("ĐẢNG ỦY SỞ NỘI VỤ" under "ĐẢNG BỘ TỈNH").
_SUBORDINATE = ("ban ", "van phong", "phong ", "uy ban kiem tra", "thuong truc")


def normalise_ref(text: str) -> str:
    """'101 -KH/ĐU' -> '101-KH/ĐU'."""
    return re.sub(r"\s*([-/])\s*", r"\1", squash(text)).strip(".,;:")


def kind_of_ref(ref: str) -> str | None:
    """'101-KH/ĐU' -> 'KH' (Party); '156/QĐ-UBND' -> 'QĐ' (state); else None."""
    party = re.match(r"^\d+-([^/]+)/", ref)
    state = re.match(r"^\d+/(?:\d{4}/)?([^-/]+)-", ref)  # 156/QĐ-UBND, 30/2020/NĐ-CP
    for match in (party, state):
        if match:
            code = KIND_CODES.get(fold_keeping_length(match.group(1)).upper())
            if code:
                return code
    return None


@dataclass
class Header:
    kind: str | None = None
    ref: str | None = None
    issued_on: date | None = None
    place: str | None = None
    issuer: str | None = None
    title: str | None = None
    family: str | None = None


def _heading_kind(line: str) -> str | None:
    folded = fold_keeping_length(line).strip(" .:")
    if folded.startswith("v/v") or folded.startswith("ve viec"):
        return "CV"
    return KINDS.get(folded) if is_upper(line) or len(folded) < 15 else None


def _issuer_from_block(lines: list[str]) -> str | None:
    blocks: list[list[str]] = []  # each name's lines, joined once at the end
    for line in lines:
        folded = fold_keeping_length(line) + " "
        if blocks and not folded.startswith(_BODY_WORDS):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    if not blocks:
        return None
    names = [" ".join(block) for block in blocks[-2:]]
    last = name_case(uy_spelling(names[-1]))
    if len(names) > 1 and (fold_keeping_length(names[-1]) + " ").startswith(_SUBORDINATE):
        return f"{last} {name_case(uy_spelling(names[-2]))}"
    return last


def parse_header(lines: list[str]) -> Header:
    header = Header()
    block: list[str] = []  # the issuing body's lines, before the number
    number_at = kind_at = None
    title_lines: list[str] = []
    title_done = False
    for i, line in enumerate(lines):
        folded = fold_keeping_length(line).strip()
        if folded.startswith(PARTY_MOTTO):
            header.family = "party"
            continue
        if folded.startswith(STATE_MOTTO):
            header.family = "state"
            continue
        number = _NUMBER_LINE.match(fold_keeping_length(line))
        if number and header.ref is None:
            header.ref = normalise_ref(line[number.start(1) : number.end(1)])
            number_at = i
            rest = squash(line[number.end() :]).lstrip(":,. ")
            if rest and fold_keeping_length(rest).startswith(("v/v", "ve viec")):
                title_lines = [rest]
            continue
        place_date = _PLACE_DATE.match(fold_keeping_length(line))
        if place_date and header.issued_on is None:
            match = DATE.search(place_date.group(2))
            if match and date_of(match):
                header.place = squash(line[: place_date.end(1)])
                header.issued_on = date_of(match)
                continue
        kind = _heading_kind(line)
        if kind and header.kind is None and kind_at is None:
            kind_at = i
            if kind == "CV" and folded.startswith(("v/v", "ve viec")):
                header.kind = "CV"
                title_lines = [line]
            else:
                header.kind = kind
            continue
        if line.strip() in ("*", "") or set(line.strip()) <= set("-–_=*.") or is_mark(line):
            continue
        if number_at is None and kind_at is None and is_upper(line):
            block.append(line)
        elif title_lines and is_upper(line) and kind_at is not None:
            # "QUYẾT ĐỊNH / Về việc ... / ỦY BAN NHÂN DÂN TỈNH ...": the enacting authority
            # under a decision's title is not part of the title
            title_done = True
        elif (kind_at is not None or number_at is not None) and not title_done:
            title_lines.append(line)
    header.issuer = _issuer_from_block(block)
    if header.ref:
        header.kind = kind_of_ref(header.ref) or header.kind
        if header.family is None:
            header.family = "party" if re.match(r"^\d+-", header.ref) else "state"
    if title_lines:
        title = squash(" ".join(title_lines))
        title = re.sub(r"^(?:V/v|v/v|Về việc|VỀ VIỆC)\s*:?\s*", "", title)
        header.title = title or None
    if header.kind is None and header.title and header.ref:
        header.kind = "CV"  # a letter: number and subject, no type heading
    return header
