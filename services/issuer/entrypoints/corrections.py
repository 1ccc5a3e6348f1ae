"""Correcting (đính chính) and replacing (thay thế) a directive: the API, and the forms
on the directive's page in the console (``/directives/{id}/correct`` and ``/replace``,
routed to the issuer by the front and the staff Ingress). Both are the leader's
(``directive.correct``, ``directive.replace``: lãnh đạo) of the issuing unit."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import AwareDatetime, Field

from services.issuer.deps import Deps
from services.issuer.domain.corrections import MAX_TITLE, CorrectionRequest
from services.issuer.domain.draft import due_instant
from services.issuer.entrypoints.recall import require_issuer
from services.issuer.handlers.corrections import CorrectedDirective, correct_directive
from services.issuer.handlers.replacements import Replaced, replace_directive
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import Contract, Slug
from shared.contracts.events import MAX_RECALL_REASON
from shared.errors import Conflict, DomainError, Invalid, http_status
from shared.service import deps_of
from shared.vietnamese import parse_day
from shared.web import SlugPath, plain_error

router = APIRouter()

DepsOf = Annotated[Deps, Depends(deps_of)]
Corrector = Annotated[Principal, staff(Action.DIRECTIVE_CORRECT)]
Replacer = Annotated[Principal, staff(Action.DIRECTIVE_REPLACE)]
MAX_UNITS = 2000  # units one correction adds or takes off
_TEXT = MAX_RECALL_REASON + 1000  # what a form field may carry before it is refused


class RequirementFix(Contract):
    due_before: AwareDatetime


class CorrectRequest(Contract):
    reason: str = Field(max_length=_TEXT)
    title: str | None = Field(None, max_length=MAX_TITLE + 100)
    requirements: dict[Slug, RequirementFix] = Field(default_factory=dict, max_length=100)
    add_units: list[Slug] = Field(default_factory=list, max_length=MAX_UNITS)
    remove_units: list[Slug] = Field(default_factory=list, max_length=MAX_UNITS)


class ReplaceRequest(Contract):
    reason: str = Field(max_length=_TEXT)
    by: Slug


async def _correct(
    deps: Deps, principal: Principal, directive_id: str, request: CorrectionRequest
) -> CorrectedDirective:
    await require_issuer(deps, principal, directive_id, Action.DIRECTIVE_CORRECT)
    return await correct_directive(deps, directive_id, request, principal.named)


@router.post("/api/directives/{directive_id}/correct", status_code=201, tags=["directives"])
async def correct(
    directive_id: SlugPath, request: CorrectRequest, deps: DepsOf, principal: Corrector
) -> JSONResponse:
    """Correct (đính chính) a directive the account's unit issued: its title, the
    deadlines of its requirements, units added or taken off, with the reason every unit
    it reached is mailed with the changes. Reports already made stay. Again: 200."""
    asked = CorrectionRequest(
        reason=request.reason,
        title=request.title,
        due={rid: fix.due_before for rid, fix in request.requirements.items()},
        add=tuple(request.add_units),
        remove=tuple(request.remove_units),
    )
    done = await _correct(deps, principal, directive_id, asked)
    body = {
        "directive_id": directive_id,
        **done.event.correction.model_dump(mode="json"),
        "implementing": done.event.implementing,
        "created": done.created,
    }
    return JSONResponse(body, status_code=201 if done.created else 200)


def _form_request(posted: dict[str, str], removed: list[str]) -> CorrectionRequest:
    """The page's form as a request; Invalid for a day that is not one."""
    due: dict[str, datetime] = {}
    for name, value in posted.items():
        if name.startswith("due.") and value.strip():
            try:
                due[name[4:]] = datetime.fromisoformat(due_instant(parse_day(value)))
            except ValueError as exc:
                raise Invalid(str(exc), problems={name: str(exc)}) from exc
    added = [u for u in re.split(r"[\s,;]+", posted.get("add", "")) if u]
    return CorrectionRequest(
        reason=posted.get("reason", ""),
        title=posted.get("title") or None,
        due=due,
        add=tuple(added[:MAX_UNITS]),
        remove=tuple(removed[:MAX_UNITS]),
    )


@router.post("/directives/{directive_id}/correct", tags=["pages"])
async def correct_page(
    http: Request, directive_id: SlugPath, deps: DepsOf, principal: Corrector
) -> Response:
    """The directive page's "Đính chính văn bản" form; back to the page, which says so."""
    form = await http.form()
    posted = {k: str(v)[:_TEXT] for k, v in form.items() if isinstance(v, str)}
    removed = [str(v) for v in form.getlist("remove") if isinstance(v, str)]
    try:
        done = await _correct(deps, principal, directive_id, _form_request(posted, removed))
    except (Invalid, Conflict) as exc:  # said in words; another unit's is a 403 as always
        return plain_error(http.url.path, http_status(exc), _words(exc))
    number = done.event.correction.number
    return RedirectResponse(f"/directives/{directive_id}?corrected={number}", status_code=303)


def _words(exc: DomainError) -> str:
    problems = getattr(exc, "problems", None) or {}
    return " ".join(dict.fromkeys(problems.values())) or exc.message


async def _replace(
    deps: Deps, principal: Principal, directive_id: str, by_id: str, reason: str
) -> Replaced:
    await require_issuer(deps, principal, directive_id, Action.DIRECTIVE_REPLACE)
    return await replace_directive(deps, directive_id, by_id, reason, principal.named)


@router.post("/api/directives/{directive_id}/replace", status_code=201, tags=["directives"])
async def replace(
    directive_id: SlugPath, request: ReplaceRequest, deps: DepsOf, principal: Replacer
) -> JSONResponse:
    """Replace (thay thế) a directive the account's unit issued by another it issued:
    the old one is recalled with ``replaced_by``, its units told to report under the new
    one. ``not_reached``: units the old one assigned that the new one does not. Again: 200."""
    done = await _replace(deps, principal, directive_id, request.by, request.reason)
    recalled = done.recalled
    body = {
        "directive_id": directive_id,
        **recalled.event.recall.model_dump(mode="json"),
        "implementing": recalled.event.implementing,
        "not_reached": done.not_reached,
        "created": recalled.created,
    }
    return JSONResponse(body, status_code=201 if recalled.created else 200)


@router.post("/directives/{directive_id}/replace", tags=["pages"])
async def replace_page(
    http: Request, directive_id: SlugPath, deps: DepsOf, principal: Replacer
) -> Response:
    """The directive page's "Thay thế bằng văn bản khác" form; back to the page."""
    form = await http.form()
    reason = str(form.get("reason") or "")[:_TEXT]
    by_id = str(form.get("by") or "")[:200]
    try:
        await _replace(deps, principal, directive_id, by_id, reason)
    except (Invalid, Conflict) as exc:
        return plain_error(http.url.path, http_status(exc), _words(exc))
    return RedirectResponse(f"/directives/{directive_id}?replaced=true", status_code=303)
