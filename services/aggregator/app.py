"""The aggregator service: the incremental roll-up; the synthesis of a directive for a
unit as JSON and as the báo cáo tổng hợp (Markdown, HTML, .docx); the live status page;
and closing a level, the synthesis approved and sent up as the unit's own report.

Wiring only: the handlers are ``handlers/``, the routes ``entrypoints/http.py`` and
``entrypoints/pages.py``, the subscribers ``entrypoints/messages.py``."""

from __future__ import annotations

from services.aggregator.deps import deps_builder
from services.aggregator.documents.html import STYLE as REPORT_STYLE
from services.aggregator.entrypoints import (
    console,
    http,
    lateness,
    messages,
    pages,
    synthesis_page,
)
from services.aggregator.handlers import rollup
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.status.page import STYLE as STATUS_STYLE
from shared import topology
from shared.service import Service
from shared.settings import Settings


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
            topology.CONTACTS,
        ),
        buckets=(
            topology.DIRECTORY,
            topology.AGGREGATOR_ROLLUP,
            topology.AGGREGATOR_DIRECTIVES_BUCKET,
            topology.AGGREGATOR_NOTES,
        ),
        consumers=(
            topology.AGGREGATOR_DIRECTIVES,
            topology.AGGREGATOR_RECALLS,
            topology.AGGREGATOR_CORRECTIONS,
            topology.AGGREGATOR_ASSIGNMENTS,
            topology.AGGREGATOR_REPORTS,
            topology.AGGREGATOR_REVIEWS,
            topology.AGGREGATOR_EXTENSIONS,
            topology.AGGREGATOR_TIMERS,
            topology.AGGREGATOR_CONTACTS,
        ),
    )
    metrics = AggregatorMetrics(service.registry)
    service.provide(deps_builder(service, metrics))
    # The inline style sheets of the status page and of the HTML báo cáo tổng hợp.
    service.csp.allow(STATUS_STYLE, REPORT_STYLE)

    async def sample_progress() -> None:
        await rollup.sample_progress(service.deps)

    service.periodic.append(sample_progress)
    service.app.include_router(http.router)
    service.app.include_router(pages.router)
    service.app.include_router(console.router)
    service.app.include_router(synthesis_page.router)
    service.app.include_router(lateness.router)
    messages.subscribe(service)
    return service
