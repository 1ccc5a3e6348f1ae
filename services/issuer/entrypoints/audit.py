"""The audit trail for the staff: ``GET /audit`` (a page in the console's frame) and
``GET /api/audit`` (JSON, or CSV with ``format=csv``), each limited to the asker's
subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BeforeValidator

from services.issuer.deps import Deps
from services.issuer.handlers.audit_log import AuditQuery, audit_entries
from shared.auth.audit import AuditEntry, as_csv
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import ACTION_NAMES, ROLE_NAMES, Action, Role
from shared.console import Console
from shared.service import deps_of
from shared.vietnamese import format_instant

router = APIRouter(tags=["audit"])
DepsOf = Annotated[Deps, Depends(deps_of)]
CONSOLE = Console(Path(__file__).parents[1] / "templates", css="audit.css.j2")
# What each action is called on the page (the CSV keeps the codes); the sign-in routes
# and the command line's own are not staff actions of the roles table.
ACTIONS = {
    **{a.value: name for a, name in ACTION_NAMES.items()},
    "login": "đăng nhập",
    "logout": "đăng xuất",
    "token.create": "cấp mã truy cập",
}
OUTCOMES = {
    "ok": "thành công",
    "unauthenticated": "chưa đăng nhập",
    "forbidden": "không có quyền",
    "refused": "bị từ chối",
    "failed": "lỗi",
}


Unit = Annotated[str | None, Query(max_length=128, description="done by or to this unit")]
User = Annotated[str | None, Query(max_length=64, description="done by this account")]
# The page's filter form sends a date field left empty as "": no bound, not an error.
Day = Annotated[date | None, BeforeValidator(lambda v: v or None), Query()]


@dataclass
class Filters:
    """The query parameters the page and the API take, as FastAPI reads them."""

    unit: Unit = None
    user: User = None
    since: Day = None  # from this day
    until: Day = None  # up to this day, included

    def query(self) -> AuditQuery:
        start = datetime.combine(self.since, time(), UTC) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time(), UTC) if self.until else None
        return AuditQuery(self.unit or None, self.user or None, start, end)

    def given(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if v}


FiltersOf = Annotated[Filters, Depends()]


@router.get("/api/audit")
async def audit_api(
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.AUDIT_READ)],
    filters: FiltersOf,
    format: Literal["json", "csv"] = "json",
) -> Response:
    entries = await audit_entries(deps.js, deps.directory(), principal, filters.query())
    if format == "csv":
        return Response(
            as_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="nhat-ky-thao-tac.csv"'},
        )
    return JSONResponse({"entries": [e.model_dump(mode="json") for e in entries]})


def _shown(entry: AuditEntry, deps: Deps) -> dict:
    directory = deps.directory()
    target = " / ".join(
        t
        for t in (
            entry.directive_id,
            directory.name(entry.target_unit_id) if entry.target_unit_id else None,
            entry.requirement_id,
        )
        if t
    )
    return {
        "at": format_instant(entry.at),
        "actor": entry.actor,
        "actor_name": entry.actor_name,
        "unit": directory.name(entry.unit_id) if entry.unit_id else "",
        "roles": ", ".join(ROLE_NAMES[r] for r in Role if r.value in entry.roles),
        "action": ACTIONS.get(entry.action, entry.action),
        "target": target or entry.path,
        "outcome": entry.outcome,
        "outcome_name": OUTCOMES.get(entry.outcome, entry.outcome),
        "address": entry.address,
    }


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.AUDIT_READ)],
    filters: FiltersOf,
) -> HTMLResponse:
    query = filters.query()
    entries = await audit_entries(deps.js, deps.directory(), principal, query)
    given = filters.given()
    return CONSOLE.page(
        request,
        principal,
        "audit.html.j2",
        title="Nhật ký thao tác",
        scope=deps.directory().name(principal.unit_id) if principal.unit_id else "mọi đơn vị",
        query=query,
        since=filters.since.isoformat() if filters.since else "",
        until=filters.until.isoformat() if filters.until else "",
        csv_query=("&" + urlencode(given)) if given else "",
        entries=[_shown(e, deps) for e in reversed(entries)],
    )
