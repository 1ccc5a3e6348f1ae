"""The reporter service: units' reports (``POST /api/submissions`` and the page a mail's
signed link opens), every version kept; the parent's review (accept, or return for
correction); and the reports chidao files itself: a unit's own implementing plan, and a
unit's approved synthesis, each as its report on the parent's directive.

Wiring only: the rules are in ``domain/``, the use cases in ``handlers/``, the I/O in
``adapters/``, the routes and subscribers in ``entrypoints/`` (``public``: what a unit's
signed link reaches; ``http``: what staff use)."""

from __future__ import annotations

from services.reporter.deps import deps_builder
from services.reporter.entrypoints import extensions, http, messages, public, reviews
from services.reporter.entrypoints.pages import STYLE
from services.reporter.metrics import ReporterMetrics
from shared import topology
from shared.service import Service
from shared.settings import Settings


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "reporter",
        settings,
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.SYNTHESIS,
            topology.CONTACTS,
        ),
        buckets=(
            topology.DIRECTORY,
            topology.REVOKED_LINKS,
            topology.REPORTER_QUEUE,
            topology.REPORTER_DRAFTS,
        ),
        consumers=(topology.REPORTER_DIRECTIVES, topology.REPORTER_APPROVALS),
    )
    service.provide(deps_builder(service, ReporterMetrics(service.registry)))
    service.csp.allow(STYLE)
    service.allow_uploads("POST", public.FORM_PATH)
    service.allow_uploads("POST", http.SUBMISSIONS_PATH)
    service.app.include_router(public.router)
    service.app.include_router(http.router)
    service.app.include_router(reviews.router)
    service.app.include_router(extensions.router)
    messages.subscribe(service)
    return service
