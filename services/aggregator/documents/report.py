"""The báo cáo tổng hợp written out: header (the superior body and the sending body,
the number-symbol to fill in, "ĐẢNG CỘNG SẢN VIỆT NAM", place and date), "BÁO CÁO" and its
trích yếu, the sections, "Nơi nhận" and the signature block to be signed.

All Vietnamese wording lives here; the renderers only lay it out. The content comes from
the synthesis (``services/aggregator/domain/synthesis.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from services.aggregator.domain.notes import WRITTEN_SECTIONS
from services.aggregator.domain.recall import basis_sentence, recalled_sentence
from services.aggregator.domain.synthesis import (
    DAY_WORDS,
    Column,
    Counted,
    Extended,
    Late,
    Listed,
    RequirementSynthesis,
    Synthesis,
    TotalsSynthesis,
    as_synthesis,
)
from shared.vietnamese import format_date, format_date_long, format_deadline, format_number

MOTTO = "ĐẢNG CỘNG SẢN VIỆT NAM"
WIDE_TABLE_COLUMNS = 6  # a table with more columns goes on a landscape page
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# The symbol after the number ("-BC/ĐU"), by the kind of the sending body.
SYMBOLS = {
    "provincial_committee": "TU",
    "district_committee": "HU",
    "bloc_committee": "ĐUK",
    "grassroots_committee": "ĐU",
    "grassroots_chi_bo": "CB",
    "chi_bo": "CB",
}
# Who signs for the body, by its kind.
SIGNERS = {
    "provincial_committee": ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
    "district_committee": ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
    "bloc_committee": ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
    "grassroots_committee": ("T/M ĐẢNG ỦY", "BÍ THƯ"),
    "grassroots_chi_bo": ("T/M CHI BỘ", "BÍ THƯ"),
    "chi_bo": ("T/M CHI BỘ", "BÍ THƯ"),
}
# How a superior committee is named above the sending body: its Đảng bộ.
_SUPERIOR_NAMES = (
    (r"^Tỉnh ủy\b", "Đảng bộ tỉnh"),
    (r"^Thành ủy\b", "Đảng bộ thành phố"),
    (r"^Huyện ủy\b", "Đảng bộ huyện"),
    (r"^Thị ủy\b", "Đảng bộ thị xã"),
    (r"^Đảng ủy\b", "Đảng bộ"),
)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: right-aligned numbers
    total: list[str] | None = None


@dataclass
class Block:
    kind: Literal["heading", "paragraph", "bullets", "table"]
    text: str = ""
    level: int = 1  # headings: 1 = "I. ...", 2 = "1. ..."
    items: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass
class Report:
    superior: str  # "ĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH HƯNG YÊN", or ""
    body: str  # "ĐẢNG ỦY SỞ NỘI VỤ"
    number: str  # "Số:      -BC/ĐU", the number left for the office to fill in
    motto: str
    place_date: str  # "Hưng Yên, ngày 14 tháng 12 năm 2024"
    kind: str  # "BÁO CÁO"
    subject: str  # the trích yếu
    blocks: list[Block]
    recipients: list[str]
    signer_capacity: str
    signer_title: str
    signer_note: str = "(Ký, ghi rõ họ tên, đóng dấu)"
    title: str = ""  # a plain title for a file or a browser tab
    # Said before anything else: the directive was recalled, or what it implements was.
    notices: list[str] = field(default_factory=list)


def superior_name(name: str) -> str:
    for pattern, replacement in _SUPERIOR_NAMES:
        if re.search(pattern, name):
            return re.sub(pattern, replacement, name, count=1)
    return name


def _upper(text: str) -> str:
    return text.upper()


def _count(n: int | float | None) -> str:
    return format_number(n or 0)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{format_number(round(100 * rate, 1))}%"


def _symbol(s: Synthesis) -> str:
    d, unit = s.directive, s.unit
    if unit.id == d.issuer_unit and "/" in d.ref:
        return d.ref.rsplit("/", 1)[1]
    return SYMBOLS.get(unit.kind or "", "")


def _situation(r: RequirementSynthesis) -> str:
    t = r.totals
    sentence = (
        f"Số đơn vị phải báo cáo: {_count(t.expected)}; đã báo cáo: "
        f"{_count(t.submitted)} ({_percent(t.submitted_rate)}), trong đó đúng hạn "
        f"{_count(t.on_time)}, muộn {_count(t.late)}"
    )
    if t.late and t.average_days_late:
        average = format_number(round(t.average_days_late, 1))
        sentence += f" (bình quân muộn {average} {r.day_word})"
    sentence += f"; chưa báo cáo: {_count(t.missing)}"
    if t.missing and t.overdue and t.pending:  # some granted a deadline still ahead
        sentence += f" (quá hạn {_count(t.overdue)}, còn trong hạn {_count(t.pending)})"
    elif t.missing:  # as Báo cáo 1270/BC-TCTTTg counts what is not done
        sentence += f" ({'quá hạn' if t.overdue else 'còn trong hạn'})"
    sentence += "."
    if t.extended:
        sentence += f" Có {_count(t.extended)} đơn vị được gia hạn thời hạn báo cáo."
    if t.accepted:
        sentence += f" Đã xem xét, chấp nhận báo cáo của {_count(t.accepted)} đơn vị."
    return sentence


def reporting_status(t: TotalsSynthesis, day_word: str = DAY_WORDS["calendar"]) -> str:
    """One unit: "Đúng hạn", "Muộn 2 ngày" (``day_word``: "ngày làm việc" when its form
    counts working days), "Chưa báo cáo"; a subtree: "8/9 (đúng hạn 6, muộn 2)"."""
    if t.expected == 1:
        if t.submitted == 0:
            return "Chưa báo cáo"
        return "Đúng hạn" if t.on_time else f"Muộn {_count(t.days_late)} {day_word}"
    return (
        f"{_count(t.submitted)}/{_count(t.expected)} (đúng hạn {_count(t.on_time)}, "
        f"muộn {_count(t.late)})"
    )


def filled_columns(r: RequirementSynthesis) -> list[Column]:
    """The form's added-up columns that some unit filled in."""
    texts = {f.name: f.text for f in r.figures}
    return [c for c in (r.form.columns if r.form else []) if texts.get(c.name)]


