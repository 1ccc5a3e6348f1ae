"""The issuer service: ``POST /api/directives`` issues a directive given as JSON,
``POST /api/directives/upload`` reads a document file and issues it; both fan it out.
Wiring only: the use cases are in ``handlers/``, the routes in ``entrypoints/http.py``."""

from __future__ import annotations

import asyncio
from functools import partial

from services.issuer.adapters.parse_workers import ParserPool
from services.issuer.deps import build_deps
from services.issuer.entrypoints import (
    admin_pages,
    audit,
    corrections,
    http,
    issue_page,
    messages,
    originals,
    recall,
    tokens,
)
from services.issuer.handlers.corrections import resume_corrections
from services.issuer.handlers.issuing import resume_unfinished
from services.issuer.metrics import IssuerMetrics
from shared import topology
from shared.service import Service
from shared.settings import Settings


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "issuer",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.TIMERS),
        buckets=(topology.DIRECTORY, topology.ISSUER_DIRECTIVES, topology.ISSUER_DRAFTS),
        consumers=(topology.ISSUER_TIMERS,),
    )
    # Uploads are parsed in worker processes with a time and a memory limit, never on
    # this event loop: a hostile file is refused and /healthz keeps answering.
    parsers = ParserPool(
        service.settings.parse_workers,
        service.settings.parse_timeout,
        service.settings.parse_memory_mb,
    )
    service.provide(partial(build_deps, service, IssuerMetrics(service.registry), parsers))
    background: set[asyncio.Task[None]] = set()

    async def start() -> None:
        # Interrupted fan-outs and corrections are finished in the background: the
        # service answers meanwhile.
        task = asyncio.create_task(resume(), name="resume-fanouts")
        background.add(task)
        task.add_done_callback(background.discard)
        parsers.start()

    async def resume() -> None:
        await resume_unfinished(service.deps)
        await resume_corrections(service.deps)

    service.on_start.append(start)
    service.on_stop.append(parsers.close)
    service.allow_uploads("POST", http.UPLOAD_PATH)
    service.allow_uploads("POST", issue_page.UPLOAD_PATH)
    service.app.include_router(http.router)
    service.app.include_router(tokens.router)
    service.app.include_router(audit.router)
    service.app.include_router(issue_page.router)
    service.app.include_router(admin_pages.router)
    service.app.include_router(recall.router)
    service.app.include_router(corrections.router)
    service.app.include_router(originals.router)
    messages.subscribe(service)
    return service
