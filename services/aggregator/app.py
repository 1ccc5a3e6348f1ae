"""The aggregator service: the incremental roll-up; the synthesis of a directive for a
unit as JSON and as the báo cáo tổng hợp (Markdown, HTML, .docx); the live status page;
and closing a level, the synthesis approved and sent up as the unit's own report."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Annotated

from fastapi import Form as FormField
from fastapi import Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from faststream.nats.annotations import NatsMessage

from services.aggregator import closing, synthesis
from services.aggregator.directives import DirectiveBook
from services.aggregator.documents.html import STYLE as REPORT_STYLE
from services.aggregator.documents.report import build_report
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.nodes import Node
from services.aggregator.rollup import Rollup
from services.aggregator.status.page import STYLE as STATUS_STYLE
from services.aggregator.status.page import render as status_page_of
from shared import subjects, timers, topology
from shared.contracts import (
    AssignmentCreated,
    DirectiveIssued,
    ReportReviewed,
    ReportSubmitted,
    SynthesisUpdated,
)
from shared.publishing import Pipeline
from shared.service import Service, error
from shared.settings import Settings
from shared.slugs import SLUG_PATTERN
from shared.telemetry import continued_from
from shared.web import SlugPath, plain_error

log = logging.getLogger(__name__)

# What the status page says after its "approve and send up" button.
APPROVAL_MESSAGES = {
    "sent": "Đã duyệt báo cáo tổng hợp và gửi lên cấp trên.",
    "no_target": (
        "Chưa gửi được: không có văn bản cấp trên nào giao cho đơn vị báo cáo mà báo cáo "
        "tổng hợp này trả lời; đề nghị gửi báo cáo theo cách thông thường."
    ),
    "accepted": (
        "Chưa gửi được: cấp trên đã chấp nhận báo cáo trước của đơn vị; chỉ gửi lại được "
        "khi cấp trên trả lại báo cáo."
    ),
}
PAGE_NOT_FOUND = "Không tìm thấy văn bản này, hoặc đơn vị không có trong danh bạ."
FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "aggregator",
        settings,
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.SYNTHESIS,
            topology.TIMERS,
        ),
        buckets=(
            topology.DIRECTORY,
            topology.AGGREGATOR_ROLLUP,
            topology.AGGREGATOR_DIRECTIVES_BUCKET,
        ),
        consumers=(
            topology.AGGREGATOR_DIRECTIVES,
            topology.AGGREGATOR_ASSIGNMENTS,
            topology.AGGREGATOR_REPORTS,
            topology.AGGREGATOR_REVIEWS,
            topology.AGGREGATOR_TIMERS,
        ),
    )
    metrics = AggregatorMetrics(service.registry)
    # The inline style sheets of the status page and of the HTML báo cáo tổng hợp.
    service.csp.allow(STATUS_STYLE, REPORT_STYLE)
    parts: dict[str, object] = {}

    def rollup() -> Rollup:
        return parts["rollup"]  # type: ignore[return-value]

    def book() -> DirectiveBook:
        return parts["book"]  # type: ignore[return-value]

    async def on_start() -> None:
        js = service.js
        parts["book"] = DirectiveBook(
            await js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name), js
        )
        parts["rollup"] = Rollup(
            await js.key_value(topology.AGGREGATOR_ROLLUP.name),
            lambda: service.directory,
            on_write=lambda node: metrics.writes.inc(),
            on_conflict=metrics.conflicts.inc,
            forms=book().form,
        )

    service.on_start.append(on_start)

    async def sample_progress() -> None:
        """chidao_assignments: the roll-up roots of every directive, for the dashboards."""
        now = service.clock.now()
        for directive_id in await book().ids():
            issued = await book().get(directive_id)
            if issued is None:
                continue
            d = issued.directive
            roots = []
            for r in d.requirements:
                root = await rollup().get(directive_id, r.id, d.issuer_unit)
                if root is not None:
                    roots.append((root.totals, r.due_before))
            metrics.set_progress(directive_id, roots, now)

    service.periodic.append(sample_progress)

    async def announce(nodes: list[Node]) -> None:
        """synthesis.updated for every changed node that rolls up other units."""
        pipeline = Pipeline(service.js, topology.SYNTHESIS.name)
        for node in nodes:
            if not node.children:
                continue
            event = SynthesisUpdated(
                event_id=subjects.synthesis_updated_id(
                    node.directive_id, node.unit_id, node.requirement_id, node.v
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

    async def apply(assignments=(), submissions=(), reviews=()) -> None:
        started = time.perf_counter()
        # The forms of these directives, so that values add up by their rules.
        await book().load(
            {a.directive_id for a in assignments}
            | {s.directive_id for s in submissions}
            | {r.directive_id for r in reviews}
        )
        written = await rollup().apply(list(assignments), list(submissions), list(reviews))
        await announce(written)
        metrics.batch_seconds.observe(time.perf_counter() - started)

    async def schedule_auto_approval(issued: DirectiveIssued) -> None:
        for r in issued.directive.requirements:
            if not r.auto_approve:
                continue
            try:
                target = await closing.find_target(service.js, book(), issued, r.id)
            except closing.CannotClose as exc:
                log.warning(
                    "no automatic approval", extra={"directive_id": issued.directive_id,
                                                    "reason": str(exc)}
                )  # fmt: skip
                continue
            timer = closing.auto_schedule(issued, r.id, target, service.clock.real_epoch_of)
            if timer is not None:
                await timers.schedule(service.js, closing.OWNER, [timer])

    @service.subscriber(topology.AGGREGATOR_DIRECTIVES, batch_size=16)
    async def on_directive(event: DirectiveIssued) -> None:
        await book().remember(event)
        await schedule_auto_approval(event)
        metrics.events.labels("directive.issued").inc()

    @service.subscriber(topology.AGGREGATOR_ASSIGNMENTS, batch=True, batch_size=500, timeout=0.2)
    async def on_assignments(events: list[AssignmentCreated]) -> None:
        await apply(assignments=[e.assignment for e in events])
        metrics.events.labels("assignment.created").inc(len(events))

    @service.subscriber(topology.AGGREGATOR_REPORTS, batch=True, batch_size=500, timeout=0.2)
    async def on_reports(events: list[ReportSubmitted], msg: NatsMessage) -> None:
        await apply(submissions=[e.submission for e in events])
        metrics.events.labels("report.submitted").inc(len(events))
        # A batch mixes many directives' traces: each report gets a span in its own trace
        # (the directive's, see the reporter) saying it is now in the roll-up.
        for raw, event in zip(msg.raw_message, events, strict=True):
            s = event.submission
            with continued_from(raw.headers or {}, "roll up report", unit=s.unit_id):
                pass

    @service.subscriber(topology.AGGREGATOR_REVIEWS, batch=True, batch_size=100, timeout=0.2)
    async def on_reviews(events: list[ReportReviewed]) -> None:
        await apply(reviews=[e.review for e in events])
        metrics.events.labels("report.reviewed").inc(len(events))

    async def synthesis_of(directive_id: str, unit: str | None) -> dict | JSONResponse:
        issued = await book().get(directive_id)
        if issued is None:
            return error(404, f"no directive '{directive_id}' is known to the aggregator yet")
        unit_id = unit or issued.directive.issuer_unit
        if unit_id not in service.directory:
            return error(404, f"unit '{unit_id}' is not in the directory")
        return await synthesis.build(
            rollup(), issued, unit_id, service.directory, service.clock.now(), book().form
        )

    async def approve(
        directive_id: str,
        requirement_id: str | None,
        automatic: bool,
        at: datetime | None = None,
    ) -> tuple[int, dict]:
        """Send the issuer's synthesis up as its report on the parent's directive, as
        approved now (or, for a timer, at the instant it was due)."""
        issued = await book().get(directive_id)
        if issued is None:
            return 404, {"error": f"no directive '{directive_id}' is known to the aggregator"}
        results = [r for r in issued.directive.requirements if r.id == requirement_id] or [
            r for r in issued.directive.requirements if not r.asks_for_a_plan
        ]
        if not results:
            return 422, {"error": f"{issued.directive.ref} has no results requirement to send up"}
        requirement = results[0]
        try:
            target = await closing.find_target(service.js, book(), issued, requirement.id)
        except closing.CannotClose as exc:
            return 409, {"error": str(exc), "reason": "no_target"}
        upward = await rollup().get(
            target.directive_id, target.requirement_id, issued.directive.issuer_unit
        )
        if upward is not None and upward.own is not None and upward.own.accepted:
            return 409, {
                "error": "the parent has accepted the report this synthesis would replace; "
                "it can go up again only after they return it",
                "reason": "accepted",
            }
        body = await synthesis_of(directive_id, None)
        assert isinstance(body, dict)
        section = next(s for s in body["requirements"] if s["id"] == requirement.id)
        node = await rollup().get(directive_id, requirement.id, issued.directive.issuer_unit)
        event = closing.approval(
            issued,
            section,
            target,
            node.v if node else 0,
            min(at, service.clock.now()) if at else service.clock.now(),
            service.directory.name(issued.directive.issuer_unit),
            automatic,
        )
        await closing.publish_approval(service.broker, event)
        metrics.approvals.labels("automatic" if automatic else "staff").inc()
        log.info(
            "synthesis approved",
            extra={"event_id": event.event_id, "target": target.directive_id},
        )
        return 201, {
            "event_id": event.event_id,
            "directive_id": directive_id,
            "requirement_id": requirement.id,
            "unit_id": event.unit_id,
            "target_directive_id": target.directive_id,
            "target_requirement_id": target.requirement_id,
            "values": event.model_dump(mode="json")["values"],
        }

    @service.subscriber(topology.AGGREGATOR_TIMERS, batch_size=8)
    async def on_timer(timer: closing.AutoApproval) -> None:
        status, body = await approve(
            timer.directive_id, timer.requirement_id, automatic=True, at=timer.at
        )
        if status >= 400:
            log.warning("automatic approval did not go up", extra={"reason": body["error"]})

    @service.app.get("/api/directives/{directive_id}/synthesis", tags=["synthesis"])
    async def get_synthesis(
        directive_id: SlugPath,
        unit: str | None = Query(
            None,
            description="unit whose subtree to sum; the issuer if unset",
            pattern=SLUG_PATTERN,
            max_length=128,
        ),
        format: str = Query("json", pattern="^(json|md|html|docx)$"),
    ) -> Response:
        """The synthesis; md, html and docx give the báo cáo tổng hợp as a document."""
        body = await synthesis_of(directive_id, unit)
        if isinstance(body, Response):
            return body
        if format == "json":
            return JSONResponse(body)
        report = build_report(body)
        name = f"bao-cao-{directive_id}-{body['unit']['id']}.{format}"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        if format == "md":
            from services.aggregator.documents import markdown

            return PlainTextResponse(markdown.render(report), media_type=FORMATS["md"])
        if format == "html":
            from services.aggregator.documents import html

            return HTMLResponse(html.render(report))
        from services.aggregator.documents import docx

        return Response(docx.render(report), media_type=FORMATS["docx"], headers=disposition)

    @service.app.post("/api/directives/{directive_id}/synthesis/approve", tags=["synthesis"])
    async def approve_synthesis(
        directive_id: SlugPath,
        requirement: str | None = Query(
            None, description="the first results one if unset", max_length=128
        ),
    ) -> JSONResponse:
        """The issuer's staff approve its synthesis: it goes up as the issuer's report on
        the parent directive it implements."""
        status, body = await approve(directive_id, requirement, automatic=False)
        return JSONResponse(body, status_code=status)

    @service.app.get(
        "/directives/{directive_id}/status", response_class=HTMLResponse, tags=["pages"]
    )
    async def status_page(
        request: Request,
        directive_id: SlugPath,
        unit: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=128)] = None,
    ):
        """The live status page of a directive for a unit (the issuer if unset)."""
        body = await synthesis_of(directive_id, unit)
        if isinstance(body, Response):
            return plain_error(request.url.path, body.status_code, PAGE_NOT_FOUND)
        return HTMLResponse(status_page_of(body, service.settings.public_url))

    @service.app.post(
        "/directives/{directive_id}/status", response_class=HTMLResponse, tags=["pages"]
    )
    async def status_approve(
        request: Request,
        directive_id: SlugPath,
        requirement: str | None = FormField(None, max_length=128),
    ) -> Response:
        """The status page's "approve and send up" button."""
        status, result = await approve(directive_id, requirement, automatic=False)
        body = await synthesis_of(directive_id, None)
        if isinstance(body, Response):
            return plain_error(request.url.path, body.status_code, PAGE_NOT_FOUND)
        message = APPROVAL_MESSAGES.get(
            "sent" if status < 400 else result.get("reason", ""),
            "Chưa gửi được báo cáo tổng hợp.",
        )
        return HTMLResponse(
            status_page_of(body, service.settings.public_url, message=message),
            status_code=200 if status < 400 else status,
        )

    return service
