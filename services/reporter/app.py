"""The reporter service: units' reports (``POST /api/submissions`` and the page a mail's
signed link opens), every version kept; the parent's review (accept, or return for
correction); and the reports chidao files itself: a unit's own implementing plan, and a
unit's approved synthesis, each as its report on the parent's directive."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import Field

from services.reporter import log as reports
from services.reporter import pages
from services.reporter.accept import Refused, accept
from services.reporter.metrics import ReporterMetrics
from services.reporter.review import review
from shared import topology
from shared.clock import VN_TZ
from shared.contracts import (
    Contract,
    DirectiveIssued,
    ReportReviewed,
    ReportSubmitted,
    SubmissionRequest,
    SynthesisApproved,
)
from shared.errors import PermanentError
from shared.links import Links
from shared.service import Service, error
from shared.settings import Settings
from shared.vietnamese import document_title
from shared.web import SlugPath

logger = logging.getLogger(__name__)


class ReviewRequest(Contract):
    decision: Literal["accept", "return"]
    reason: str = Field("", max_length=5000)


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
        "values": s.model_dump(mode="json")["values"],
    }


def review_json(event: ReportReviewed) -> dict:
    return {"event_id": event.event_id, **event.review.model_dump(mode="json")}


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "reporter",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.REPORTS, topology.SYNTHESIS),
        buckets=(topology.DIRECTORY,),
        consumers=(topology.REPORTER_DIRECTIVES, topology.REPORTER_APPROVALS),
    )
    metrics = ReporterMetrics(service.registry)
    max_versions = service.settings.max_report_versions

    pages.install(service, Links(service.settings, service.clock), metrics)
    # A report's files come base64-encoded in the JSON.
    service.allow_uploads("POST", "/api/submissions")

    @service.app.post("/api/submissions", status_code=201, tags=["submissions"])
    async def submit(request: SubmissionRequest) -> JSONResponse:
        """Accept a unit's report for one of its assignments: the values of its report
        form by field name (a file as {"filename", "content_type", "data": base64}). The
        server stamps the time and timeliness; a correction keeps the first version's
        timeliness."""
        with service.tracer.start_as_current_span(
            "submit report",
            attributes={
                "chidao.directive_id": request.directive_id,
                "chidao.unit": request.unit_id,
            },
        ):
            try:
                accepted = await accept(
                    service.js, request, service.clock.now, metrics, max_versions=max_versions
                )
            except Refused as exc:
                return error(exc.status, exc.message, **exc.details)
            return JSONResponse(receipt(accepted.event), status_code=accepted.status)

    @service.app.get(
        "/api/submissions/{directive_id}/{unit_id}/{requirement_id}", tags=["submissions"]
    )
    async def history(
        directive_id: SlugPath, unit_id: SlugPath, requirement_id: SlugPath
    ) -> JSONResponse:
        """Every version of a unit's report with its time, and the parent's last review."""
        versions = await reports.versions(service.js, directive_id, unit_id, requirement_id)
        if not versions:
            return error(404, f"unit '{unit_id}' has not reported on this requirement yet")
        found = await reports.latest_review(service.js, directive_id, unit_id, requirement_id)
        return JSONResponse(
            {
                "versions": [receipt(v) for v in versions],
                "review": review_json(found[0]) if found else None,
            }
        )

    @service.app.post(
        "/api/submissions/{directive_id}/{unit_id}/{requirement_id}/review",
        status_code=201,
        tags=["submissions"],
    )
    async def review_report(
        directive_id: SlugPath,
        unit_id: SlugPath,
        requirement_id: SlugPath,
        request: ReviewRequest,
    ) -> JSONResponse:
        """The parent accepts the latest version (it can no longer change) or returns it
        for correction with a reason (the unit is mailed)."""
        decision = "accepted" if request.decision == "accept" else "returned"
        try:
            status, event = await review(
                service.js,
                directive_id,
                unit_id,
                requirement_id,
                decision,
                request.reason,
                service.clock.now,
            )
        except Refused as exc:
            return error(exc.status, exc.message, **exc.details)
        metrics.reviews.labels(decision).inc()
        return JSONResponse(review_json(event), status_code=status)

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
                if not requirement.asks_for_a_plan:
                    continue
                plan = {
                    "document_ref": child.ref,
                    "document_date": child.issued_on.isoformat(),
                    "summary": f"{document_title(child.kind, child.ref)}: {child.title}",
                }
                form = parent.form_of(requirement.id)
                request = SubmissionRequest(
                    directive_id=parent_id,
                    unit_id=child.issuer_unit,
                    requirement_id=requirement.id,
                    values={k: v for k, v in plan.items() if form and form.field(k)},
                )
                # The plan exists since the day it was signed, not since chidao heard of it.
                signed = datetime.combine(child.issued_on, datetime.min.time(), VN_TZ)
                try:
                    await accept(
                        service.js,
                        request,
                        lambda signed=signed: min(event.occurred_at, signed),
                        metrics,
                        keep_existing=True,
                        source="plan",
                        max_versions=max_versions,
                    )
                except Refused as exc:
                    logger.info(
                        "the plan could not be filed as a report",
                        extra={"reason": exc.message, "directive_id": parent_id},
                    )

    @service.subscriber(topology.REPORTER_APPROVALS, batch_size=8)
    async def on_approval(event: SynthesisApproved) -> None:
        """A unit's approved synthesis becomes its report on the parent's directive."""
        request = SubmissionRequest(
            directive_id=event.target_directive_id,
            unit_id=event.unit_id,
            requirement_id=event.target_requirement_id,
            values=event.model_dump(mode="json")["values"],
            narrative=event.narrative,
        )
        try:
            accepted = await accept(
                service.js,
                request,
                # sent when the unit's staff approved it (or it was approved by itself),
                # not when this consumer got round to filing it
                lambda: min(event.approved_at, service.clock.now()),
                metrics,
                source="synthesis",
                synthesis_of=event.directive_id,
                max_versions=max_versions,
            )
        except Refused as exc:
            # Nothing retrying can change: the reason goes to the dead-letter stream.
            raise PermanentError(f"the synthesis could not be filed: {exc.message}") from exc
        logger.info(
            "synthesis filed as the unit's report",
            extra={"event_id": accepted.event.event_id, "from": event.directive_id},
        )

    return service