def total_cells(r: RequirementSynthesis, columns: list[Column]) -> list[str]:
    """The "Tổng cộng" row's figures, one per column."""
    texts = {f.name: f.text for f in r.figures}
    return [bare_figure(texts[c.name]) for c in columns]


def _unit_table(r: RequirementSynthesis) -> Table | None:
    if not r.children:
        return None
    columns = filled_columns(r)
    header = ["STT", "Đơn vị", "Tình hình báo cáo"]
    header += [c.label + (f" ({c.unit})" if c.unit else "") for c in columns]
    rows = []
    for index, c in enumerate(r.children, start=1):
        row = [str(index), c.name, reporting_status(c, r.day_word)]
        row += [bare_figure(c.figures.get(col.name, "")) for col in columns]
        rows.append(row)
    total = ["", "Tổng cộng", reporting_status(r.totals, r.day_word), *total_cells(r, columns)]
    numeric = [True, False, False] + [True] * len(columns)
    return Table(header, rows, numeric, total)


def bare_figure(text: str) -> str:
    """A figure in a table cell: the unit is in the column header."""
    return text.split(" ", 1)[0] if text and not text.endswith("%") else text


def _figure_items(r: RequirementSynthesis) -> list[str]:
    items = []
    for f in r.figures:
        if isinstance(f, Counted):
            chosen = [c for c in f.choices if c.count]
            if chosen:
                listed = "; ".join(f"{c.label}: {_count(c.count)} đơn vị" for c in chosen)
                items.append(f"{f.label}: {listed}.")
        elif f.text:
            items.append(f"{f.label}: {f.text}.")
    return items


def _names(entries: Sequence[Listed]) -> str:
    return "; ".join(e.name for e in entries)


def _late_names(entries: Sequence[Late], day_word: str) -> str:
    return "; ".join(
        f"{e.name} (muộn {e.days_late} {day_word})" if e.days_late else e.name for e in entries
    )


def _each_requirement(
    s: Synthesis, blocks_of: Callable[[RequirementSynthesis], list[Block]]
) -> list[Block]:
    """A section's blocks for every requirement, each under its own subsection heading
    when the directive has several."""
    many = len(s.requirements) > 1
    blocks = []
    for index, r in enumerate(s.requirements, start=1):
        if many:
            blocks.append(Block("heading", f"{index}. {_upper_first(r.action)}{_of(r)}", 2))
        blocks += blocks_of(r)
    return blocks


