"""The issuer's HTTP API (staff): issue a directive given as JSON or as a document file,
show a directive, the cascade. Each route declares its action (shared.auth.guard.staff),
checks who it acts as or reads, translates the request, calls a handler and translates
its result; refusals are answered by the app's DomainError handler, except an upload's,
whose answer also shows what was read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from services.issuer.deps import Deps
from services.issuer.documents.ingest import Reading, contract_json
from services.issuer.documents.reading import MAX_BYTES
from services.issuer.domain.draft import approval_refusal
from services.issuer.domain.records import DirectiveRecord
from services.issuer.handlers import cascade, issuing, lookup, uploads
from services.issuer.handlers.drafts import refuse
from shared.auth.audit import audit_target
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import Directive
from shared.contracts.directives import Secrecy, Urgency
from shared.errors import DomainError, http_status
from shared.service import deps_of
from shared.web import SlugPath

UPLOAD_PATH = "/api/directives/upload"

router = APIRouter()
DepsOf = Annotated[Deps, Depends(deps_of)]


def issued_json(issued: issuing.Issued) -> dict[str, Any]:
    record = issued.record
    body: dict[str, Any] = {
        "directive_id": record.directive.id,
        "ref": record.directive.ref,
        "status": record.status if issued.created else "already_issued",
        "assignments": issued.assignments,
        "new_assignments": issued.new_assignments,
        "notices": len(record.notices),
        "warnings": record.warnings,
    }
    if issued.fanout_seconds is not None:
        body["fanout_seconds"] = issued.fanout_seconds
    return body


def _status(issued: issuing.Issued) -> int:
    return 201 if issued.created else 200  # 200: issued before, nothing new


def _visible(
    principal: Principal, deps: Deps, records: list[DirectiveRecord]
) -> list[DirectiveRecord]:
    directory = deps.directory()
    return [r for r in records if principal.sees_directive_of(r.directive.issuer_unit, directory)]


ALLOW_PAST = (
    "issue even though a deadline has passed: no reminder is set, and each unit's link "
    "works CHIDAO_LINK_GRACE_DAYS from now"
)


@router.post("/api/directives", status_code=201, tags=["directives"])
async def issue(
    request: Request,
    directive: Directive,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_ISSUE)],
    allow_past: Annotated[bool, Query(description=ALLOW_PAST)] = False,
) -> JSONResponse:
    """Issue a directive given as JSON, as the signed-in account's own unit. Repeating
    the same request creates nothing new. A deadline already passed is refused (422)
    unless ``allow_past``."""
    audit_target(request, directive_id=directive.id, unit_id=directive.issuer_unit)
    principal.require_acts_as(directive.issuer_unit, deps.directory(), Action.DIRECTIVE_ISSUE)
    refuse(approval_refusal(principal, directive.issuer_unit, deps.directory()))
    issued = await issuing.issue_directive(deps, directive, allow_past)
    return JSONResponse(issued_json(issued), status_code=_status(issued))


@router.post(UPLOAD_PATH, status_code=201, tags=["directives"])
async def upload(
    request: Request,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_PREVIEW)],
    file: Annotated[UploadFile, File(description=".txt, .md, .docx or .pdf")],
    issuer: Annotated[str | None, Form(description="issuing unit id, if ambiguous")] = None,
    ref: Annotated[str | None, Form(description="number-symbol, for a document without")] = None,
    issued_on: Annotated[date | None, Form(description="date, for a document without")] = None,
    preview: Annotated[bool, Form(description="read and show, do not issue")] = False,
    report_form: Annotated[
        str | None,
        Form(alias="form", description="report form of its results requirements"),
    ] = None,
    allow_past: Annotated[bool, Form(description=ALLOW_PAST)] = False,
    title: Annotated[
        str | None, Form(max_length=1000, description="the title, confirming a scan's")
    ] = None,
    sets: Annotated[
        list[str],
        Form(
            alias="set",
            max_length=50,
            description="requirement.N.action=TEXT, confirming a scan's restored action; "
            "requirement.N.recurrence=hằng quý, .due_before=DD/MM/YYYY, .until=DD/MM/YYYY: a "
            "'định kỳ' requirement's period, first deadline and end",
        ),
    ] = [],  # noqa: B006
    urgency: Annotated[
        Urgency | None, Form(description="khan, thuong_khan or hoa_toc: mailed marked so")
    ] = None,
    secrecy: Annotated[
        Secrecy | None,
        Form(description="mat, toi_mat or tuyet_mat: its mails carry no file and no content"),
    ] = None,
) -> JSONResponse:
    """Read a document, show what was read and the warnings, and issue it as the
    signed-in account's unit (or only show it, with preview: any staff role may). The
    original file is kept and attached to the mails."""
    if not preview:
        request.state.action = Action.DIRECTIVE_ISSUE
        principal.require(Action.DIRECTIVE_ISSUE)
    data = await file.read(MAX_BYTES + 1)
    sent = uploads.Upload(
        data,
        file.filename or "document.txt",
        issuer,
        ref,
        issued_on,
        report_form,
        allow_past,
        title,
        tuple(s[:2000] for s in sets),
        urgency,
        secrecy,
    )
    reading = await uploads.read_upload(deps, sent)
    shown = {"document": contract_json(reading.document), "issuer_unit": reading.issuer_unit}
    if preview:  # and whom issuing it would mail, as what
        return JSONResponse({**shown, **uploads.mailing_preview(deps, sent, reading)})
    return await _issue_read(request, deps, principal, sent, reading, shown)


async def _issue_read(
    request: Request,
    deps: Deps,
    principal: Principal,
    sent: uploads.Upload,
    reading: Reading,
    shown: dict[str, Any],
) -> JSONResponse:
    """Issue what was read as the account's unit; a refusal still shows the reading."""
    try:
        if reading.issuer_unit is not None:
            audit_target(request, unit_id=reading.issuer_unit)
            principal.require_acts_as(reading.issuer_unit, deps.directory(), Action.DIRECTIVE_ISSUE)
            refuse(approval_refusal(principal, reading.issuer_unit, deps.directory()))
        issued = await uploads.issue_upload(deps, sent, reading)
    except DomainError as exc:  # the answer shows what was read, and why it was refused
        return JSONResponse(
            {**shown, "error": exc.message, **exc.details}, status_code=http_status(exc)
        )
    audit_target(request, directive_id=issued.record.directive.id)
    return JSONResponse({**shown, **issued_json(issued)}, status_code=_status(issued))


