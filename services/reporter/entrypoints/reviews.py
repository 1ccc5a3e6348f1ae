"""The staff console's review queue (/reviews): the child units' reports waiting for a
decision, across directives.

The queue is the reviewing unit's keys in ``reporter_review_queue`` (adapters/
review_queue.py): listing it reads no report. One report is opened, and accepted or
returned with a reason, on its own page (``/reports/{d}/{u}/{r}``, ``http``); several are
accepted at once here, each through the same handler and the same scope check as that
page, so a report to another unit is refused one by one, in words."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.reporter.deps import Deps
from services.reporter.domain.refusals import NotReported
from services.reporter.entrypoints.http import require_reviewer
from services.reporter.handlers import reviews
from services.reporter.reviews import (
    MAX_SELECTED,
    Outcome,
    grouped,
    parsed_item,
    refusal_line,
)
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.console import Console
from shared.errors import Busy, DomainError, Forbidden, NotFound
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN, is_slug
from shared.vietnamese import document_title, format_number

ACCEPTING_AT_ONCE = 16  # reviews of one post running at the same time

router = APIRouter(tags=["console"])

CONSOLE = Console(Path(__file__).parents[1] / "reviews" / "templates", css="reviews.css.j2")
TITLE = "Duyệt báo cáo"

DepsOf = Annotated[Deps, Depends(deps_of)]
Reviewer = Annotated[Principal, staff(Action.REPORT_REVIEW)]
UnitQuery = Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)]


def _reviewer(deps: Deps, principal: Principal, unit: str | None) -> str | None:
    """The unit whose queue is shown: the account's own; the operator names one
    (None: not yet). Another unit's queue is refused as its review would be."""
    if unit is None:
        return principal.unit_id
    principal.require_acts_as(unit, deps.directory(), Action.REPORT_REVIEW)
    return unit


@router.get("/reviews", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    deps: DepsOf,
    principal: Reviewer,
    unit: UnitQuery = None,
    accepted: Annotated[int | None, Query(ge=0, le=MAX_SELECTED)] = None,
    refused: Annotated[list[str] | None, Query(max_length=40)] = None,
    more: Annotated[int, Query(ge=0, le=MAX_SELECTED)] = 0,
    error: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    reviewer = _reviewer(deps, principal, unit)
    message = ""
    if accepted:
        message = f"Đã chấp nhận {format_number(accepted)} báo cáo."
    refusals = await _refusal_lines(deps, refused or [], more)
    nothing = "Chưa chọn báo cáo nào: đánh dấu các báo cáo cần chấp nhận rồi bấm nút."
    return await _render(
        request, deps, principal, reviewer, message, refusals,
        error=nothing if error == "none" else "",
    )  # fmt: skip


async def _refusal_lines(deps: Deps, refused: list[str], more: int) -> list[str]:
    lines = []
    for entry in refused:
        value, _, reason = entry[:300].rpartition(":")
        ids = parsed_item(value)
        if ids is None:
            lines.append(refusal_line("Mục không hợp lệ", reason))
            continue
        where = ids[0]
        if reason != "scope":  # a directive of another branch is not named to this one
            issued = await deps.reports.directive_issued(ids[0])
            if issued is not None:
                where = document_title(issued.directive.kind, issued.directive.ref)
        lines.append(refusal_line(f"{deps.directory().name(ids[1])} ({where})", reason))
    if more:
        lines.append(f"… và {format_number(more)} báo cáo khác không chấp nhận được.")
    return lines


async def _render(
    request: Request,
    deps: Deps,
    principal: Principal,
    reviewer: str | None,
    message: str = "",
    refusals: list[str] | None = None,
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    items = await deps.queue.waiting(reviewer) if reviewer else []
    directory = deps.directory()
    return CONSOLE.page(
        request,
        principal,
        "reviews.html.j2",
        status,
        title=TITLE,
        message=message,
        error=error,
        refusals=refusals or [],
        reviewer=reviewer,
        reviewer_name=directory.name(reviewer) if reviewer else "",
        operator=principal.is_operator,
        units=(
            sorted(((u.id, u.name) for u in directory), key=lambda p: p[1])
            if principal.is_operator
            else []
        ),
        groups=grouped(items[:MAX_SELECTED]),
        total=len(items),
        shown=min(len(items), MAX_SELECTED),
        max_selected=MAX_SELECTED,
    )


@router.post("/reviews/accept", response_class=HTMLResponse)
async def accept_selected(request: Request, deps: DepsOf, principal: Reviewer) -> Response:
    """Accept each selected report as its own page would, then back to the queue."""
    posted = await request.form()
    raw_unit = str(posted.get("unit") or "")
    unit = raw_unit if is_slug(raw_unit) else None
    values = list(dict.fromkeys(str(v) for v in posted.getlist("item")))
    back = "/reviews"
    if len(values) > MAX_SELECTED:
        reviewer = _reviewer(deps, principal, unit)
        too_many = (
            f"Mỗi lần chỉ chấp nhận được nhiều nhất {format_number(MAX_SELECTED)} báo cáo; "
            f"đã chọn {format_number(len(values))}. Đề nghị chọn ít hơn rồi gửi lại."
        )
        return await _render(request, deps, principal, reviewer, status=422, error=too_many)
    if not values:
        query = "error=none" + (f"&unit={unit}" if unit else "")
        return RedirectResponse(f"{back}?{query}", status_code=303)
    # distinct reports, each its own review: a few at a time rather than one after another
    limit = asyncio.Semaphore(ACCEPTING_AT_ONCE)

    async def accept(value: str) -> str | None:
        async with limit:
            return await _accept_one(deps, principal, value)

    reasons = await asyncio.gather(*(accept(v) for v in values))
    outcome = Outcome()
    for value, reason in zip(values, reasons, strict=True):
        if reason is None:
            outcome.accepted += 1
        else:
            outcome.refused.append((value[:200], reason))
    # one post, one audit entry: it says which reports it accepted and which it could not
    request.state.audit_detail = outcome.detail(values)
    return RedirectResponse(f"{back}?{outcome.query(unit)}", status_code=303)


async def _accept_one(deps: Deps, principal: Principal, value: str) -> str | None:
    """Accept one report; None when it is accepted, else the key of ``REASONS``."""
    ids = parsed_item(value)
    if ids is None:
        return "invalid"
    d, u, r = ids
    try:
        await require_reviewer(deps, principal, d, r, Action.REPORT_REVIEW)
        await reviews.review_report(deps, d, u, r, "accepted", "")
    except Forbidden:
        return "scope"
    except NotReported:
        return "not_reported"
    except NotFound:
        return "unknown"
    except Busy:
        return "busy"
    except DomainError:
        return "refused"
    return None
