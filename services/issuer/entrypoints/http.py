"""The issuer's HTTP API (staff): issue a directive given as JSON or as a document file,
show a directive, the cascade. Each route translates the request, calls a handler and
translates its result; refusals are answered by the app's DomainError handler, except
an upload's, whose answer also shows what was read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse

from services.issuer.deps import Deps
from services.issuer.documents.ingest import contract_json
from services.issuer.documents.reading import MAX_BYTES
from services.issuer.handlers import cascade, issuing, uploads
from shared.contracts import Directive
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


@router.post("/api/directives", status_code=201, tags=["directives"])
async def issue(directive: Directive, deps: DepsOf) -> JSONResponse:
    """Issue a directive given as JSON. Repeating the same request creates nothing new."""
    issued = await issuing.issue_directive(deps, directive)
    return JSONResponse(issued_json(issued), status_code=_status(issued))


@router.post(UPLOAD_PATH, status_code=201, tags=["directives"])
async def upload(
    deps: DepsOf,
    file: Annotated[UploadFile, File(description=".txt, .md, .docx or .pdf")],
    issuer: Annotated[str | None, Form(description="issuing unit id, if ambiguous")] = None,
    ref: Annotated[str | None, Form(description="number-symbol, for a document without")] = None,
    issued_on: Annotated[date | None, Form(description="date, for a document without")] = None,
    preview: Annotated[bool, Form(description="read and show, do not issue")] = False,
    report_form: Annotated[
        str | None,
        Form(alias="form", description="report form of its results requirements"),
    ] = None,
) -> JSONResponse:
    """Read a document, show what was read and the warnings, and issue it (or only
    show it, with preview). The original file is kept and attached to the mails."""
    data = await file.read(MAX_BYTES + 1)
    sent = uploads.Upload(
        data, file.filename or "document.txt", issuer, ref, issued_on, report_form
    )
    reading = await uploads.read_upload(deps, sent)
    shown = {"document": contract_json(reading.document), "issuer_unit": reading.issuer_unit}
    if preview:
        return JSONResponse(shown, status_code=200)
    try:
        issued = await uploads.issue_upload(deps, sent, reading)
    except DomainError as exc:  # the answer shows what was read, and why it was refused
        return JSONResponse(
            {**shown, "error": exc.message, **exc.details}, status_code=http_status(exc)
        )
    return JSONResponse({**shown, **issued_json(issued)}, status_code=_status(issued))


@router.get("/api/cascade", tags=["cascade"])
async def cascade_forest(deps: DepsOf) -> JSONResponse:
    """Every directive and the documents they implement, as trees."""
    trees = await cascade.cascade_forest(deps)
    return JSONResponse({"trees": [tree.as_json() for tree in trees]})


@router.get("/api/cascade/{key:path}", tags=["cascade"])
async def cascade_tree(key: Annotated[str, Path(max_length=200)], deps: DepsOf) -> JSONResponse:
    """The tree holding a directive, by id or number-symbol ("101-KH/ĐU")."""
    return JSONResponse((await cascade.cascade_tree(deps, key)).as_json())


@router.get("/api/directives/{directive_id}", tags=["directives"])
async def show(directive_id: SlugPath, deps: DepsOf) -> JSONResponse:
    record = await cascade.show_directive(deps, directive_id)
    return JSONResponse(record.model_dump(mode="json"))
