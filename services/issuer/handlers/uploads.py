"""Issuing from an uploaded document: read it in a parse worker, match what it names
against the directory, keep the original file and issue the directive it is."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date

from services.issuer.deps import Deps
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.ingest import Reading, build_directive, resolve_document
from services.issuer.domain.draft import due_instant
from services.issuer.domain.planning import CannotIssue, plan_issue
from services.issuer.domain.report_forms import with_forms
from services.issuer.handlers.issuing import Issued, issue_directive
from shared import workdays
from shared.contracts import Directive, ReportingRequirement
from shared.contracts.directives import Secrecy, Urgency
from shared.directory import Directory
from shared.errors import Invalid
from shared.slugs import fold
from shared.vietnamese import parse_day


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    issuer: str | None = None  # the issuing unit's id, when the document's name is ambiguous
    ref: str | None = None  # number-symbol and date, for a document without
    issued_on: date | None = None
    results_form: str | None = None  # the report form of its results requirements
    allow_past: bool = False  # issue even though a deadline has passed (the operator's call)
    # The issuer's own words for what a scan's restored text left doubtful: the title,
    # and "requirement.N.action=TEXT" for a requirement's action.
    title: str | None = None
    sets: tuple[str, ...] = ()
    # the issuer's marks, where the document's header has none (or they overrule it)
    urgency: Urgency | None = None
    secrecy: Secrecy | None = None


async def read_upload(deps: Deps, upload: Upload) -> Reading:
    """What the document says, roles and units decided; Invalid when it cannot be read."""
    reading, _ = await read_upload_with_text(deps, upload)
    return reading


async def read_upload_with_text(deps: Deps, upload: Upload) -> tuple[Reading, str]:
    """``read_upload``, and the text the document was read from."""
    # deadlines in working days are counted on the operator's calendar as it is now
    workdays.use(await workdays.read_calendar(deps.js))
    try:
        document, text = await deps.parsers.read(upload.data, upload.filename)
    except DocumentError as exc:
        deps.metrics.documents.labels(getattr(exc, "reason", "refused")).inc()
        raise Invalid(str(exc)) from exc
    deps.metrics.documents.labels("read").inc()
    try:  # matching up to a thousand names: off the event loop too
        reading = await asyncio.to_thread(
            resolve_document, document, deps.directory(), upload.issuer, deps.resolver()
        )
    except DocumentError as exc:
        raise Invalid(str(exc)) from exc
    return reading, text


async def issue_upload(deps: Deps, upload: Upload, reading: Reading) -> Issued:
    """Issue what was read, with the original file attached to it. Invalid when the
    document lacks what a directive needs (a number, a date, a known issuer)."""
    try:
        directive = build_directive(reading, upload.ref, upload.issued_on)
    except DocumentError as exc:
        raise Invalid(f"{upload.filename}: {exc}") from exc
    directive = confirmed(directive, reading, upload)
    attached = await deps.originals.keep(upload.data, upload.filename, bool(directive.secrecy))
    directive = with_forms(directive.model_copy(update={"document": attached}), upload.results_form)
    return await issue_directive(deps, directive, upload.allow_past)


_SET = re.compile(r"^requirement\.(\d{1,3})\.(action|text|recurrence|due_before|until)=(.+)$", re.S)
# What a clerk may write for a period ("định kỳ" alone names none): the contract's names
# or the document's words.
_PERIODS = {
    "monthly": "monthly", "hang thang": "monthly",
    "quarterly": "quarterly", "hang quy": "quarterly",
    "semiannual": "semiannual", "6 thang": "semiannual", "sau thang": "semiannual",
    "yearly": "yearly", "hang nam": "yearly",
}  # fmt: skip


def _set_value(field: str, text: str) -> object:
    """A ``--set`` value as the requirement keeps it; ValueError, in Vietnamese."""
    if field in ("action", "text"):
        return text
    if field == "recurrence":
        period = _PERIODS.get(fold(text).strip())
        if period is None:
            raise ValueError("kỳ báo cáo: viết hằng tháng, hằng quý, 6 tháng hoặc hằng năm")
        return period
    return due_instant(parse_day(text))  # ValueError, in Vietnamese


def confirmed(directive: Directive, reading: Reading, upload: Upload) -> Directive:
    """``directive`` with the issuer's own title and actions; refused (Invalid, in
    Vietnamese, showing each restored field) while a doubtful one is not confirmed."""
    actions: dict[str, object] = {}
    for item in upload.sets:
        found = _SET.match(item.strip())
        if not found or not 1 <= int(found.group(1)) <= len(directive.requirements):
            raise Invalid(
                f"--set “{item}”: viết requirement.N.action=NỘI DUNG (hoặc requirement.N.text=, "
                "câu trích nguyên văn; requirement.N.recurrence=hằng quý, "
                "requirement.N.due_before=NGÀY hạn kỳ đầu, requirement.N.until=NGÀY kết "
                f"thúc), N từ 1 đến {len(directive.requirements)}"
            )
        try:
            value = _set_value(found.group(2), found.group(3).strip())
        except ValueError as exc:
            raise Invalid(f"--set “{item}”: {exc}") from exc
        actions[f"requirement.{int(found.group(1))}.{found.group(2)}"] = value
    left = {f: w for f, w in reading.doubts.items() if f not in actions and f != "title"}
    if "title" in reading.doubts and not upload.title:
        left["title"] = reading.doubts["title"]
    if left:
        raise Invalid(_unconfirmed(directive, left), doubts=left)
    requirements = [
        ReportingRequirement.model_validate(
            {
                **r.model_dump(),
                **{
                    key.rsplit(".", 1)[1]: value
                    for key, value in actions.items()
                    if key.startswith(f"requirement.{n}.")
                },
            }
        )
        for n, r in enumerate(directive.requirements, start=1)
    ]
    update: dict = {"requirements": requirements}
    if upload.title:
        update["title"] = upload.title.strip()
    if upload.urgency:
        update["urgency"] = upload.urgency
    if upload.secrecy:
        update["secrecy"] = upload.secrecy
    return directive.model_copy(update=update)


def _unconfirmed(directive: Directive, left: dict[str, list[str]]) -> str:
    lines = ["Văn bản là bản quét mất dấu; đã khôi phục dấu nhưng còn chữ chưa chắc:"]
    for name, words in left.items():
        if name == "title":
            lines.append(f"  trích yếu: “{directive.title}” (chưa chắc: {', '.join(words)})")
            lines.append('    xác nhận hoặc sửa: --title "..."')
            continue
        _, number, part = name.split(".")
        requirement = directive.requirements[int(number) - 1]
        said = requirement.action if part == "action" else requirement.text
        what = "yêu cầu" if part == "action" else "câu trích của yêu cầu"
        lines.append(f"  {what} {number}: “{said}” (chưa chắc: {', '.join(words)})")
        lines.append(f'    xác nhận hoặc sửa: --set "{name}=..."')
    return "\n".join(lines)


def mailing_preview(deps: Deps, upload: Upload, reading: Reading) -> dict:
    """Who issuing the document would mail, and as what: each unit assigned a report
    (what and by when), each unit sent it to act, for information or as a superior; or,
    when it cannot be issued as it stands, why (``problems``)."""
    directory = deps.directory()
    try:
        directive = with_forms(
            build_directive(reading, upload.ref, upload.issued_on), upload.results_form
        )
        plan = plan_issue(directive, directory)
    except DocumentError as exc:
        return {"mailed": [], "problems": [str(exc)]}
    except CannotIssue as exc:
        return {"mailed": [], "problems": exc.details.get("problems", [exc.message])}
    mailed: dict[str, dict] = {}
    for requirement in directive.requirements:
        for unit_id in plan.assignees.get(requirement.id, []):
            entry = mailed.setdefault(unit_id, _mailed(directory, unit_id, "assigned"))
            due = requirement.due_before
            entry["asked"].append({
                "requirement": requirement.id,
                "action": requirement.action,
                "due_before": due.isoformat() if due else None,
            })  # fmt: skip
    for notice in plan.notices:
        mailed.setdefault(notice.unit_id, _mailed(directory, notice.unit_id, notice.role.value))
    return {"mailed": list(mailed.values()), "problems": []}


def _mailed(directory: Directory, unit_id: str, role: str) -> dict:
    unit = directory.require(unit_id)
    return {
        "unit_id": unit_id,
        "name": unit.name,
        "role": role,
        "emails": list(unit.emails),
        "asked": [],
    }
