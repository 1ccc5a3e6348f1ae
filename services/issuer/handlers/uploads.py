"""Issuing from an uploaded document: read it in a parse worker, match what it names
against the directory, keep the original file and issue the directive it is."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from services.issuer.adapters.originals import keep
from services.issuer.deps import Deps
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.ingest import Reading, build_directive, resolve_document
from services.issuer.domain.planning import CannotIssue, plan_issue
from services.issuer.domain.report_forms import with_forms
from services.issuer.handlers.issuing import Issued, issue_directive
from shared.directory import Directory
from shared.errors import Invalid


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    issuer: str | None = None  # the issuing unit's id, when the document's name is ambiguous
    ref: str | None = None  # number-symbol and date, for a document without
    issued_on: date | None = None
    results_form: str | None = None  # the report form of its results requirements
    allow_past: bool = False  # issue even though a deadline has passed (the operator's call)


async def read_upload(deps: Deps, upload: Upload) -> Reading:
    """What the document says, roles and units decided; Invalid when it cannot be read."""
    reading, _ = await read_upload_with_text(deps, upload)
    return reading


async def read_upload_with_text(deps: Deps, upload: Upload) -> tuple[Reading, str]:
    """``read_upload``, and the text the document was read from."""
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
    attached = await keep(deps.js, upload.data, upload.filename)
    directive = with_forms(directive.model_copy(update={"document": attached}), upload.results_form)
    return await issue_directive(deps, directive, upload.allow_past)


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