def _progress(s: Synthesis, reference: str) -> list[Block]:
    """I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN: what was done, as of when, per requirement."""
    d, unit, as_of = s.directive, s.unit, datetime.fromisoformat(s.as_of)
    own_directive = unit.id == d.issuer_unit
    opening = (
        f"Thực hiện {reference} về {_lower_first(d.title)}, {unit.name} đã triển khai "
        "đến các đơn vị trực thuộc và theo dõi, tổng hợp báo cáo của các đơn vị."
        if own_directive
        else f"Thực hiện {reference} về {_lower_first(d.title)}, {unit.name} tổng hợp "
        "tình hình thực hiện của các đơn vị trực thuộc như sau."
    )
    blocks = [
        Block("heading", "TÌNH HÌNH TRIỂN KHAI THỰC HIỆN", 1),
        Block("paragraph", opening),
        Block(
            "paragraph",
            f"Số liệu tính đến {as_of.hour:02d} giờ {as_of.minute:02d}, "
            f"{format_date_long(as_of.date())}.",
        ),
    ]
    many = len(s.requirements) > 1
    for index, r in enumerate(s.requirements, start=1):
        lead = f"{index}. " if many else ""
        text = f"{lead}{_upper_first(r.action)}{_of(r)}, thời hạn {r.deadline}. " + _situation(r)
        blocks.append(Block("paragraph", text))
    return blocks


def _results(s: Synthesis) -> list[Block]:
    """II. KẾT QUẢ THỰC HIỆN: the units' table and the added-up figures."""
    return [Block("heading", "KẾT QUẢ THỰC HIỆN", 1), *_each_requirement(s, _results_of)]


def _results_of(r: RequirementSynthesis) -> list[Block]:
    blocks = []
    table = _unit_table(r)
    if table is not None:
        blocks.append(Block("paragraph", "Kết quả của từng đơn vị:"))
        blocks.append(Block("table", table=table))
    items = _figure_items(r)
    if items:
        blocks.append(Block("paragraph", "Số liệu tổng hợp:"))
        blocks.append(Block("bullets", items=items))
    if r.truncated:
        blocks.append(
            Block("paragraph", "Danh sách đơn vị chỉ gồm một phần; số liệu tổng là đầy đủ.")
        )
    return blocks


def _missing_and_late(s: Synthesis) -> list[Block]:
    """III. ĐƠN VỊ CHƯA BÁO CÁO, BÁO CÁO MUỘN (and the reports returned)."""
    heading = Block("heading", "ĐƠN VỊ CHƯA BÁO CÁO, BÁO CÁO MUỘN", 1)
    return [heading, *_each_requirement(s, _missing_and_late_of)]


def _missing_and_late_of(r: RequirementSynthesis) -> list[Block]:
    items = [
        f"Chưa báo cáo ({len(r.missing)}): {_names(r.missing) or 'không có'}.",
        f"Báo cáo muộn ({len(r.late)}): {_late_names(r.late, r.day_word) or 'không có'}.",
    ]
    if r.returned:
        items.append(
            f"Báo cáo trả lại để sửa ({len(r.returned)}): "
            + "; ".join(f"{e.name} ({(e.reason or '').rstrip('.')})" for e in r.returned)
            + "."
        )
    if r.extended or r.totals.extended:
        # the count is the subtree's, the list what the walk reached (it may stop short)
        count = max(r.totals.extended, len(r.extended))
        listed = "; ".join(extension_words(e) for e in r.extended)
        items.append(f"Được gia hạn ({_count(count)})" + (f": {listed}." if listed else "."))
    return [Block("bullets", items=items)]


def extension_words(e: Extended) -> str:
    """'Chi bộ 1 (hạn ban đầu trước ngày 10/12/2024, gia hạn đến trước ngày 20/12/2024;
    lý do: ...)'."""
    original = short_deadline(datetime.fromisoformat(e.original_due))
    due = short_deadline(datetime.fromisoformat(e.due))
    reason = _one_line(e.reason).rstrip(".")
    return f"{e.name} (hạn ban đầu {original}, gia hạn đến {due}; lý do: {reason})"


def short_deadline(due: datetime) -> str:
    """'trước ngày 10/12/2024': a deadline inside a list item or a badge, without the
    weekday's parentheses, and still "trước" (before): a deadline is the instant a report
    becomes late, so 'đến 10/12' alone would read as one day more than granted."""
    return format_deadline(due).split(" (", 1)[0]


