"""The mails a draft directive would make, as this service's templates write them, for
the issuer's draft page: rendered only, never stored, claimed or sent."""

from __future__ import annotations

from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Attachment, Link, Mail, assignment_mail, notice_mail
from shared.contracts.previews import MailPreview, MailPreviewRequest, PreviewedMail
from shared.forms import issued_form


def _shown(kind: str, mail: Mail) -> PreviewedMail:
    return PreviewedMail.model_validate({
        "kind": kind, "unit_id": mail.unit.id, "unit_name": mail.unit.name,
        "subject": mail.subject, "text": mail.text,
    })  # fmt: skip


def preview_mails(deps: Deps, request: MailPreviewRequest) -> MailPreview:
    """Raises ``UnitNotInDirectory`` for a unit this service's directory does not hold."""
    directory = deps.directory()
    issued = request.directive
    document = issued.directive.document
    # the attachment's name is all a mail's text says of it
    attached = Attachment(document.filename, document.content_type, b"") if document else None
    mails = []
    for event in request.assignments:
        a = event.assignment
        expires = deps.links.expiry(a.requirement.due_before, a.assigned_at)
        link = Link(deps.links.placeholder_url(), expires)
        unit = recipient(directory, a.unit_id)
        form = issued_form(issued, a.requirement)
        mail = assignment_mail(event, unit, directory, link, attached, form)
        mails.append(_shown("assignment", mail))
    for notice in request.notices:
        unit = recipient(directory, notice.unit_id)
        mails.append(_shown("notice", notice_mail(issued, unit, notice.role, attached)))
    return MailPreview(mails=mails)
