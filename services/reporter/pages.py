"""The page a signed link opens: one unit's report on one requirement, server-rendered,
usable without JavaScript, in Vietnamese. A tampered link or an expired one gets a page
that says so plainly."""

from __future__ import annotations

import math
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.reporter import log as reports
from services.reporter.accept import Refused, accept
from services.reporter.metrics import ReporterMetrics
from shared.contracts import SubmissionRequest
from shared.forms import FIGURE_LABELS
from shared.links import LinkClaims, LinkError, Links
from shared.service import Service
from shared.vietnamese import document_title, format_date, format_deadline, format_instant

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

LINK_ERRORS = {
    "invalid": (
        403,
        "Đường dẫn không hợp lệ",
        "Đường dẫn này không đúng hoặc đã bị sửa đổi, nên không mở được báo cáo của đơn vị nào.",
    ),
    "expired": (
        410,
        "Đường dẫn đã hết hạn",
        "Thời hạn báo cáo và thời gian gia hạn của đường dẫn này đã qua.",
    ),
}


def install(service: Service, links: Links, metrics: ReporterMetrics) -> None:
    async def claims_or_page(request: Request, token: str) -> LinkClaims | HTMLResponse:
        try:
            return links.verify(token)
        except LinkError as exc:
            status, heading, explanation = LINK_ERRORS[exc.reason]
            metrics.refused.labels(f"link_{exc.reason}").inc()
            return TEMPLATES.TemplateResponse(
                request,
                "link_error.html.j2",
                {"heading": heading, "explanation": explanation},
                status_code=status,
            )

    async def render(
        request: Request,
        claims: LinkClaims,
        values: dict[str, str],
        narrative: str,
        problems: dict[str, str],
        status: int = 200,
    ) -> HTMLResponse:
        assigned = await reports.assignment(
            service.js, claims.directive_id, claims.unit_id, claims.requirement_id
        )
        if assigned is None:
            status_, heading, explanation = LINK_ERRORS["invalid"]
            return TEMPLATES.TemplateResponse(
                request,
                "link_error.html.j2",
                {"heading": heading, "explanation": explanation},
                status_code=status_,
            )
        a = assigned.assignment
        found = await reports.latest(
            service.js, claims.directive_id, claims.unit_id, claims.requirement_id
        )
        previous = found[0].submission if found else None
        if previous and not values and not narrative:
            values = {k: _number(v) for k, v in previous.figures.items()}
            narrative = previous.narrative
        fields = [
            {
                "name": name,
                "label": label,
                "value": values.get(name, ""),
                "problem": problems.get(name),
            }
            for name, label in FIGURE_LABELS.items()
        ]
        return TEMPLATES.TemplateResponse(
            request,
            "submission.html.j2",
            {
                "unit_name": service.directory.name(a.unit_id),
                "document": document_title(a.directive_kind, a.directive_ref),
                "issued_on": format_date(a.directive_issued_on),
                "issuer": a.issuer,
                "title": a.directive_title,
                "action": a.requirement.action,
                "to_name": service.directory.name(a.requirement.to_unit or a.issuer_unit),
                "deadline": format_deadline(a.requirement.due_before),
                "previous": {
                    "version": previous.version,
                    "received": format_instant(previous.first_received_at),
                    "on_time": previous.on_time,
                }
                if previous
                else None,
                "fields": fields,
                "narrative": narrative,
                "problems": problems,
            },
            status_code=status,
        )

    @service.app.get("/r/{token}", response_class=HTMLResponse, tags=["submission page"])
    async def open_page(request: Request, token: str) -> HTMLResponse:
        claims = await claims_or_page(request, token)
        if isinstance(claims, HTMLResponse):
            return claims
        return await render(request, claims, {}, "", {})

    @service.app.post("/r/{token}", response_class=HTMLResponse, tags=["submission page"])
    async def submit_page(request: Request, token: str) -> HTMLResponse:
        claims = await claims_or_page(request, token)
        if isinstance(claims, HTMLResponse):
            return claims
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in FIGURE_LABELS}
        narrative = str(form.get("narrative", "")).strip()
        figures, problems = {}, {}
        for name, raw in values.items():
            if raw == "":
                continue
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                problems[name] = "Đề nghị ghi một con số."
                continue
            if not math.isfinite(number) or number < 0:
                problems[name] = "Con số không được âm."
                continue
            figures[name] = number
        if problems:
            return await render(request, claims, values, narrative, problems, status=422)
        request_ = SubmissionRequest(
            directive_id=claims.directive_id,
            unit_id=claims.unit_id,
            requirement_id=claims.requirement_id,
            figures=figures,
            narrative=narrative,
        )
        try:
            accepted = await accept(service.js, request_, service.clock.now, metrics)
        except Refused as exc:
            return await render(request, claims, values, narrative, {"narrative": exc.message}, 409)
        s = accepted.event.submission
        assigned = await reports.assignment(
            service.js, claims.directive_id, claims.unit_id, claims.requirement_id
        )
        a = assigned.assignment if assigned else None
        return TEMPLATES.TemplateResponse(
            request,
            "receipt.html.j2",
            {
                "unit_name": service.directory.name(s.unit_id),
                "document": document_title(a.directive_kind, a.directive_ref) if a else "",
                "action": a.requirement.action if a else "",
                "received": format_instant(s.received_at),
                "version": s.version,
                "deadline": format_deadline(s.due_before),
                "on_time": s.on_time,
            },
            status_code=201 if accepted.status == 201 else 200,
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
