"""Recalling a directive (handlers/recalls.py): the API, and the form on the directive's
page in the console (``/directives/{id}/recall``, routed to the issuer by the front and
the staff Ingress). The leader (``directive.recall``: lãnh đạo) of the issuing unit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import Field

from services.issuer.deps import Deps
from services.issuer.handlers.recalls import Recalled, recall_directive
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import Contract
from shared.contracts.events import MAX_RECALL_REASON
from shared.errors import Conflict, Invalid, NotFound, http_status
from shared.service import deps_of
from shared.web import SlugPath, plain_error

router = APIRouter()

DepsOf = Annotated[Deps, Depends(deps_of)]
Recaller = Annotated[Principal, staff(Action.DIRECTIVE_RECALL)]


class RecallRequest(Contract):
    reason: str = Field(max_length=MAX_RECALL_REASON + 1000)


async def require_issuer(
    deps: Deps, principal: Principal, directive_id: str, action: Action
) -> None:
    """NotFound for a directive never issued; Forbidden unless the account acts for the
    unit that issued it (recalling, correcting, replacing: its own leader's)."""
    record = await deps.records.get(directive_id)
    if record is None:
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    principal.require_acts_as(record.directive.issuer_unit, deps.directory(), action)


async def _recall(deps: Deps, principal: Principal, directive_id: str, reason: str) -> Recalled:
    await require_issuer(deps, principal, directive_id, Action.DIRECTIVE_RECALL)
    return await recall_directive(deps, directive_id, reason, principal.named)


@router.post("/api/directives/{directive_id}/recall", status_code=201, tags=["directives"])
async def recall(
    directive_id: SlugPath, request: RecallRequest, deps: DepsOf, principal: Recaller
) -> JSONResponse:
    """Recall (thu hồi) a directive the account's unit issued, with the reason every unit
    it reached is mailed; its links then answer that it was recalled. Again: 200."""
    done = await _recall(deps, principal, directive_id, request.reason)
    body = {
        "directive_id": directive_id,
        **done.event.recall.model_dump(mode="json"),
        "implementing": done.event.implementing,
        "created": done.created,
    }
    return JSONResponse(body, status_code=201 if done.created else 200)


@router.post("/directives/{directive_id}/recall", tags=["pages"])
async def recall_page(
    http: Request, directive_id: SlugPath, deps: DepsOf, principal: Recaller
) -> Response:
    """The directive page's "Thu hồi văn bản" form; back to the page, which says so."""
    posted = await http.form()
    reason = str(posted.get("reason") or "")[: MAX_RECALL_REASON + 1000]
    try:
        await _recall(deps, principal, directive_id, reason)
    except (Invalid, Conflict) as exc:  # said in words; another unit's is a 403 as always
        return plain_error(http.url.path, http_status(exc), exc.message)
    return RedirectResponse(f"/directives/{directive_id}?recalled=true", status_code=303)
