"""One mail's way out: the ledger first, a claim once an SMTP connection is ready, the
send, and the server's answer recorded (adapters/ledger.py says why)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from opentelemetry.trace import Tracer

from services.notifier.adapters.ledger import Claim, Ledger, Status
from services.notifier.adapters.mailer import (
    Mailer,
    PermanentMailError,
    TransientMailError,
    UncertainMailError,
)
from services.notifier.domain.delivery import Delivered
from services.notifier.domain.mails import Mail
from services.notifier.metrics import NotifierMetrics
from shared.settings import Settings

log = logging.getLogger(__name__)


class Sender:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        mailer: Mailer,
        metrics: NotifierMetrics,
        tracer: Tracer,
        now: Callable[[], datetime | None] | None = None,
    ) -> None:
        self._settings = settings
        self._now = now or (lambda: None)  # the Date header's clock (the service's)
        self._ledger = ledger
        self._mailer = mailer
        self._metrics = metrics
        self._tracer = tracer

    async def deliver(self, mail: Mail) -> Delivered:
        """Send one mail unless the ledger says not to; what came of it. Raises on a
        transient failure (the event comes back later)."""
        metrics, template = self._metrics, mail.template
        skip = await self._ledger.settled(mail.ledger_key)
        if skip is not None:
            metrics.skipped.labels(template, skip).inc()
            return Delivered("skipped", skip)
        if not mail.addresses:
            metrics.skipped.labels(template, "no_address").inc()
            log.warning("unit has no e-mail address", extra={"unit": mail.unit.id})
            return Delivered("no_address")
        attempt = _Attempt(self._ledger, mail, metrics)
        try:
            with self._tracer.start_as_current_span(
                "send mail", attributes={"chidao.template": template, "chidao.unit": mail.unit.id}
            ):
                sent = await self._mailer.send(
                    mail.to_message(self._settings.mail_from, self._now()),
                    on_retry=attempt.retrying,
                    before_transaction=attempt.claim,
                )
        except TransientMailError as exc:
            metrics.failed.labels(template, "transient").inc()
            await attempt.resolve("failed", str(exc))
            raise
        except PermanentMailError as exc:
            metrics.failed.labels(template, "permanent").inc()
            metrics.dead_lettered.labels(template).inc()
            await attempt.resolve("rejected", str(exc))
            return Delivered("refused", f"{mail.unit.id}: {exc}")
        except UncertainMailError as exc:
            await self._uncertain(attempt, exc)
            return Delivered("possibly_sent")
        else:
            if sent:
                await attempt.resolve("sent")
        finally:
            attempt.stop()
        if not sent:
            declined = attempt.declined or "already_sent"
            metrics.skipped.labels(template, declined).inc()
            return Delivered("skipped", declined)
        metrics.sent.labels(template).inc()
        log.info(
            "mail sent",
            extra={
                "template": template,
                "unit": mail.unit.id,
                "event_id": mail.key,
                "possibly_sent_before": attempt.possibly_sent,
            },
        )
        return Delivered("sent")

    async def _uncertain(self, attempt: _Attempt, exc: UncertainMailError) -> None:
        """The server got the whole message but its answer never came: possibly sent. Not
        retried at once; with the resend policy the event comes back after the
        redelivery delay and the mail goes again with the same Message-ID."""
        mail, policy = attempt.mail, self._settings.mail_uncertain
        self._metrics.failed.labels(mail.template, "uncertain").inc()
        if policy == "skip":  # a resend is counted when it claims the mail again
            self._metrics.possibly_sent.labels(mail.template, policy).inc()
        await attempt.resolve("uncertain", str(exc))
        log.warning(
            "mail possibly sent: no answer to the end of DATA",
            extra={"template": mail.template, "unit": mail.unit.id, "policy": policy},
        )
        if policy == "resend":
            raise TransientMailError(f"possibly sent, to be sent again: {exc}") from exc


class _Attempt:
    """The claim one delivery holds, from the moment a connection is ready."""

    def __init__(self, ledger: Ledger, mail: Mail, metrics: NotifierMetrics) -> None:
        self._ledger, self.mail, self._metrics = ledger, mail, metrics
        self.held: Claim | None = None
        self.declined: str | None = None  # why the ledger said not to send, at the claim
        self._keeper: asyncio.Task[None] | None = None

    @property
    def possibly_sent(self) -> bool:
        return self.held is not None and self.held.possibly_sent

    async def claim(self) -> bool:
        """Just before MAIL FROM. A retry after a transient failure keeps its claim."""
        if self.held is not None:
            return True
        mail = self.mail
        outcome = await self._ledger.claim(mail.ledger_key, mail.template, mail.addresses)
        if isinstance(outcome, str):
            self.declined = outcome
            if outcome == "possibly_sent":
                self._metrics.possibly_sent.labels(mail.template, "skip").inc()
            return False
        self.held = outcome
        self._keeper = asyncio.create_task(self._ledger.keep(outcome))
        if outcome.possibly_sent:
            self._metrics.possibly_sent.labels(mail.template, "resend").inc()
            log.warning(
                "mail possibly sent by a notifier that stopped; sending it again with the "
                "same Message-ID",
                extra={"template": mail.template, "unit": mail.unit.id},
            )
        return True

    async def retrying(self) -> None:
        self._metrics.retried.labels(self.mail.template).inc()

    async def resolve(self, status: Status, detail: str = "") -> None:
        if self.held is not None:
            await self._ledger.resolve(self.held, status, detail)

    def stop(self) -> None:
        """No more renewals. A claim left unresolved (the handler was cancelled, or failed
        otherwise) expires, and the mail is then possibly sent."""
        if self._keeper is not None:
            self._keeper.cancel()
