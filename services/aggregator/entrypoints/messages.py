"""The aggregator's durable subscribers: each translates its events and calls a handler
with ``service.deps``. A refusal a handler raises (an automatic approval that cannot go
up) is dead-lettered with its reason by the service's middleware."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.nats.message import NatsBatchMessage

from services.aggregator.domain.approval import AutoApproval
from services.aggregator.handlers import approval, correction, recall, rollup
from shared import topology
from shared.contracts import (
    AssignmentCreated,
    DirectiveCorrected,
    DirectiveIssued,
    DirectiveRecalled,
    ExtensionChanged,
    ReportReviewed,
    ReportSubmitted,
    UnitContacted,
)
from shared.service import Service
from shared.telemetry import continued_from

# The batch's JetStream messages, with their headers (a batch subscriber's message).
BatchMessage = Annotated[NatsBatchMessage, Context("message")]


def subscribe(service: Service) -> None:
    @service.subscriber(topology.AGGREGATOR_DIRECTIVES, batch_size=16)
    async def on_directive(event: DirectiveIssued) -> None:
        await rollup.directive_issued(service.deps, event)

    @service.subscriber(topology.AGGREGATOR_RECALLS, batch_size=16)
    async def on_recall(event: DirectiveRecalled) -> None:
        await recall.directive_recalled(service.deps, event)

    @service.subscriber(topology.AGGREGATOR_CORRECTIONS, batch_size=16)
    async def on_correction(event: DirectiveCorrected) -> None:
        await correction.directive_corrected(service.deps, event)

    @service.subscriber(topology.AGGREGATOR_ASSIGNMENTS, batch=True, batch_size=500, timeout=0.2)
    async def on_assignments(events: list[AssignmentCreated]) -> None:
        await rollup.assignments_created(service.deps, [e.assignment for e in events])

    @service.subscriber(topology.AGGREGATOR_REPORTS, batch=True, batch_size=500, timeout=0.2)
    async def on_reports(events: list[ReportSubmitted], msg: BatchMessage) -> None:
        await rollup.reports_submitted(service.deps, [e.submission for e in events])
        # A batch mixes many directives' traces: each report gets a span in its own trace
        # (the directive's, see the reporter) saying it is now in the roll-up.
        for raw, event in zip(msg.raw_message, events, strict=True):
            s = event.submission
            with continued_from(raw.headers or {}, "roll up report", unit=s.unit_id):
                pass

    @service.subscriber(topology.AGGREGATOR_REVIEWS, batch=True, batch_size=100, timeout=0.2)
    async def on_reviews(events: list[ReportReviewed]) -> None:
        await rollup.reports_reviewed(service.deps, [e.review for e in events])

    @service.subscriber(topology.AGGREGATOR_EXTENSIONS, batch=True, batch_size=100, timeout=0.2)
    async def on_extensions(events: list[ExtensionChanged]) -> None:
        await rollup.extensions_changed(service.deps, [e.extensions for e in events])

    @service.subscriber(topology.AGGREGATOR_CONTACTS, batch=True, batch_size=500, timeout=0.2)
    async def on_contacts(events: list[UnitContacted]) -> None:
        await rollup.units_contacted(service.deps, events)

    @service.subscriber(topology.AGGREGATOR_TIMERS, batch_size=8)
    async def on_timer(timer: AutoApproval) -> None:
        await approval.approve_automatically(service.deps, timer)
