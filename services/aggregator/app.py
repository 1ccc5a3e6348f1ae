"""The aggregator service: the incremental roll-up, and
``GET /api/directives/{id}/synthesis?unit=U&format=json|md``."""

from __future__ import annotations

import logging
import time

from fastapi import Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from services.aggregator import synthesis
from services.aggregator.directives import DirectiveBook
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.nodes import Node
from services.aggregator.rollup import Rollup
from shared import subjects, topology
from shared.contracts import AssignmentCreated, DirectiveIssued, ReportSubmitted, SynthesisUpdated
from shared.publishing import Pipeline
from shared.service import Service, error
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "aggregator",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.REPORTS, topology.SYNTHESIS),
        buckets=(
            topology.DIRECTORY,
            topology.AGGREGATOR_ROLLUP,
            topology.AGGREGATOR_DIRECTIVES_BUCKET,
        ),
        consumers=(
            topology.AGGREGATOR_DIRECTIVES,
            topology.AGGREGATOR_ASSIGNMENTS,
            topology.AGGREGATOR_REPORTS,
        ),
    )
    metrics = AggregatorMetrics(service.registry)
    parts: dict[str, object] = {}

    def rollup() -> Rollup:
        return parts["rollup"]  # type: ignore[return-value]

    def book() -> DirectiveBook:
        return parts["book"]  # type: ignore[return-value]

    async def on_start() -> None:
        js = service.js
        parts["rollup"] = Rollup(
            await js.key_value(topology.AGGREGATOR_ROLLUP.name),
            lambda: service.directory,
            on_write=lambda node: metrics.writes.inc(),
            on_conflict=metrics.conflicts.inc,
        )
        parts["book"] = DirectiveBook(
            await js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name)
        )

    service.on_start.append(on_start)

    async def announce(nodes: list[Node]) -> None:
        """synthesis.updated for every changed node that rolls up other units."""
        pipeline = Pipeline(service.js, topology.SYNTHESIS.name)
        for node in nodes:
            if not node.children:
                continue
            event = SynthesisUpdated(
                event_id=(
                    f"synthesis-updated.{node.directive_id}.{node.unit_id}."
                    f"{node.requirement_id}.v{node.v}"
                ),
                occurred_at=service.clock.now(),
                directive_id=node.directive_id,
                requirement_id=node.requirement_id,
                unit_id=node.unit_id,
                version=node.v,
                totals=node.totals,
            )
            await pipeline.add(
                subjects.synthesis_updated(node.directive_id, node.unit_id, node.requirement_id),
                event.model_dump_json().encode(),
                event.event_id,
            )
        await pipeline.flush()

    async def apply(assignments=(), submissions=()) -> None:
        started = time.perf_counter()
        written = await rollup().apply(list(assignments), list(submissions))
        await announce(written)
        metrics.batch_seconds.observe(time.perf_counter() - started)

    @service.subscriber(topology.AGGREGATOR_DIRECTIVES, batch_size=16)
    async def on_directive(event: DirectiveIssued) -> None:
        await book().remember(event)
        metrics.events.labels("directive.issued").inc()

    @service.subscriber(topology.AGGREGATOR_ASSIGNMENTS, batch=True, batch_size=500, timeout=0.2)
    async def on_assignments(events: list[AssignmentCreated]) -> None:
        await apply(assignments=[e.assignment for e in events])
        metrics.events.labels("assignment.created").inc(len(events))

    @service.subscriber(topology.AGGREGATOR_REPORTS, batch=True, batch_size=500, timeout=0.2)
    async def on_reports(events: list[ReportSubmitted]) -> None:
        await apply(submissions=[e.submission for e in events])
        metrics.events.labels("report.submitted").inc(len(events))

    @service.app.get("/api/directives/{directive_id}/synthesis", tags=["synthesis"])
    async def get_synthesis(
        directive_id: str,
        unit: str | None = Query(
            None, description="unit whose subtree to sum; the issuer if unset"
        ),
        format: str = Query("json", pattern="^(json|md)$"),
    ) -> Response:
        issued = await book().get(directive_id)
        if issued is None:
            return error(404, f"no directive '{directive_id}' is known to the aggregator yet")
        unit_id = unit or issued.directive.issuer_unit
        if unit_id not in service.directory:
            return error(404, f"unit '{unit_id}' is not in the directory")
        body = await synthesis.build(
            rollup(), issued, unit_id, service.directory, service.clock.now()
        )
        if format == "md":
            return PlainTextResponse(
                synthesis.to_markdown(body), media_type="text/markdown; charset=utf-8"
            )
        return JSONResponse(body)

    return service
