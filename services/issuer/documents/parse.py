"""``parse_lines``: a directive document's text -> ParsedDocument, with warnings in plain
words for whatever could not be read. It never raises on odd text."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from services.issuer.documents.basis import basis_paragraphs, issuer_in_text, parse_basis
from services.issuer.documents.deadlines import find_deadlines
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.header import Header, parse_header
from services.issuer.documents.layout import split_layout
from services.issuer.documents.marks import read_marks
from services.issuer.documents.reading import read_bytes, read_file
from services.issuer.documents.recipients_and_signer import (
    Closing,
    parse_addressees,
    parse_closing,
)
from services.issuer.documents.tasks import find_materials, find_tasks
from services.issuer.documents.text import fold_keeping_length, looks_like_ocr_without_diacritics
from shared import workdays
from shared.clock import VN_TZ
from shared.contracts import ParsedDeadline, ParsedDocument


def parse_lines(lines: list[str]) -> ParsedDocument:
    layout = split_layout(lines)
    ocr = looks_like_ocr_without_diacritics("\n".join(lines))
    header = parse_header(layout.header)
    urgency, secrecy = read_marks(lines)
    opening = basis_paragraphs(layout.body)
    basis = parse_basis(opening)
    closing = parse_closing(layout.closing, ocr=ocr)
    addressees = _addressees([*layout.header, *layout.body[:12]])
    issuer = header.issuer or issuer_in_text(opening)

    reference = header.issued_on
    if reference is None:
        dated = [b.issued_on for b in basis if b.issued_on]
        if dated:
            reference = max(dated)
    known = [
        n
        for n in [
            issuer,
            *(b.issuer for b in basis),
            *addressees,
            *(r.text for r in closing.recipients),
        ]
        if n
    ]
    deadlines = find_deadlines(layout.body, reference, known)

    warnings = _warnings(header, closing, issuer, reference, deadlines, ocr)
    return ParsedDocument(
        kind=header.kind,
        ref=header.ref,
        issued_on=header.issued_on,
        place=header.place,
        issuer=issuer,
        title=header.title,
        basis=basis,
        addressees=addressees,
        recipients=closing.recipients,
        archive=closing.archive,
        deadlines=deadlines,
        signer=closing.signer,
        materials=find_materials(layout.body),
        tasks=find_tasks(layout.body),
        family=header.family,
        ocr=ocr,
        urgency=urgency,
        secrecy=secrecy,
        warnings=warnings,
    )


def _addressees(opening_lines: list[str]) -> list[str]:
    """The "Kính gửi" block near the top, one entry per addressee."""
    for i, paragraph in enumerate(opening_lines):
        if fold_keeping_length(paragraph).startswith("kinh gui"):
            block = [paragraph]
            for following in opening_lines[i + 1 :]:  # "Kính gửi:" over "- A;", "- B."
                if not following.lstrip().startswith(("-", "+", "•")):
                    break
                block.append(following)
            return parse_addressees(" ".join(block))
    return []


def _warnings(
    header: Header,
    closing: Closing,
    issuer: str | None,
    reference: date | None,
    deadlines: list[ParsedDeadline],
    ocr: bool,
) -> list[str]:
    """What could not be read, in plain words."""
    warnings: list[str] = []
    if header.ref is None:
        warnings.append(
            'the document has no number-symbol ("Số ..."); it can be issued only with one '
            "given by the operator (--ref)"
        )
    if header.issued_on is None:
        warnings.append(
            'the document has no date ("..., ngày ... tháng ... năm ..."); it can be issued '
            "only with one given by the operator (--date)"
        )
        if reference is not None and any(d.due_before for d in deadlines):
            warnings.append(
                f"deadlines that give no year were read as in {reference.year}, the year of the "
                "most recent document it refers to; check them"
            )
    warnings += _deadlines_on_days_off(deadlines)
    if issuer is None:
        warnings.append("could not tell which body issued the document")
    if header.kind is None:
        warnings.append("could not tell what kind of document this is (Kế hoạch, Hướng dẫn, ...)")
    if not header.title:
        warnings.append("could not find the title (trích yếu)")
    if not closing.recipients:
        warnings.append('found no "Nơi nhận" list: nobody would receive it')
    if closing.signer is None or not closing.signer.name:
        warnings.append("found no signer's name under the signature")
    if ocr:
        warnings.append(
            "the text has lost most of its Vietnamese diacritics (OCR output?): names were read "
            "ignoring accents and are shown as written; check them"
        )
    return warnings


# What one document may list. Each entry is matched against the unit directory and each
# deadline becomes a requirement assigned to units, outside the parse's own limits; a
# real directive lists tens, not thousands.
MAX_ENTRIES = 1000  # "Kính gửi" and "Nơi nhận" together
MAX_DEADLINES = 200
MAX_BASIS = 200
MAX_TASKS = 1000


def parse_file(path: Path) -> ParsedDocument:
    return within_limits(parse_lines(read_file(path)), str(path))


def parse_upload(data: bytes, filename: str) -> ParsedDocument:
    return within_limits(parse_lines(read_bytes(data, filename)), filename)


def within_limits(document: ParsedDocument, filename: str) -> ParsedDocument:
    """The document, or a DocumentError when it lists more than a directive does."""
    counts = [
        (
            len(document.addressees) + len(document.recipients),
            MAX_ENTRIES,
            "mục “Kính gửi” và “Nơi nhận”",
        ),
        (len(document.deadlines), MAX_DEADLINES, "thời hạn"),
        (len(document.basis), MAX_BASIS, "văn bản căn cứ"),
        (len(document.tasks), MAX_TASKS, "nhiệm vụ giao cho đơn vị"),
    ]
    for count, limit, what in counts:
        if count > limit:
            raise DocumentError(
                f"Văn bản '{filename}' có {count} {what}; chidao đọc văn bản có đến {limit} "
                f"{what}. Đề nghị kiểm tra lại tệp."
            )
    return document


def _deadlines_on_days_off(deadlines) -> list[str]:
    """A deadline whose last day is no working day (a holiday, Tết, a Sunday): the units
    have, in fact, until the working day before it."""
    calendar = workdays.in_force()
    warnings = []
    for deadline in deadlines:
        if deadline.due_before is None:
            continue
        last = (deadline.due_before.astimezone(VN_TZ) - timedelta(microseconds=1)).date()
        why = calendar.why_off(last)
        if why is None or why in ("thứ Bảy", "Chủ nhật"):
            continue  # a weekend is every week's: only a holiday or a day off is news
        before = last
        while not calendar.is_working(before):
            before -= timedelta(days=1)
        warnings.append(
            f'the deadline of "{deadline.action or deadline.text}" ends on '
            f"{last:%d/%m/%Y}, a day off ({why}); the last working day before it is "
            f"{before:%d/%m/%Y}"
        )
    return warnings
