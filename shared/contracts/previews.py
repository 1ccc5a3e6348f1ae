"""Asking the notifier what it would mail: the issuer's draft page shows each kind of
recipient the mail the notifier's own templates make of the directive before it is
issued (a NATS request, ``shared.subjects.MAIL_PREVIEW``; nothing is stored or sent)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.contracts.base import Contract, Text
from shared.contracts.events import AssignmentCreated, DirectiveIssued, Notice

MAX_SAMPLES = 8  # mails a preview renders at most: one per requirement and kind of notice


class MailPreviewRequest(Contract):
    """The events issuing would publish, for one sample unit of each kind of recipient."""

    directive: DirectiveIssued
    assignments: list[AssignmentCreated] = Field(default=[], max_length=MAX_SAMPLES)
    notices: list[Notice] = Field(default=[], max_length=MAX_SAMPLES)


class PreviewedMail(Contract):
    kind: Literal["assignment", "notice"]
    unit_id: str
    unit_name: Text
    subject: Text
    text: str  # the mail's plain-text part, as the unit will read it


class MailPreview(Contract):
    mails: list[PreviewedMail]
    refused: str | None = None  # why no mail could be made (a unit it does not know)
