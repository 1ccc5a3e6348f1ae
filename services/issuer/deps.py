"""What the issuer's handlers use, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from opentelemetry.trace import Tracer

from services.issuer.adapters.directives_bucket import RecordStore, RefIndex
from services.issuer.adapters.drafts import DraftStore
from services.issuer.adapters.originals import Originals
from services.issuer.adapters.parse_workers import ParserPool
from services.issuer.documents.resolve import Resolver
from services.issuer.metrics import IssuerMetrics
from shared import topology
from shared.clock import Clock
from shared.directory import Directory
from shared.service import Service


class Resolvers:
    """The resolver of the current directory: indexing a large directory's names is worth
    keeping while the directory does not change."""

    def __init__(self, directory: Callable[[], Directory]) -> None:
        self._directory = directory
        self._cache: LRUCache[int, Resolver] = LRUCache(maxsize=1)

    def __call__(self) -> Resolver:
        directory = self._directory()
        resolver = self._cache.get(directory.version)
        if resolver is None:
            resolver = self._cache[directory.version] = Resolver(directory)
        return resolver


@dataclass(frozen=True)
class Deps:
    broker: NatsBroker  # directive.issued goes through it (its middlewares, its trace)
    js: JetStreamContext
    records: RecordStore
    refs: RefIndex
    directory: Callable[[], Directory]  # the mirror's current directory
    resolver: Callable[[], Resolver]  # the name matcher of that directory
    parsers: ParserPool
    clock: Clock
    tracer: Tracer
    metrics: IssuerMetrics
    drafts: DraftStore  # the staff console's drafts (issuer_drafts)
    originals: Originals  # the original files, those of secret directives sealed


async def build_deps(service: Service, metrics: IssuerMetrics, parsers: ParserPool) -> Deps:
    kv = await service.js.key_value(topology.ISSUER_DIRECTIVES.name)

    def directory() -> Directory:
        return service.directory

    return Deps(
        broker=service.broker,
        js=service.js,
        records=RecordStore(kv),
        refs=RefIndex(kv),
        directory=directory,
        resolver=Resolvers(directory),
        parsers=parsers,
        clock=service.clock,
        tracer=service.tracer,
        metrics=metrics,
        drafts=DraftStore(await service.js.key_value(topology.ISSUER_DRAFTS.name)),
        originals=Originals(service.js, service.settings.originals_secret),
    )
