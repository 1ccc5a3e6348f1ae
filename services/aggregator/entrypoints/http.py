"""The aggregator's staff API: the synthesis (JSON, or the báo cáo tổng hợp as a
document) and its approval. Refusals are the handlers' raised errors, answered by the
service's exception handler (``{"error": ..., "reason": ...}`` for a conflict)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from services.aggregator.deps import Deps
from services.aggregator.documents import html, markdown
from services.aggregator.documents.report import build_report
from services.aggregator.handlers import approval, synthesis
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.web import SlugPath

MARKDOWN = "text/markdown; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = APIRouter(tags=["synthesis"])


@router.get("/api/directives/{directive_id}/synthesis")
async def get_synthesis(
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_READ)],
    unit: str | None = Query(
        None,
        description="unit whose subtree to sum; the issuer if unset",
        pattern=SLUG_PATTERN,
        max_length=128,
    ),
    format: str = Query("json", pattern="^(json|md|html|docx)$"),
) -> Response:
    """The synthesis; md, html and docx give the báo cáo tổng hợp as a document."""
    s = await synthesis.get_synthesis(deps, directive_id, unit)
    principal.require_reads(s.unit.id, deps.directory(), Action.SYNTHESIS_READ)
    if format == "json":
        return JSONResponse(s.model_dump(mode="json"))
    report = build_report(s)
    if format == "md":
        return PlainTextResponse(markdown.render(report), media_type=MARKDOWN)
    if format == "html":
        return HTMLResponse(html.render(report))
    # python-docx (and lxml) load on the first document asked for, not at start-up.
    from services.aggregator.documents import docx

    name = f"bao-cao-{directive_id}-{s.unit.id}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(docx.render(report), media_type=DOCX, headers=disposition)


@router.post("/api/directives/{directive_id}/synthesis/approve")
async def approve_synthesis(
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_APPROVE)],
    requirement: str | None = Query(
        None, description="the first results one if unset", max_length=128
    ),
) -> JSONResponse:
    """The issuer's leaders approve its synthesis: it goes up as the issuer's report on
    the parent directive it implements."""
    issuer = await approval.issuer_of(deps, directive_id)
    principal.require_acts_as(issuer, deps.directory(), Action.SYNTHESIS_APPROVE)
    event = await approval.approve(deps, directive_id, requirement, approved_by=principal.named)
    return JSONResponse(
        {
            "event_id": event.event_id,
            "directive_id": event.directive_id,
            "requirement_id": event.requirement_id,
            "unit_id": event.unit_id,
            "target_directive_id": event.target_directive_id,
            "target_requirement_id": event.target_requirement_id,
            "values": event.model_dump(mode="json")["values"],
        },
        status_code=201,
    )
