"""The reporter service: ``POST /api/submissions`` accepts a unit's report; a unit's own
implementing directive is filed as its report on the parent's "issue a plan" requirement."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse

from services.reporter import log as reports
from services.reporter import pages
from services.reporter.accept import Refused, accept
from services.reporter.metrics import ReporterMetrics
from shared import topology
from shared.contracts import DirectiveIssued, ReportSubmitted, SubmissionRequest
from shared.links import Links
from shared.service import Service, error
from shared.settings import Settings
from shared.slugs import fold
from shared.vietnamese import document_title, format_date

logger = logging.getLogger(__name__)

# Requirements met by issuing one's own implementing document ("ban hành kế hoạch triển khai").
_PLAN_WORDS = ("ke hoach", "huong dan", "chuong trinh", "van ban")


def asks_for_a_plan(action: str) -> bool:
    folded = fold(action)
    return "ban hanh" in folded and any(word in folded for word in _PLAN_WORDS)


def receipt(event: ReportSubmitted) -> dict:
    s = event.submission
    return {
        "event_id": event.event_id,
        "directive_id": s.directive_id,
        "unit_id": s.unit_id,
        "requirement_id": s.requirement_id,
        "version": s.version,
        "received_at": s.received_at.isoformat(),
        "first_received_at": s.first_received_at.isoformat(),
        "due_before": s.due_before.isoformat() if s.due_before else None,
        "on_time": s.on_time,
    }


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "reporter",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.REPORTS),
        buckets=(topology.DIRECTORY,),
        consumers=(topology.REPORTER_DIRECTIVES,),
    )
    metrics = ReporterMetrics(service.registry)
    pages.install(service, Links(service.settings, service.clock), metrics)

    @service.app.post("/api/submissions", status_code=201, tags=["submissions"])
    async def submit(request: SubmissionRequest) -> JSONResponse:
        """Accept a unit's report for one of its assignments. The server stamps the time
        and timeliness; a correction keeps the first version's timeliness."""
        with service.tracer.start_as_current_span(
            "submit report",
            attributes={
                "chidao.directive_id": request.directive_id,
                "chidao.unit": request.unit_id,
            },
        ):
            try:
                accepted = await accept(service.js, request, service.clock.now, metrics)
            except Refused as exc:
                return error(exc.status, exc.message, **exc.details)
            return JSONResponse(receipt(accepted.event), status_code=accepted.status)

    @service.subscriber(topology.REPORTER_DIRECTIVES, batch_size=8)
    async def on_directive(event: DirectiveIssued) -> None:
        """A unit that issues its own plan implementing a parent directive has done what
        the parent's "ban hành kế hoạch ..." requirement asked of it."""
        child = event.directive
        for parent_id in event.parents:
            parent = await reports.directive_issued(service.js, parent_id)
            if parent is None:
                continue
            for requirement in parent.directive.requirements:
                if not asks_for_a_plan(requirement.action):
                    continue
                request = SubmissionRequest(
                    directive_id=parent_id,
                    unit_id=child.issuer_unit,
                    requirement_id=requirement.id,
                    narrative=(
                        f"Đã ban hành {document_title(child.kind, child.ref)} "
                        f"ngày {format_date(child.issued_on)}."
                    ),
                )
                try:
                    await accept(
                        service.js, request, lambda: event.occurred_at, metrics, keep_existing=True
                    )
                except Refused as exc:
                    logger.debug("no plan requirement to file", extra={"reason": exc.message})

    return service
