"""The resent assignment mail ("Gửi lại"): the unit's assignment mail as it first went,
with its link and the original, marked as a resend at the top and in the subject. Its
templates extend the assignment's (services/notifier/templates), so the two never drift
apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notifier.domain.mails import (
    Attachment,
    Link,
    Mail,
    _assignment_context,  # the assignment mail's own context: the resend says the same
    assignment_mail,
)
from shared.contracts import AssignmentCreated, Unit
from shared.directory import Directory
from shared.vietnamese import format_instant

TEMPLATE = "resend"  # its kind in the ledger, the metrics and X-Chidao-Template
SUBJECT_LIMIT = 140  # as the other mails' subjects (domain/mails.py)
_LOADER = FileSystemLoader(
    [Path(__file__).parent / "mail", Path(__file__).parents[1] / "templates"]
)
_TEXT = Environment(loader=_LOADER, undefined=StrictUndefined, keep_trailing_newline=True)
_HTML = Environment(loader=_LOADER, undefined=StrictUndefined, autoescape=True)


def _subject(first: str, ref: str) -> str:
    subject = first.replace(f"[{ref}] ", f"[{ref}] Gửi lại: ", 1)
    if len(subject) <= SUBJECT_LIMIT:
        return subject
    return subject[: SUBJECT_LIMIT - 1].rstrip() + "…"


def resend_mail(
    key: str,
    event: AssignmentCreated,
    unit: Unit,
    directory: Directory,
    link: Link | None,
    attachment: Attachment | None,
    requested_by: str,
    at: datetime,
) -> Mail:
    """``key``: this resend's own (a new one per click), hence its own Message-ID."""
    first = assignment_mail(event, unit, directory, link, attachment)
    a = event.assignment
    subject = _subject(first.subject, a.directive_ref)
    context = {
        **_assignment_context(a, directory, link, attachment),
        "unit": unit,
        "subject": subject,
        "requested_by": requested_by,
        "resent_at": format_instant(at),
    }
    return replace(
        first,
        template=TEMPLATE,
        key=key,
        subject=subject,
        text=_TEXT.get_template("resend.txt.j2").render(context),
        html=_HTML.get_template("resend.html.j2").render(context),
    )