def _difficulties(s: Synthesis) -> list[Block]:
    """IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ: the units' words, by field."""
    blocks = [Block("heading", "KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ", 1)]
    for r in s.requirements:
        for group in r.texts:
            if not group.entries:
                continue
            blocks.append(Block("paragraph", f"{group.label}:"))
            quotes = [f"{e.name}: “{_one_line(e.text)}”" for e in group.entries]
            blocks.append(Block("bullets", items=quotes))
    if len(blocks) == 1:
        blocks.append(Block("paragraph", "Các đơn vị không nêu khó khăn, vướng mắc, kiến nghị."))
    return blocks


def _written(s: Synthesis) -> list[Block]:
    """The staff's own sections, each line they typed a paragraph of its own."""
    blocks = []
    for name, _, heading in WRITTEN_SECTIONS:
        text = getattr(s.written, name)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            blocks.append(Block("heading", heading, 1))
            blocks += [Block("paragraph", line) for line in lines]
    return blocks


def build_report(synthesis: Synthesis | Mapping[str, Any]) -> Report:
    s = as_synthesis(synthesis)
    d, unit = s.directive, s.unit
    as_of = datetime.fromisoformat(s.as_of)
    reference = f"{d.document} ngày {format_date(date.fromisoformat(d.issued_on))} của {d.issuer}"
    blocks = [
        *_progress(s, reference),
        *_results(s),
        *_missing_and_late(s),
        # The staff's assessment, lessons and next steps, before the units' proposals.
        *_written(s),
        *_difficulties(s),
    ]
    parent = unit.parent
    recipients = []
    if parent:
        recipients.append(f"- {parent.name} (để báo cáo),")
    recipients.append("- Lưu Văn phòng.")
    capacity, title = SIGNERS.get(unit.kind or "", (f"T/M {_upper(unit.name)}", ""))
    symbol = _symbol(s)
    subject = f"Kết quả thực hiện {reference}"
    return Report(
        superior=_upper(superior_name(parent.name)) if parent else "",
        body=_upper(unit.name),
        number=f"Số:      -BC/{symbol}" if symbol else "Số:      -BC",
        motto=MOTTO,
        place_date=f"{d.place + ', ' if d.place else ''}{format_date_long(as_of.date())}",
        kind="BÁO CÁO",
        subject=subject,
        blocks=blocks,
        recipients=recipients,
        signer_capacity=capacity,
        signer_title=title,
        title=f"Báo cáo {subject[:1].lower()}{subject[1:]}",
        notices=_notices(s),
    )


def _notices(s: Synthesis) -> list[str]:
    d = s.directive
    own = [recalled_sentence(d.recalled)] if d.recalled else []
    return own + [basis_sentence(b) for b in d.basis_recalled]


def _one_line(text: str) -> str:
    """A text quoted in a list: a forwarded synthesis's lines ("Chi bộ A: ...") are
    joined, so the quotation stays one item."""
    return "; ".join(line.strip().rstrip(";") for line in text.splitlines() if line.strip())


def _of(r: RequirementSynthesis) -> str:
    """ " (Quý I/2025)": the period a recurring requirement's section is about."""
    return f" ({r.period})" if r.period else ""


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """A title after "về": 'Triển khai ...' -> 'triển khai ...' (proper names keep theirs)."""
    if len(text) > 1 and text[1].islower():
        return text[:1].lower() + text[1:]
    return text


def landscape_blocks(blocks: list[Block]) -> set[int]:
    """The blocks printed on landscape pages (.docx and HTML alike): each wide table,
    with the paragraph introducing it ("Kết quả của từng đơn vị:") and the headings just
    before, so none is left alone at the foot of a portrait page."""
    chosen: set[int] = set()
    for index, block in enumerate(blocks):
        if not (block.kind == "table" and block.table is not None):
            continue
        if len(block.table.header) <= WIDE_TABLE_COLUMNS:
            continue
        chosen.add(index)
        j = index - 1
        if j >= 0 and blocks[j].kind == "paragraph" and blocks[j].text.rstrip().endswith(":"):
            chosen.add(j)
            j -= 1
        while j >= 0 and blocks[j].kind == "heading":
            chosen.add(j)
            j -= 1
    return chosen


def section_number(level_one_index: int) -> str:
    return ROMAN[level_one_index] if level_one_index < len(ROMAN) else str(level_one_index + 1)
