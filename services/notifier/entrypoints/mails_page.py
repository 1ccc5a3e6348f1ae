"""The staff console's mail timeline of a directive (/directives/{id}/mails): what was
mailed to whom and when, reminders and chasers, and resending one unit's link."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.notifier.adapters import timeline
from services.notifier.console import view
from services.notifier.deps import Deps
from services.notifier.handlers.resend import NONCE, resend_assignment
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.console import Console
from shared.contracts import AssignmentCreated
from shared.directory import Directory
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN, is_slug
from shared.vietnamese import document_title
from shared.web import SlugPath

router = APIRouter(tags=["console"])
CONSOLE = Console(Path(__file__).parents[1] / "console" / "templates", css="mails.css.j2")

DepsOf = Annotated[Deps, Depends(deps_of)]
Reader = Annotated[Principal, staff(Action.DIRECTIVE_READ)]
Resender = Annotated[Principal, staff(Action.LINK_RESEND)]
FormSlug = Annotated[str, Form(pattern=SLUG_PATTERN, max_length=128)]
Nonce = Annotated[str, Form(pattern=NONCE.pattern)]


def _require_sees(
    principal: Principal, first: AssignmentCreated | None, directory: Directory, action: Action
) -> None:
    """The directive's issuer (any assignment names it) and the units above and below it
    see it; a directive without assignments (notices only) shows only the mails to the
    units the principal reads, which received it."""
    if first is not None:
        principal.require_sees_directive_of(first.assignment.issuer_unit, directory, action)


def _title(first: AssignmentCreated | None, directive_id: str) -> str:
    if first is None:
        return f"Thư đã gửi — văn bản {directive_id}"
    a = first.assignment
    return f"Thư đã gửi — {document_title(a.directive_kind, a.directive_ref)}"


def _requested_by(principal: Principal, directory: Directory) -> str:
    return directory.name(principal.unit_id) if principal.unit_id else "quản trị hệ thống"


@router.get("/directives/{directive_id}/mails", response_class=HTMLResponse)
async def mails_page(
    request: Request,
    directive_id: SlugPath,
    deps: DepsOf,
    principal: Reader,
    unit: str = "",
    resent: str = "",
    to: str = "",
) -> HTMLResponse:
    """The timeline, newest first, of the units the principal reads; ``unit``: only one;
    ``resent``/``to``: what came of a resend just made (the form redirects here)."""
    directory = deps.directory()
    assignments, records = await asyncio.gather(
        timeline.directive_assignments(deps.js, directive_id),
        timeline.directive_mails(deps.js, directive_id),
    )
    first = assignments[0] if assignments else None
    _require_sees(principal, first, directory, Action.DIRECTIVE_READ)
    unit = unit if is_slug(unit) else ""
    if unit:
        principal.require_reads(unit, directory, Action.DIRECTIVE_READ)
    actions = {e.assignment.requirement.id: e.assignment.requirement.action for e in assignments}
    rows = [
        r
        for r in view.mail_rows(records, directive_id, directory, actions)
        if principal.reads(r.unit_id, directory)
    ]
    assigned = view.assigned_rows(assignments, rows, principal, directory)
    choices = sorted(
        {(r.unit_name, r.unit_id) for r in rows} | {(a.unit_name, a.unit_id) for a in assigned}
    )
    if unit:
        rows = [r for r in rows if r.unit_id == unit]
        assigned = [a for a in assigned if a.unit_id == unit]
    shown_to = is_slug(to) and principal.reads(to, directory)
    message, error = view.outcome_notice(resent, directory.name(to) if shown_to else "đơn vị")
    return CONSOLE.page(
        request,
        principal,
        "mails.html.j2",
        title=_title(first, directive_id),
        message=message,
        error=error,
        directive_id=directive_id,
        directive_title=first.assignment.directive_title if first else "",
        rows=rows,
        summary=view.summary(rows),
        assigned=assigned,
        may_resend=any(a.resendable for a in assigned),
        choices=[{"id": i, "name": n} for n, i in choices],
        unit=unit,
        filter_name=directory.name(unit) if unit else "",
        nonce=secrets.token_hex(16),  # one per page: each click of its forms sends once
    )


@router.post("/directives/{directive_id}/mails/resend")
async def resend_link(
    request: Request,
    directive_id: SlugPath,
    deps: DepsOf,
    principal: Resender,
    unit: FormSlug,
    requirement: FormSlug,
    nonce: Nonce,
) -> Response:
    """Mail the unit its assignment again, once per click (the form's nonce), then back
    to the timeline saying what came of it. Only the staff of the unit the report goes
    to may, as only they may revoke its link (services/reporter, require_reviewer)."""
    directory = deps.directory()
    event = await timeline.assignment_event(deps.js, directive_id, unit, requirement)
    # the event names the directive's issuer; without it any other assignment does, so
    # that an account outside the directive is refused before it learns what is assigned
    seen = event or await timeline.first_assignment(deps.js, directive_id)
    _require_sees(principal, seen, directory, Action.LINK_RESEND)
    if event is None:
        return CONSOLE.page(
            request,
            principal,
            "refused.html.j2",
            status=404,
            title="Không gửi lại được",
            error=f"{directory.name(unit)} không được giao yêu cầu báo cáo này của văn bản, "
            "nên không có đường dẫn nào để gửi lại.",
            directive_id=directive_id,
        )
    a = event.assignment
    principal.require_acts_as(a.reviewing_unit, directory, Action.LINK_RESEND)
    outcome = await resend_assignment(deps, event, nonce, _requested_by(principal, directory))
    back = f"/directives/{directive_id}/mails?{urlencode({'resent': outcome, 'to': unit})}"
    return RedirectResponse(back, status_code=303)
