"""The notifier service: mails each unit its assignments and the directive to the units
that only receive it, reminds before deadlines, chases after them ("đôn đốc"), and tells
the parent who is late, through the organisation's SMTP server, never twice."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from services.notifier.compose import (
    Attachment,
    Link,
    Mail,
    assignment_mail,
    digest_mail,
    notice_mail,
    overdue_mail,
    reminder_mail,
    returned_mail,
)
from services.notifier.delivery import Sender
from services.notifier.digest import late_units
from services.notifier.ledger import Ledger, replica_id
from services.notifier.mailer import Mailer
from services.notifier.metrics import NotifierMetrics
from services.notifier.originals import Originals
from services.notifier.timers import Heartbeat, Timer, Timers
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    AttachedFile,
    DirectiveIssued,
    ReportReviewed,
    ReportSubmitted,
    Unit,
)
from shared.errors import PermanentError
from shared.links import Links
from shared.service import Service
from shared.settings import Settings
from shared.streams import last_event

log = logging.getLogger(__name__)


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "notifier",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.REPORTS, topology.TIMERS),
        buckets=(topology.DIRECTORY, topology.NOTIFIER_LEDGER),
        consumers=(
            topology.NOTIFIER_DIRECTIVES,
            topology.NOTIFIER_ASSIGNMENTS,
            topology.NOTIFIER_REPORTS,
            topology.NOTIFIER_TIMERS,
            topology.NOTIFIER_REVIEWS,
        ),
    )
    metrics = NotifierMetrics(service.registry)
    mailer = Mailer(service.settings, on_latency=metrics.smtp_seconds.observe)
    links = Links(service.settings, service.clock)
    parts: dict[str, Any] = {}  # opened at start-up: sender, originals, timers

    async def on_start() -> None:
        js = service.js
        ledger = Ledger(
            await js.key_value(topology.NOTIFIER_LEDGER.name),
            claimant=replica_id(),
            lease=service.settings.mail_claim_lease,
            policy=service.settings.mail_uncertain,
            now=service.clock.now,
        )
        parts["sender"] = Sender(service.settings, ledger, mailer, metrics, service.tracer)
        parts["originals"] = Originals(js)
        parts["timers"] = Timers(js, service.settings, service.clock, lambda: service.directory)

    service.on_start.append(on_start)
    service.on_stop.append(mailer.close)

    async def heartbeat() -> None:
        await parts["timers"].schedule_heartbeat(time.time())

    service.periodic.append(heartbeat)

    async def original(attached: AttachedFile | None) -> Attachment | None:
        if attached is None:
            return None
        data = await parts["originals"].fetch(attached)
        return Attachment(attached.filename, attached.content_type, data) if data else None

    def link_for(a: Assignment) -> Link:
        r = a.requirement
        url = links.url(a.directive_id, a.unit_id, r.id, r.due_before, a.assigned_at)
        return Link(url, links.expiry(r.due_before, a.assigned_at))

    async def deliver_all(mails: list[Mail]) -> None:
        deliver = parts["sender"].deliver
        results = await asyncio.gather(*(deliver(m) for m in mails), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result  # transient: the whole event comes back; sent mails are skipped
        refused = [r for r in results if r]
        if refused:
            # The reason goes with the message to the dead-letter stream.
            raise PermanentError("mail refused for good: " + "; ".join(refused))

    def unit_or_fail(unit_id: str) -> Unit:
        unit = service.directory.get(unit_id)
        if unit is None:
            # The directory may still be catching up with a load; try again later.
            raise LookupError(f"unit '{unit_id}' is not in the directory")
        return unit

    @service.subscriber(topology.NOTIFIER_ASSIGNMENTS, batch_size=32)
    async def on_assignment(event: AssignmentCreated) -> None:
        a = event.assignment
        unit = unit_or_fail(a.unit_id)
        attachment = await original(a.document)
        mail = assignment_mail(event, unit, service.directory, link_for(a), attachment)
        await deliver_all([mail])
        timers = parts["timers"].plan(a)
        await parts["timers"].schedule(timers)
        for timer in timers:
            metrics.timers_scheduled.labels(timer.kind).inc()

    @service.subscriber(topology.NOTIFIER_DIRECTIVES, batch_size=8)
    async def on_directive(event: DirectiveIssued) -> None:
        attachment = await original(event.directive.document)
        mails = [
            notice_mail(event, unit_or_fail(n.unit_id), n.role, attachment) for n in event.notices
        ]
        await deliver_all(mails)

    @service.subscriber(topology.NOTIFIER_REPORTS, batch_size=64)
    async def on_report(event: ReportSubmitted) -> None:
        s = event.submission
        cancelled = await parts["timers"].cancel(s.directive_id, s.unit_id, s.requirement_id)
        metrics.timers_cancelled.inc(cancelled)

    @service.subscriber(topology.NOTIFIER_REVIEWS, batch_size=16)
    async def on_review(event: ReportReviewed) -> None:
        """A report the parent returned for correction: tell the unit why, with its link."""
        r = event.review
        if r.decision != "returned":
            return
        found = await last_event(
            service.js,
            topology.ASSIGNMENTS.name,
            subjects.assignment_created(r.directive_id, r.unit_id, r.requirement_id),
            AssignmentCreated,
        )
        if found is None:
            raise PermanentError(f"no assignment for the returned report {event.event_id}")
        a = found[0].assignment
        unit = unit_or_fail(a.unit_id)
        mail = returned_mail(
            event.event_id, a, unit, service.directory, r.version, r.reason, link_for(a)
        )
        await deliver_all([mail])

    async def reported(a: Assignment) -> bool:
        subject = subjects.report_submitted(a.directive_id, a.unit_id, a.requirement.id)
        return (
            await last_event(service.js, topology.REPORTS.name, subject, ReportSubmitted)
            is not None
        )

    @service.subscriber(topology.NOTIFIER_TIMERS, batch_size=32)
    async def on_timer(timer: Timer | Heartbeat) -> None:
        if isinstance(timer, Heartbeat):
            metrics.heartbeat.set(time.time())
            metrics.timer_delay.observe(max(0.0, time.time() - timer.heartbeat_at))
            return
        metrics.timer_delay.observe(max(0.0, (service.clock.now() - timer.at).total_seconds()))
        a = timer.assignment
        if timer.kind == "digest":
            missing, late = await late_units(
                service.js, service.directory, timer.unit_id, a, service.clock.now()
            )
            if not missing and not late:
                metrics.timers_fired.labels(timer.kind, "nobody_late").inc()
                return
            parent = unit_or_fail(timer.unit_id)
            await deliver_all([digest_mail(timer.id, a, parent, missing, late)])
        else:
            if await reported(a):  # the report came in after the timer was set
                metrics.timers_fired.labels(timer.kind, "reported").inc()
                return
            unit = unit_or_fail(a.unit_id)
            if timer.kind == "remind":
                mail = reminder_mail(
                    timer.id, a, unit, service.directory, timer.days_before or 0, link_for(a)
                )
            else:
                mail = overdue_mail(timer.id, a, unit, service.directory, link_for(a))
            await deliver_all([mail])
        metrics.timers_fired.labels(timer.kind, "mailed").inc()

    return service
