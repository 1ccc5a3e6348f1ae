"""From a parsed document and the unit directory to a directive that can be issued:
roles decided, recipients and addressees resolved to units, deadlines turned into
reporting requirements, and every name that matched nothing listed as a warning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from services.issuer.documents.dates import find_until, period_end_after, reads_closing_window
from services.issuer.documents.diacritics import Restorer
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.resolve import Resolver
from shared.contracts import (
    Directive,
    ParsedDeadline,
    ParsedDocument,
    ParsedRecipient,
    Recipient,
    RecipientRole,
    Recurrence,
    ReportingRequirement,
    UnitSelector,
)
from shared.directory import Directory
from shared.slugs import fold, is_slug

# The fields of `chidao parse --json`, in the order of the parsing contract.
JSON_FIELDS = (
    "kind",
    "ref",
    "issued_on",
    "place",
    "issuer",
    "title",
    "basis",
    "addressees",
    "recipients",
    "archive",
    "deadlines",
    "signer",
    "materials",
    "tasks",
    "urgency",  # KHẨN, THƯỢNG KHẨN, HỎA TỐC; and MẬT, TỐI MẬT, TUYỆT MẬT (not in the design's
    "secrecy",  # contract: what Nghị định 30 marks a document with besides)
    "warnings",
)


def contract_json(document: ParsedDocument) -> dict:
    data = document.model_dump(mode="json")
    return {name: data[name] for name in JSON_FIELDS}


@dataclass
class Reading:
    document: ParsedDocument  # with the roles the directory decides
    issuer_unit: str | None = None
    recipients: list[Recipient] = field(default_factory=list)
    addressees: list[UnitSelector] = field(default_factory=list)
    requirements: list[ReportingRequirement] = field(default_factory=list)
    issuer_name: str | None = None  # the issuing unit's name in the directory
    # A scan's text, its diacritics restored: per field a mail quotes ("title",
    # "requirement.1.action"), the words still doubtful, which the issuer must confirm.
    doubts: dict[str, list[str]] = field(default_factory=dict)


def resolve_document(
    document: ParsedDocument,
    directory: Directory | None,
    issuer_unit: str | None = None,
    resolver: Resolver | None = None,
) -> Reading:
    """Decide roles and units. Without a directory only the document's own marks count.
    A caller that reads many documents against one directory passes its ``resolver``."""
    warnings = list(document.warnings)
    if directory is None or len(directory) == 0:
        warnings.append(
            'no unit directory: roles of "Nơi nhận" entries without a mark (báo cáo, để biết) '
            "are left open and no entry is matched to a unit"
        )
        return Reading(document.model_copy(update={"warnings": warnings}))
    resolver = resolver or Resolver(directory)
    ocr = document.ocr
    doubts: dict[str, list[str]] = {}
    if ocr:  # the fields a mail quotes, in proper Vietnamese where the lexicon can tell
        document, doubts = restored(document, resolver.restorer)
        warnings.append(restored_warning(doubts))
    if issuer_unit is not None:
        if issuer_unit not in directory:
            raise DocumentError(f"--issuer '{issuer_unit}' is not in the unit directory")
    elif document.issuer:
        issuer_unit = _issuer_unit(document, directory, resolver, warnings)

    addressees: list[UnitSelector] = []
    for text in document.addressees:
        match = resolver.match(text, issuer_unit, ocr)
        addressees += match.selectors
        warnings += [
            f'"Kính gửi" entry "{part}" matches no unit in the directory'
            for part in match.unmatched
        ]
    recipients, parsed = _recipients(document, addressees, issuer_unit, resolver, warnings)
    requirements = _requirements(document, issuer_unit, resolver)
    document = document.model_copy(update={"recipients": parsed, "warnings": warnings})
    name = directory.name(issuer_unit) if issuer_unit else None
    return Reading(document, issuer_unit, recipients, addressees, requirements, name, doubts)


def restored(document: ParsedDocument, restorer: Restorer) -> tuple[ParsedDocument, dict]:
    """``document`` with its title, place and requirements' actions restored, and the
    words of each that are still doubtful."""
    doubts: dict[str, list[str]] = {}
    update: dict[str, object] = {}
    if document.title:
        title = restorer.restore(document.title)
        update["title"] = title.text[:1].upper() + title.text[1:]
        if title.doubtful:
            doubts["title"] = title.doubtful
    if document.place:  # a proper name: every word capitalised ("Lâm Đồng")
        place = restorer.restore(document.place)
        update["place"] = " ".join(w[:1].upper() + w[1:] for w in place.text.split())
    deadlines = []
    for number, deadline in enumerate(document.deadlines, start=1):
        for part in ("action", "text"):  # what it asks, and the sentence the mail quotes
            if getattr(deadline, part):
                done = restorer.restore(getattr(deadline, part))
                deadline = deadline.model_copy(update={part: done.text})
                if done.doubtful:
                    doubts[f"requirement.{number}.{part}"] = done.doubtful
        deadlines.append(deadline)
    update["deadlines"] = deadlines
    return document.model_copy(update=update), doubts


def restored_warning(doubts: dict[str, list[str]]) -> str:
    if not doubts:
        return "diacritics were restored in the title and the requirements; read them over"
    listed = "; ".join(f"{f}: {', '.join(words)}" for f, words in doubts.items())
    return f"diacritics were restored; still doubtful: {listed}"


def _issuer_unit(
    document: ParsedDocument, directory: Directory, resolver: Resolver, warnings: list[str]
) -> str | None:
    """The unit the document's issuer names, if exactly one; else a warning says why not."""
    assert document.issuer is not None
    found = resolver.find_issuer(document.issuer, document.place, document.ocr)
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(f"{u} ({directory.name(u)})" for u in found[:6])
        warnings.append(
            f'the issuer "{document.issuer}" could be any of: {names}; name it with --issuer'
        )
    else:
        warnings.append(f'the issuer "{document.issuer}" matches no unit in the directory')
    return None


