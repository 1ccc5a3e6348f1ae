"""What other services ask the notifier and wait for (core NATS request and reply, not a
stream: an answer nobody waits for any more is worth nothing): the mails a draft
directive would make (``shared.subjects.MAIL_PREVIEW``, asked by the issuer's draft
page). Every replica listens in one queue group, so one of them answers each question."""

from __future__ import annotations

import logging

from nats.aio.msg import Msg
from pydantic import ValidationError

from services.notifier.handlers.preview import preview_mails
from shared import subjects
from shared.contracts.previews import MailPreview, MailPreviewRequest
from shared.errors import DomainError
from shared.service import Service
from shared.telemetry import continued_from

log = logging.getLogger(__name__)

MAX_QUESTION_BYTES = 900 * 1024  # a directive and a few sample events, under NATS' 1 MB


def answer_questions(service: Service) -> None:
    async def on_preview(msg: Msg) -> None:
        with continued_from(msg.headers or {}, "preview mails"):
            try:
                answer = _answer(service, msg.data)
            except Exception:  # the asker is told at once rather than left to time out
                log.exception("mail preview failed")
                answer = MailPreview(mails=[], refused="the notifier could not render them")
            await msg.respond(answer.model_dump_json().encode())

    async def listen() -> None:
        nc = service.broker.config.connection_state.connection
        await nc.subscribe(subjects.MAIL_PREVIEW, queue="notifier", cb=on_preview)

    service.on_start.append(listen)


def _answer(service: Service, data: bytes) -> MailPreview:
    """The mails, or none with the reason the draft page shows instead."""
    if len(data) > MAX_QUESTION_BYTES:
        return MailPreview(mails=[], refused=f"question over {MAX_QUESTION_BYTES} bytes")
    try:
        return preview_mails(service.deps, MailPreviewRequest.model_validate_json(data))
    except (ValidationError, DomainError) as exc:
        log.warning("mail preview refused", extra={"reason": str(exc)[:300]})
        return MailPreview(mails=[], refused=str(exc)[:300])
