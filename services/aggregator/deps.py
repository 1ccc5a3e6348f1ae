"""What the aggregator's handlers use, built once at start-up (``build_deps``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.aggregator.adapters.directives import DirectiveBook
from services.aggregator.adapters.home_index import HomeIndex
from services.aggregator.adapters.notes import Notes
from services.aggregator.adapters.rollup import Rollup
from services.aggregator.metrics import AggregatorMetrics
from shared import topology
from shared.clock import Clock
from shared.directory import Directory
from shared.service import Service
from shared.settings import Settings
from shared.workdays import CalendarCopy


@dataclass(frozen=True)
class Deps:
    js: JetStreamContext
    broker: NatsBroker  # publishes synthesis.approved and waits for its ack
    book: DirectiveBook  # the directives, their requirements and forms
    rollup: Rollup  # the roll-up nodes
    home: HomeIndex  # the console home's index, kept beside the nodes
    notes: Notes  # the sections the staff write in their báo cáo tổng hợp
    calendar: CalendarCopy  # the operator's working days: for forms counting in them
    clock: Clock
    directory: Callable[[], Directory]  # the mirror's current directory
    metrics: AggregatorMetrics
    settings: Settings  # console_url: the pages link to the staff site's


def deps_builder(service: Service, metrics: AggregatorMetrics) -> Callable[[], Awaitable[Deps]]:
    """``build_deps`` for ``service.provide``: the aggregator's buckets opened."""

    async def build_deps() -> Deps:
        js = service.js
        kv = await js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name)
        book = DirectiveBook(kv, js, service.clock.now)  # recurring: the periods so far
        nodes = await js.key_value(topology.AGGREGATOR_ROLLUP.name)
        calendar = CalendarCopy(js)
        rollup = Rollup(
            nodes,
            lambda: service.directory,
            on_write=lambda node: metrics.writes.inc(),
            on_conflict=metrics.conflicts.inc,
            forms=book.form,
            calendar=calendar.get,
        )
        return Deps(
            js=js,
            broker=service.broker,
            book=book,
            rollup=rollup,
            home=HomeIndex(nodes),
            notes=Notes(await js.key_value(topology.AGGREGATOR_NOTES.name)),
            calendar=calendar,
            clock=service.clock,
            directory=lambda: service.directory,
            metrics=metrics,
            settings=service.settings,
        )

    return build_deps