def _recipients(
    document: ParsedDocument,
    addressees: list[UnitSelector],
    issuer_unit: str | None,
    resolver: Resolver,
    warnings: list[str],
) -> tuple[list[Recipient], list[ParsedRecipient]]:
    """The "Nơi nhận" entries with their units and roles, and as the parse shows them."""
    recipients: list[Recipient] = []
    parsed: list[ParsedRecipient] = []
    for entry in document.recipients:
        if entry.role == "same_as_above":
            recipients.append(
                Recipient(text=entry.text, role=RecipientRole.SAME_AS_ABOVE, units=addressees)
            )
            parsed.append(entry)
            continue
        match = resolver.match(entry.text, issuer_unit, document.ocr)
        role = entry.role or resolver.role(issuer_unit, match)
        recipients.append(
            Recipient(text=entry.text, role=RecipientRole(role), units=match.selectors)
        )
        parsed.append(ParsedRecipient(text=entry.text, role=role))
        warnings += [
            f'"Nơi nhận" entry "{part}" matches no unit in the directory; nobody is mailed for it'
            for part in match.unmatched
        ]
    return recipients, parsed


def _requirements(
    document: ParsedDocument, issuer_unit: str | None, resolver: Resolver
) -> list[ReportingRequirement]:
    """One requirement per deadline, reported to the body it names (else the issuer)."""
    requirements = []
    for number, deadline in enumerate(document.deadlines, start=1):
        to_unit = None
        if deadline.to:
            via = re.search(r"\(qua\s+([^)]*)\)", deadline.to)  # the desk that receives it
            target = via.group(1) if via else deadline.to
            to_match = resolver.match(target, issuer_unit, document.ocr)
            to_unit = to_match.unit_ids[0] if to_match.unit_ids else None
        requirements.append(
            ReportingRequirement(
                id=f"r{number}",
                action=deadline.action or deadline.text[:200],
                to_unit=to_unit or issuer_unit,
                recurrence=Recurrence(deadline.recurrence) if deadline.recurrence else None,
                text=deadline.text,
                **_schedule(deadline, document.issued_on),
            )
        )
    return requirements


def _schedule(deadline: ParsedDeadline, issued_on: date | None) -> dict:
    """The deadline, and for a recurring requirement until when and over which data:
    "hằng quý ... đến hết năm 2025" ends its periods there (the year is no deadline), and
    one that names no day is due at the end of each period."""
    due, recurrence = deadline.due_before, deadline.recurrence
    if recurrence is None:
        return {"due_before": due}
    folded = fold(deadline.text)
    until = find_until(folded)
    if due is not None and due == until:
        due = None  # "đến hết năm 2025" was read as the deadline: it is the end
    if due is None and issued_on is not None:
        due = period_end_after(recurrence, issued_on)
    closing = "nd09" if reads_closing_window(folded) else "calendar"
    return {"due_before": due, "until": until, "closing": closing}


def build_directive(
    reading: Reading, ref: str | None = None, issued_on: date | None = None
) -> Directive:
    """The directive to issue. The number and date come from the document; the operator
    supplies them (--ref, --date) only where the document has none."""
    doc = reading.document
    problems = []  # in Vietnamese: the clerk issuing it reads them, naming the options
    ref = ref or doc.ref
    issued_on = issued_on or doc.issued_on
    if ref is None:
        problems.append("văn bản không ghi số, ký hiệu: nhập bằng --ref")
    if issued_on is None:
        problems.append("văn bản không ghi ngày ban hành: nhập bằng --date (ngày/tháng/năm)")
    if reading.issuer_unit is None:
        problems.append("chưa rõ đơn vị ban hành: ghi bằng --issuer ĐƠN_VỊ")
    if problems:
        raise DocumentError("; ".join(problems))
    assert ref is not None and issued_on is not None and reading.issuer_unit is not None
    directive = Directive(
        kind=doc.kind or "CV",
        ref=ref,
        issued_on=issued_on,
        place=doc.place or "",
        issuer_unit=reading.issuer_unit,
        # OCR text lost the name's diacritics: the mails name the unit as the directory does.
        issuer=(reading.issuer_name if doc.ocr and reading.issuer_name else doc.issuer)
        or reading.issuer_unit,
        title=doc.title or ref,
        basis=doc.basis,
        addressees=reading.addressees,
        recipients=reading.recipients,
        requirements=reading.requirements,
        signer=doc.signer,
        archive=doc.archive,
        urgency=doc.urgency,
        secrecy=doc.secrecy,
    )
    if not is_slug(directive.id):
        raise DocumentError(f"số, ký hiệu “{ref}” không có chữ hoặc số nào để làm mã văn bản")
    return directive
