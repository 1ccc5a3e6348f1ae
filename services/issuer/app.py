"""The issuer service: ``POST /api/directives`` issues a directive given as JSON,
``POST /api/directives/upload`` reads a document file and issues it; both fan it out."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date
from typing import Annotated, Any

from fastapi import File, Form, Path, UploadFile
from fastapi.responses import JSONResponse

from services.issuer.cascade import RefIndex, forest, parents_of, tree_of
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.ingest import build_directive, contract_json, resolve_document
from services.issuer.documents.reading import MAX_BYTES
from services.issuer.documents.resolve import Resolver
from services.issuer.documents.store import keep
from services.issuer.documents.worker import ParserPool
from services.issuer.fanout import fan_out
from services.issuer.metrics import IssuerMetrics
from services.issuer.planning import IssuePlan, PlanError, plan_issue
from services.issuer.records import DirectiveRecord, FanOutStatus, RecordStore, fingerprint
from shared import topology
from shared.contracts import Directive
from shared.forms import DEFAULT_FORM, FormError, default_form_for, resolve
from shared.service import Service, error
from shared.settings import Settings
from shared.slugs import slugify
from shared.web import SlugPath

log = logging.getLogger(__name__)


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "issuer",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS),
        buckets=(topology.DIRECTORY, topology.ISSUER_DIRECTIVES),
    )
    metrics = IssuerMetrics(service.registry)
    state: dict[str, Any] = {}  # records and the number-symbol index, opened at start-up
    background: set[asyncio.Task[None]] = set()
    resolvers: dict[int, Resolver] = {}

    def resolver() -> Resolver:
        # Indexing a large directory's names is worth keeping while it does not change.
        directory = service.directory
        if directory.version not in resolvers:
            resolvers.clear()
            resolvers[directory.version] = Resolver(directory)
        return resolvers[directory.version]

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
        js = service.js
        kv = await js.key_value(topology.ISSUER_DIRECTIVES.name)
        state["records"], state["refs"] = RecordStore(kv), RefIndex(kv)
        task = asyncio.create_task(resume_unfinished(), name="resume-fanouts")
        background.add(task)
        task.add_done_callback(background.discard)

    service.on_start.append(on_start)

    # Uploads are parsed in worker processes with a time and a memory limit, never on
    # this event loop: a hostile file is refused and /healthz keeps answering.
    parsers = ParserPool(
        service.settings.parse_workers,
        service.settings.parse_timeout,
        service.settings.parse_memory_mb,
    )

    async def start_parsers() -> None:
        parsers.start()

    service.on_start.append(start_parsers)
    service.on_stop.append(parsers.close)

    def with_forms(directive: Directive, results_form: str | None = None) -> Directive:
        """Every requirement names its report form: the one it names, else
        ``results_form`` for a requirement to report results, else the form its action
        calls for (a plan to issue, or results to report)."""
        requirements = []
        for r in directive.requirements:
            if r.form is None:
                form = default_form_for(r)
                if results_form and form == DEFAULT_FORM:
                    form = results_form
                r = r.model_copy(update={"form": form})
            requirements.append(r)
        return directive.model_copy(update={"requirements": requirements})

    async def issue_directive(directive: Directive) -> tuple[int, dict]:
        """Issue once: a repeat of the same content creates nothing new."""
        directive = with_forms(directive)
        try:
            forms = await resolve(service.js, {r.form for r in directive.requirements if r.form})
        except FormError as exc:
            metrics.directives.labels("rejected").inc()
            return 422, {"error": "the directive cannot be issued", "problems": [str(exc)]}
        # One trace per issue: its context rides in the headers of every event published,
        # so the mails and the roll-up it causes join the same trace.
        with service.tracer.start_as_current_span(
            "issue directive", attributes={"chidao.directive_id": directive.id}
        ):
            try:
                plan = plan_issue(directive, service.directory)
            except PlanError as exc:
                metrics.directives.labels("rejected").inc()
                return 422, {"error": "the directive cannot be issued", "problems": exc.problems}
            records = state["records"]
            record = DirectiveRecord(
                directive=directive,
                fingerprint=fingerprint(directive),
                status=FanOutStatus.FANNING_OUT,
                issued_at=service.clock.now(),
                assignment_count=plan.assignment_count,
                notices=plan.notices,
                warnings=plan.warnings,
                parents=await parents_of(directive, state["refs"], records),
                forms=forms,
            )
            if await records.create(record):
                await state["refs"].add(directive)
            else:
                existing = await records.get(directive.id)
                assert existing is not None
                if existing.fingerprint != record.fingerprint:
                    metrics.directives.labels("conflict").inc()
                    return 409, {
                        "error": f"{directive.ref} of {directive.issuer} was already issued with "
                        "different content; issue a corrected document under its own number",
                        "directive_id": directive.id,
                    }
                if existing.status is FanOutStatus.ISSUED:
                    metrics.directives.labels("already_issued").inc()
                    return 200, {
                        "directive_id": directive.id,
                        "ref": directive.ref,
                        "status": "already_issued",
                        "assignments": existing.assignment_count,
                        "new_assignments": 0,
                        "notices": len(existing.notices),
                        "warnings": existing.warnings,
                    }
                record, plan = existing, None  # an interrupted fan-out: finish it
                await state["refs"].add(directive)
            body = await publish(record, plan)
            metrics.directives.labels("issued").inc()
            return 201, body

    @service.app.post("/api/directives", status_code=201, tags=["directives"])
    async def issue(directive: Directive) -> JSONResponse:
        """Issue a directive given as JSON. Repeating the same request creates nothing new."""
        status, body = await issue_directive(directive)
        return JSONResponse(body, status_code=status)

    service.allow_uploads("POST", "/api/directives/upload")

    @service.app.post("/api/directives/upload", status_code=201, tags=["directives"])
    async def upload(
        file: Annotated[UploadFile, File(description=".txt, .md, .docx or .pdf")],
        issuer: Annotated[str | None, Form(description="issuing unit id, if ambiguous")] = None,
        ref: Annotated[
            str | None, Form(description="number-symbol, for a document without")
        ] = None,
        issued_on: Annotated[date | None, Form(description="date, for a document without")] = None,
        preview: Annotated[bool, Form(description="read and show, do not issue")] = False,
        report_form: Annotated[
            str | None,
            Form(alias="form", description="report form of its results requirements"),
        ] = None,
    ) -> JSONResponse:
        """Read a document, show what was read and the warnings, and issue it (or only
        show it, with preview). The original file is kept and attached to the mails."""
        data = await file.read(MAX_BYTES + 1)
        filename = file.filename or "document.txt"
        try:
            document = await parsers.parse(data, filename)
        except DocumentError as exc:
            metrics.documents.labels(getattr(exc, "reason", "refused")).inc()
            return error(422, str(exc))
        metrics.documents.labels("read").inc()
        try:  # matching up to a thousand names: off the event loop too
            reading = await asyncio.to_thread(
                resolve_document, document, service.directory, issuer, resolver()
            )
        except DocumentError as exc:
            return error(422, str(exc))
        shown = {"document": contract_json(reading.document), "issuer_unit": reading.issuer_unit}
        if preview:
            return JSONResponse(shown, status_code=200)
        try:
            directive = build_directive(reading, ref, issued_on)
        except DocumentError as exc:
            return error(422, f"{filename}: {exc}", **shown)
        attached = await keep(service.js, data, filename)
        directive = with_forms(directive.model_copy(update={"document": attached}), report_form)
        status, body = await issue_directive(directive)
        return JSONResponse({**shown, **body}, status_code=status)

    @service.app.get("/api/cascade", tags=["cascade"])
    async def cascade_forest() -> JSONResponse:
        """Every directive and the documents they implement, as trees."""
        trees = forest(await state["records"].all())
        return JSONResponse({"trees": [tree.as_json() for tree in trees]})

    @service.app.get("/api/cascade/{key:path}", tags=["cascade"])
    async def cascade_tree(key: Annotated[str, Path(max_length=200)]) -> JSONResponse:
        """The tree holding a directive, by id or number-symbol ("101-KH/ĐU")."""
        try:
            slugify(key)
        except ValueError:  # no letter or digit: names no directive
            return error(404, f"no directive '{key}' has been issued")
        tree = tree_of(forest(await state["records"].all()), key)
        if tree is None:
            return error(404, f"no directive '{key}' has been issued")
        return JSONResponse(tree.as_json())

    @service.app.get("/api/directives/{directive_id}", tags=["directives"])
    async def show(directive_id: SlugPath) -> JSONResponse:
        record = await state["records"].get(directive_id)
        if record is None:
            return error(404, f"no directive with id '{directive_id}'")
        return JSONResponse(record.model_dump(mode="json"))

    return service
