"""The staff console's synthesis page (/directives/{id}/synthesis): the báo cáo tổng hợp,
the staff's own sections, approval. Each route checks its unit: any unit whose subtree it
is may read; only the unit's own staff write its sections and approve it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Form as FormField
from fastapi.responses import RedirectResponse, Response

from services.aggregator.console.periods import PeriodQuery
from services.aggregator.deps import Deps
from services.aggregator.domain.notes import MAX_CHARS
from services.aggregator.domain.synthesis import Written
from services.aggregator.entrypoints.pages import (
    NOT_SENT,
    NOT_SENT_OTHERWISE,
    PAGE_NOT_FOUND,
    SENT,
)
from services.aggregator.handlers import approval, notes
from services.aggregator.handlers.directive_scope import directive_of, in_tree, shown_unit
from services.aggregator.handlers.synthesis import get_synthesis, get_synthesis_and_revision
from services.aggregator.synthesis_page import view
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import NotFound, http_status
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.web import SlugPath, plain_error

router = APIRouter(tags=["console"])

OUTSIDE = (
    "{unit} không thuộc các đơn vị thực hiện văn bản này, nên không có báo cáo tổng hợp "
    "của văn bản này để viết."
)

Unit = Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)]
# Far past the sections' own limit: a longer text is refused by the form (kept, with
# words); this only bounds what a request may make the service parse.
Text = Annotated[str, FormField(max_length=10 * MAX_CHARS)]


@router.get("/directives/{directive_id}/synthesis")
async def synthesis_page(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_READ)],
    unit: Unit = None,
    saved: Annotated[bool, Query()] = False,
    period: PeriodQuery = None,
) -> Response:
    """The synthesis as it stands for ``unit`` (the staff's own by default), for those
    who see the directive, as its page is (``handlers/directive_scope.py``); ``period``:
    which period of a recurring requirement it shows."""
    directory = deps.directory()
    try:
        issued = await directive_of(deps, directive_id)
        principal.require_sees_directive_of(
            issued.directive.issuer_unit, directory, Action.SYNTHESIS_READ
        )
        shown = shown_unit(principal, issued, directory, unit, Action.SYNTHESIS_READ)
        s, revision = await get_synthesis_and_revision(deps, directive_id, shown)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    ctx = await view.context(deps, principal, s, view.Draft(s.written, revision), period)
    return view.render(request, principal, ctx, message=view.SAVED if saved else "")


@router.post("/directives/{directive_id}/synthesis/notes")
async def save_notes(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_EDIT)],
    unit: Annotated[str, FormField(pattern=SLUG_PATTERN, max_length=128)],
    revision: Annotated[int, FormField(ge=0)] = 0,
    assessment: Text = "",
    lessons: Text = "",
    next_steps: Text = "",
) -> Response:
    """Save the unit's own sections over the revision the form was loaded with."""
    directory = deps.directory()
    principal.require_acts_as(unit, directory, Action.SYNTHESIS_EDIT)
    try:
        issuer = await approval.issuer_of(deps, directive_id)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    if not in_tree(unit, issuer, directory):
        # A unit outside the directive's tree has no synthesis of it to write in.
        return plain_error(request.url.path, 403, OUTSIDE.format(unit=directory.name(unit)))
    typed = Written(assessment=assessment, lessons=lessons, next_steps=next_steps)
    by = principal.display_name
    result = await notes.save_notes(deps, directive_id, unit, typed, revision, by)
    if result.refused is None:
        query = urlencode({"unit": unit, "saved": "1"})
        return RedirectResponse(f"/directives/{directive_id}/synthesis?{query}", 303)
    try:
        s = await get_synthesis(deps, directive_id, unit)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    draft = view.Draft(result.written, result.revision, result.theirs, result.fields)
    ctx = await view.context(deps, principal, s, draft)
    status = 422 if result.refused == "too_long" else 409
    return view.render(request, principal, ctx, status, error=view.refusal_words(draft))


@router.post("/directives/{directive_id}/synthesis/approve")
async def approve(
    request: Request,
    deps: Annotated[Deps, Depends(deps_of)],
    directive_id: SlugPath,
    principal: Annotated[Principal, staff(Action.SYNTHESIS_APPROVE)],
) -> Response:
    """The leader approves: the synthesis, with its saved sections, goes up as the unit's
    report, by the status page's own handler."""
    try:
        issuer = await approval.issuer_of(deps, directive_id)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    principal.require_acts_as(issuer, deps.directory(), Action.SYNTHESIS_APPROVE)
    try:
        result = await approval.approve_from_status_page(deps, directive_id, None, principal.named)
    except NotFound:
        return plain_error(request.url.path, 404, PAGE_NOT_FOUND)
    s = result.synthesis
    ctx = await view.context(deps, principal, s, view.Draft(s.written, result.notes_revision))
    refused = result.refused
    if refused is None:
        return view.render(request, principal, ctx, message=SENT)
    words = NOT_SENT.get(refused.details.get("reason", ""), NOT_SENT_OTHERWISE)
    return view.render(request, principal, ctx, http_status(refused), error=words)
