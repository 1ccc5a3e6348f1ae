"""The notifier's subscribers: each event, decoded, goes to its handler with the service's
Deps. A handler's refusal is dead-lettered or redelivered by its kind (shared.service)."""

from __future__ import annotations

from services.notifier.domain.timer_plan import Heartbeat, Timer
from services.notifier.handlers.assignments import assignment_created
from services.notifier.handlers.contacts import link_expired
from services.notifier.handlers.corrections import directive_corrected
from services.notifier.handlers.directives import directive_issued
from services.notifier.handlers.extensions import extension_changed
from services.notifier.handlers.recalls import directive_recalled
from services.notifier.handlers.reports import report_reviewed, report_submitted
from services.notifier.handlers.timers import heartbeat_arrived, timer_fired
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


def subscribe(service: Service) -> None:
    @service.subscriber(topology.NOTIFIER_ASSIGNMENTS, batch_size=32)
    async def on_assignment(event: AssignmentCreated) -> None:
        await assignment_created(service.deps, event)

    @service.subscriber(topology.NOTIFIER_DIRECTIVES, batch_size=8)
    async def on_directive(event: DirectiveIssued) -> None:
        await directive_issued(service.deps, event)

    @service.subscriber(topology.NOTIFIER_RECALLS, batch_size=4)
    async def on_recall(event: DirectiveRecalled) -> None:
        await directive_recalled(service.deps, event)

    @service.subscriber(topology.NOTIFIER_CORRECTIONS, batch_size=4)
    async def on_correction(event: DirectiveCorrected) -> None:
        await directive_corrected(service.deps, event)

    @service.subscriber(topology.NOTIFIER_REPORTS, batch_size=64)
    async def on_report(event: ReportSubmitted) -> None:
        await report_submitted(service.deps, event)

    @service.subscriber(topology.NOTIFIER_REVIEWS, batch_size=16)
    async def on_review(event: ReportReviewed) -> None:
        await report_reviewed(service.deps, event)

    @service.subscriber(topology.NOTIFIER_EXPIRED_LINKS, batch_size=8)
    async def on_expired_link(event: UnitContacted) -> None:
        await link_expired(service.deps, event)

    @service.subscriber(topology.NOTIFIER_EXTENSIONS, batch_size=8)
    async def on_extension(event: ExtensionChanged) -> None:
        await extension_changed(service.deps, event)

    @service.subscriber(topology.NOTIFIER_TIMERS, batch_size=32)
    async def on_timer(timer: Timer | Heartbeat) -> None:
        if isinstance(timer, Heartbeat):
            await heartbeat_arrived(service.deps, timer)
        else:
            await timer_fired(service.deps, timer)
