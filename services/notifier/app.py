"""The notifier service: mails each unit its assignments, and the directive to the units
that only receive it, through the organisation's SMTP server."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.nats.annotations import NatsMessage

from services.notifier.compose import Attachment, Mail, assignment_mail, notice_mail
from services.notifier.ledger import Ledger, LedgerEntry
from services.notifier.mailer import Mailer, PermanentMailError, TransientMailError
from services.notifier.metrics import NotifierMetrics
from services.notifier.originals import Originals
from shared import topology
from shared.contracts import AssignmentCreated, AttachedFile, DirectiveIssued
from shared.errors import PermanentError
from shared.service import Service
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "notifier",
        settings,
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.DEAD_LETTERS),
        buckets=(topology.DIRECTORY, topology.NOTIFIER_LEDGER),
        consumers=(topology.NOTIFIER_DIRECTIVES, topology.NOTIFIER_ASSIGNMENTS),
    )
    metrics = NotifierMetrics(service.registry)
    mailer = Mailer(service.settings, on_latency=metrics.smtp_seconds.observe)
    state: dict[str, Any] = {}  # ledger and originals, opened at start-up

    async def on_start() -> None:
        state["ledger"] = Ledger(await service.js.key_value(topology.NOTIFIER_LEDGER.name))
        state["originals"] = Originals(service.js)

    async def original(attached: AttachedFile | None) -> Attachment | None:
        if attached is None:
            return None
        data = await state["originals"].fetch(attached)
        return Attachment(attached.filename, attached.content_type, data) if data else None

    service.on_start.append(on_start)
    service.on_stop.append(mailer.close)

    async def record(mail: Mail, status: str, detail: str = "") -> None:
        entry = LedgerEntry(
            status=status,
            at=service.clock.now(),
            template=mail.template,
            recipients=list(mail.unit.emails),
            detail=detail,
        )
        await state["ledger"].record(mail.ledger_key, entry)

    async def deliver(mail: Mail, msg: NatsMessage) -> str | None:
        """Send one mail unless the ledger has it. Returns a permanent failure, if any."""
        if await state["ledger"].get(mail.ledger_key) is not None:
            metrics.skipped.labels(mail.template, "already_sent").inc()
            return None
        if not mail.unit.emails:
            metrics.skipped.labels(mail.template, "no_address").inc()
            log.warning("unit has no e-mail address", extra={"unit": mail.unit.id})
            return None
        message = mail.to_message(service.settings.mail_from)
        try:
            await mailer.send(message, on_retry=msg.in_progress)
        except TransientMailError:
            metrics.failed.labels(mail.template, "transient").inc()
            raise
        except PermanentMailError as exc:
            metrics.failed.labels(mail.template, "permanent").inc()
            await record(mail, "rejected", str(exc))
            return f"{mail.unit.id}: {exc}"
        await record(mail, "sent")
        metrics.sent.labels(mail.template).inc()
        log.info(
            "mail sent",
            extra={"template": mail.template, "unit": mail.unit.id, "event_id": mail.event_id},
        )
        return None

    async def deliver_all(mails: list[Mail], msg: NatsMessage) -> None:
        results = await asyncio.gather(*(deliver(m, msg) for m in mails), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result  # transient: the whole event comes back; sent mails are skipped
        refused = [r for r in results if r]
        if refused:
            raise PermanentError("mail refused for good: " + "; ".join(refused))

    def unit_or_fail(unit_id: str):
        unit = service.directory.get(unit_id)
        if unit is None:
            # The directory may still be catching up with a load; try again later.
            raise LookupError(f"unit '{unit_id}' is not in the directory")
        return unit

    @service.subscriber(topology.NOTIFIER_ASSIGNMENTS, batch_size=32)
    async def on_assignment(event: AssignmentCreated, msg: NatsMessage) -> None:
        unit = unit_or_fail(event.assignment.unit_id)
        attachment = await original(event.assignment.document)
        await deliver_all([assignment_mail(event, unit, service.directory, attachment)], msg)

    @service.subscriber(topology.NOTIFIER_DIRECTIVES, batch_size=8)
    async def on_directive(event: DirectiveIssued, msg: NatsMessage) -> None:
        attachment = await original(event.directive.document)
        mails = [
            notice_mail(event, unit_or_fail(n.unit_id), n.role, attachment) for n in event.notices
        ]
        await deliver_all(mails, msg)

    return service
