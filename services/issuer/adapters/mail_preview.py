"""Asking the notifier which mails a draft would make (its templates are its own): a NATS
request with a short deadline, so a notifier that is down or slow costs the draft page
at most that long, and the page then shows its own summary alone."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from pydantic import ValidationError

from shared import subjects
from shared.contracts.previews import MailPreview, MailPreviewRequest
from shared.telemetry import trace_headers

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


async def ask_notifier(broker: NatsBroker, question: MailPreviewRequest) -> MailPreview | None:
    """The notifier's mails, or None when it did not answer in time or could not."""
    nc = broker.config.connection_state.connection
    try:
        reply = await nc.request(
            subjects.MAIL_PREVIEW,
            question.model_dump_json().encode(),
            timeout=TIMEOUT_SECONDS,
            headers=trace_headers(),
        )
        answer = MailPreview.model_validate_json(reply.data)
    except (NatsError, TimeoutError, ValidationError) as exc:
        log.warning("mail preview unavailable", extra={"reason": type(exc).__name__})
        return None
    if answer.refused:
        log.warning("mail preview refused", extra={"reason": answer.refused})
        return None
    return answer
