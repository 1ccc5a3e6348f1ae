"""The staff console's lateness ranking (/units/lateness): over all directives of the
account's subtree, which units are most often late.

``?unit=`` narrows it to a unit of the account's subtree (the units page links each
unit here); a unit outside it is refused as its reports would be. The reading is
``lateness/scan.py`` (bounded, and why), the counting ``lateness/ranking.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.aggregator.deps import Deps
from services.aggregator.lateness.ranking import TOP
from services.aggregator.lateness.scan import scan
from services.aggregator.lateness.view import lateness_view
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.console import Console
from shared.errors import NotFound
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.vietnamese import format_number

router = APIRouter(tags=["console"])

CONSOLE = Console(Path(__file__).parents[1] / "lateness" / "templates", css="lateness.css.j2")
TITLE = "Đơn vị nộp báo cáo muộn"
DepsOf = Annotated[Deps, Depends(deps_of)]


@router.get("/units/lateness", response_class=HTMLResponse)
async def lateness_page(
    request: Request,
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.REPORT_READ)],
    unit: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)] = None,
) -> HTMLResponse:
    directory = deps.directory()
    unit_id = unit or principal.unit_id
    context: dict[str, Any] = {
        "title": TITLE,
        "n": {},
        "top": TOP,
        "own_unit": principal.unit_id,
    }
    if unit_id is None:  # the operator: no unit of its own, so it picks one
        roots = [{"id": r, "name": directory.name(r)} for r in directory.roots()]
        return CONSOLE.page(
            request, principal, "lateness.html.j2", view=None, roots=roots, **context
        )
    if unit_id not in directory:
        raise NotFound(f"unit '{unit_id}' is not in the directory")
    principal.require_reads(unit_id, directory, Action.REPORT_READ)
    found = await scan(deps, unit_id, deps.clock.now())
    view = lateness_view(unit_id, found, directory)
    title = f"{TITLE}: {view.unit_name}" if unit else TITLE
    context["title"] = title
    context["n"] = {
        "directives": format_number(view.directives),
        "units_owing": format_number(view.units_owing),
        "units_behind": format_number(view.units_behind),
    }
    return CONSOLE.page(request, principal, "lateness.html.j2", view=view, roots=[], **context)
