"""The issuer service: ``POST /api/directives`` issues a directive and fans it out."""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi.responses import JSONResponse

from services.issuer.fanout import fan_out
from services.issuer.metrics import IssuerMetrics
from services.issuer.planning import IssuePlan, PlanError, plan_issue
from services.issuer.records import DirectiveRecord, FanOutStatus, RecordStore, fingerprint
from shared import topology
from shared.contracts import Directive
from shared.service import Service, error
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "issuer",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS),
        buckets=(topology.DIRECTORY, topology.ISSUER_DIRECTIVES),
    )
    metrics = IssuerMetrics(service.registry)
    state: dict[str, RecordStore] = {}
    background: set[asyncio.Task[None]] = set()

    async def publish(record: DirectiveRecord, plan: IssuePlan | None = None) -> dict:
        """Publish a stored record's events, then mark it issued. A resumed record is
        planned again against today's directory."""
        plan = plan or plan_issue(record.directive, service.directory)
        started = time.perf_counter()
        result = await fan_out(service.broker, service.js, record, plan.assignees)
        done = await state["records"].mark_issued(record)
        seconds = time.perf_counter() - started
        metrics.fanout_seconds.observe(seconds)
        metrics.assignments.labels("new").inc(result.new_assignments)
        metrics.assignments.labels("duplicate").inc(result.duplicates)
        log.info(
            "directive fanned out",
            extra={
                "directive_id": record.directive.id,
                "assignments": result.assignments,
                "new": result.new_assignments,
                "seconds": round(seconds, 3),
            },
        )
        return {
            "directive_id": done.directive.id,
            "ref": done.directive.ref,
            "status": done.status,
            "assignments": result.assignments,
            "new_assignments": result.new_assignments,
            "notices": len(done.notices),
            "warnings": done.warnings,
            "fanout_seconds": round(seconds, 3),
        }

    async def resume_unfinished() -> None:
        for record in await state["records"].unfinished():
            log.warning(
                "resuming an interrupted fan-out", extra={"directive_id": record.directive.id}
            )
            try:
                await publish(record)
            except Exception:
                log.exception(
                    "resuming the fan-out failed", extra={"directive_id": record.directive.id}
                )

    async def on_start() -> None:
        state["records"] = RecordStore(await service.js.key_value(topology.ISSUER_DIRECTIVES.name))
        task = asyncio.create_task(resume_unfinished(), name="resume-fanouts")
        background.add(task)
        task.add_done_callback(background.discard)

    service.on_start.append(on_start)

    @service.app.post("/api/directives", status_code=201, tags=["directives"])
    async def issue(directive: Directive) -> JSONResponse:
        """Issue a directive. Repeating the same request creates nothing new."""
        # One trace per issue: its context rides in the headers of every event published
        # below, so the mails and the roll-up it causes join the same trace.
        with service.tracer.start_as_current_span(
            "issue directive", attributes={"chidao.directive_id": directive.id}
        ):
            return await _issue(directive)

    async def _issue(directive: Directive) -> JSONResponse:
        try:
            plan = plan_issue(directive, service.directory)
        except PlanError as exc:
            metrics.directives.labels("rejected").inc()
            return error(422, "the directive cannot be issued", problems=exc.problems)
        record = DirectiveRecord(
            directive=directive,
            fingerprint=fingerprint(directive),
            status=FanOutStatus.FANNING_OUT,
            issued_at=service.clock.now(),
            assignment_count=plan.assignment_count,
            notices=plan.notices,
            warnings=plan.warnings,
        )
        records = state["records"]
        if not await records.create(record):
            existing = await records.get(directive.id)
            assert existing is not None
            if existing.fingerprint != record.fingerprint:
                metrics.directives.labels("conflict").inc()
                return error(
                    409,
                    f"{directive.ref} of {directive.issuer} was already issued with different "
                    "content; issue a corrected document under its own number",
                    directive_id=directive.id,
                )
            if existing.status is FanOutStatus.ISSUED:
                metrics.directives.labels("already_issued").inc()
                return JSONResponse(
                    {
                        "directive_id": directive.id,
                        "ref": directive.ref,
                        "status": "already_issued",
                        "assignments": existing.assignment_count,
                        "new_assignments": 0,
                        "notices": len(existing.notices),
                        "warnings": existing.warnings,
                    },
                    status_code=200,
                )
            record, plan = existing, None  # an interrupted fan-out: finish it
        body = await publish(record, plan)
        metrics.directives.labels("issued").inc()
        return JSONResponse(body, status_code=201)

    @service.app.get("/api/directives/{directive_id}", tags=["directives"])
    async def show(directive_id: str) -> JSONResponse:
        record = await state["records"].get(directive_id)
        if record is None:
            return error(404, f"no directive with id '{directive_id}'")
        return JSONResponse(record.model_dump(mode="json"))

    return service