@router.get("/api/cascade", tags=["cascade"])
async def cascade_forest(
    deps: DepsOf, principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)]
) -> JSONResponse:
    """The directives this account may see and the documents they implement, as trees."""
    trees = cascade.cascade_forest(_visible(principal, deps, await deps.records.all()))
    return JSONResponse({"trees": [tree.as_json() for tree in trees]})


@router.get("/api/cascade/{key:path}", tags=["cascade"])
async def cascade_tree(
    key: Annotated[str, Path(max_length=200)],
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
) -> JSONResponse:
    """The tree holding a directive, by id or number-symbol ("101-KH/ĐU")."""
    records = _visible(principal, deps, await deps.records.all())
    return JSONResponse(cascade.tree_in(records, key).as_json())


@router.get("/api/directives/{directive_id}", tags=["directives"])
async def show(
    directive_id: SlugPath,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
) -> JSONResponse:
    record = await cascade.show_directive(deps, directive_id)
    principal.require_sees_directive_of(
        record.directive.issuer_unit, deps.directory(), Action.DIRECTIVE_READ
    )
    return JSONResponse(record.model_dump(mode="json"))


LookupText = Annotated[str, Query(min_length=1, max_length=200)]


@router.get("/api/lookup/directive", tags=["lookup"])
async def lookup_directive(
    q: LookupText,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
    issuer: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """The directive a clerk names: its id or number-symbol ("101-KH/ĐU"), with the
    issuing unit (id or name) when two units used the same number; a refusal lists the
    candidates or the nearest numbers, in Vietnamese."""
    directory = deps.directory()
    issuing = lookup.find_unit(directory, issuer) if issuer else None
    records = _visible(principal, deps, await deps.records.all())
    d = lookup.find_directive(records, q, issuing).directive
    return JSONResponse(
        {
            "id": d.id,
            "ref": d.ref,
            "issuer_unit": d.issuer_unit,
            "issuer": d.issuer,
            "title": d.title,
        }
    )


@router.get("/api/lookup/unit", tags=["lookup"])
async def lookup_unit(
    q: LookupText,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.DIRECTIVE_READ)],
) -> JSONResponse:
    """The unit a clerk names: its id, its name, another name, or words of its name; a
    refusal lists the candidates or the nearest names, in Vietnamese."""
    unit = lookup.find_unit(deps.directory(), q)
    return JSONResponse({"id": unit.id, "name": unit.name, "parent": unit.parent})
