"""What the reporter's handlers use, built once at start-up (``Service.provide``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache
from faststream.nats import NatsBroker
from opentelemetry.trace import Tracer

from services.reporter.adapters.attachments import Attachments
from services.reporter.adapters.drafts import Drafts
from services.reporter.adapters.reports_stream import ReportsStream
from services.reporter.adapters.review_queue import ReviewQueue
from services.reporter.adapters.revoked_links import RevokedLinks
from services.reporter.metrics import ReporterMetrics
from shared.directory import Directory
from shared.links import Links
from shared.service import Service
from shared.settings import Settings

ANNOUNCEMENTS_REMEMBERED = 20_000  # past that, a second visit announces again (a duplicate)


@dataclass(frozen=True)
class Deps:
    reports: ReportsStream
    attachments: Attachments
    now: Callable[[], datetime]
    directory: Callable[[], Directory]  # the mirror's current copy
    links: Links
    revoked: RevokedLinks  # links the parent's staff revoked
    metrics: ReporterMetrics
    tracer: Tracer
    max_versions: int  # CHIDAO_MAX_REPORT_VERSIONS
    queue: ReviewQueue  # the reports waiting for their parent's decision
    broker: NatsBroker  # the links opened it announces (shared/contacts.py)
    settings: Settings  # the link secrets sign the references to kept files too
    # the (how, directive, unit, requirement) this process announced already: a link
    # opened, an expired one tried (handlers/link_contacts.py)
    announced: LRUCache[tuple[str, str, str, str], bool]
    drafts: Drafts  # what units saved of their report without sending it (Lưu nháp)


def deps_builder(service: Service, metrics: ReporterMetrics) -> Callable[[], Awaitable[Deps]]:
    """The build function ``service.provide`` runs at start-up, once JetStream is there."""

    async def build() -> Deps:
        return Deps(
            reports=ReportsStream(service.js),
            attachments=Attachments(service.js),
            now=service.clock.now,
            directory=lambda: service.directory,
            links=Links(service.settings, service.clock),
            revoked=RevokedLinks(service.js),
            metrics=metrics,
            tracer=service.tracer,
            max_versions=service.settings.max_report_versions,
            queue=ReviewQueue(service.js),
            broker=service.broker,
            settings=service.settings,
            announced=LRUCache(maxsize=ANNOUNCEMENTS_REMEMBERED),
            drafts=Drafts(service.js),
        )

    return build
