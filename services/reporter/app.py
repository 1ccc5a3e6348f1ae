"""The reporter service: ``POST /api/submissions`` accepts a unit's report."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse

from services.reporter import log as reports
from services.reporter.metrics import ReporterMetrics
from shared import topology
from shared.contracts import ReportSubmitted, Submission, SubmissionRequest
from shared.service import Service, error
from shared.settings import Settings

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5


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
        uses_directory=False,
    )
    metrics = ReporterMetrics(service.registry)

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
            return await _submit(request)

    async def _submit(request: SubmissionRequest) -> JSONResponse:
        js = service.js
        issued = await reports.directive_issued(js, request.directive_id)
        if issued is None:
            metrics.refused.labels("unknown_directive").inc()
            return error(404, f"no directive '{request.directive_id}' has been issued")
        requirements = {r.id: r for r in issued.directive.requirements}
        if request.requirement_id not in requirements:
            metrics.refused.labels("unknown_requirement").inc()
            return error(
                404,
                f"{issued.directive.ref} has no reporting requirement '{request.requirement_id}'",
                requirements=sorted(requirements),
            )
        assigned = await reports.assignment(
            js, request.directive_id, request.unit_id, request.requirement_id
        )
        if assigned is None:
            metrics.refused.labels("not_assigned").inc()
            return error(
                403,
                f"unit '{request.unit_id}' was not assigned requirement "
                f"'{request.requirement_id}' of {issued.directive.ref}, so it cannot report on it",
            )
        due = assigned.assignment.requirement.due_before

        for _ in range(CONFLICT_RETRIES):
            found = await reports.latest(
                js, request.directive_id, request.unit_id, request.requirement_id
            )
            previous, last_seq = found if found else (None, 0)
            if previous is not None and (
                previous.submission.figures == request.figures
                and previous.submission.narrative == request.narrative
            ):
                # A repeated request (a retry after a lost answer) is not a new version.
                return JSONResponse(receipt(previous), status_code=200)
            now = service.clock.now()
            first = previous.submission if previous else None
            submission = Submission(
                **request.model_dump(),
                version=(first.version + 1) if first else 1,
                received_at=now,
                first_received_at=first.first_received_at if first else now,
                due_before=due,
                on_time=first.on_time if first else (due is None or now < due),
            )
            event = ReportSubmitted(
                event_id=(
                    f"report-submitted.{request.directive_id}.{request.unit_id}."
                    f"{request.requirement_id}.v{submission.version}"
                ),
                occurred_at=now,
                submission=submission,
            )
            try:
                await reports.append(js, event, last_seq)
            except reports.SubmissionConflict:
                continue
            metrics.accepted.labels(
                "on_time" if submission.on_time else "late",
                "first" if submission.version == 1 else "correction",
            ).inc()
            logger.info(
                "submission accepted",
                extra={"event_id": event.event_id, "on_time": submission.on_time},
            )
            return JSONResponse(receipt(event), status_code=201)
        return error(
            409, "the report was changed by another request at the same time; send it again"
        )

    return service
