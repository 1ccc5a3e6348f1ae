"""The mails of a recall (thu hồi, Nghị định 30/2020 Điều 18): the notice to every unit
the directive reached, and the word to the issuer of each directive issued to implement
it, whose basis (văn bản căn cứ) is gone. A replacement (thay thế) is a recall that names
the document taking its place (``Recall.replaced_by``): the same mails say it was
replaced, and by which document, the units now acting and reporting under that one.

They follow the directive's marks as the other mails do: its urgency leads the subject,
and a secret document's mails carry neither its title nor the reason of its recall,
which speaks of its content."""

from __future__ import annotations

from typing import Any

from services.notifier.domain.mails import SECRET_TITLE, Mail, _marked, _render, _subject
from shared.contracts import Directive, DirectiveIssued, DirectiveRecalled, Recall, Unit
from shared.contracts.directives import SECRECY_MARKS
from shared.vietnamese import document_title, format_date, format_instant


def _document(d: Directive) -> dict[str, Any]:
    """How a mail names one document: kind and number, date, issuer, and its title
    unless the document is secret ("" then: the templates leave the line out)."""
    return {
        "document": document_title(d.kind, d.ref),
        "issued_on": format_date(d.issued_on),
        "issuer": d.issuer,
        "title": "" if d.secrecy else d.title,
        "secret": SECRECY_MARKS[d.secrecy] if d.secrecy else "",
    }


def replacement(recall: Recall) -> str:
    """ "văn bản số 102-KH/ĐU": the document a replaced one gave way to, as a mail names it
    ("" for a recall). Its number, not its title: the new document reaches its units
    with mails of its own, which say the rest."""
    if recall.replaced_by is None:
        return ""
    return f"văn bản số {recall.replaced_by_ref}" if recall.replaced_by_ref else "văn bản mới"


def _recall(event: DirectiveRecalled) -> dict[str, Any]:
    """The recalled document and why, when and by whom; no reason for a secret one; and
    what replaced it, if anything did."""
    d, recall = event.directive, event.recall
    return {
        **_document(d),
        "directive_id": event.directive_id,
        "reason": "" if d.secrecy else recall.reason,
        "recalled_at": format_instant(recall.recalled_at),
        "recalled_by": recall.recalled_by,
        "replaced_by": replacement(recall),
    }


def recall_notice_mail(event: DirectiveRecalled, unit: Unit, assigned: bool) -> Mail:
    """ "Thông báo thu hồi văn bản" (or "thay thế") to a unit the directive reached;
    ``assigned``: it was given requirements to report on (its mails carried a link), not
    only the document. Its key is the event's: one mail per unit, however often the
    recall is handled."""
    d = event.directive
    what = "Thay thế" if event.recall.replaced_by else "Thu hồi"
    words = f"{what} văn bản: {SECRET_TITLE if d.secrecy else d.title}"
    return _render(
        "recall_notice",
        event.event_id,
        unit,
        _subject(d.ref, _marked(d.urgency, words)),
        None,
        assigned=assigned,
        **_recall(event),
    )


def basis_recalled_mail(event: DirectiveRecalled, own: DirectiveIssued, unit: Unit) -> Mail:
    """To ``unit``, the issuer of ``own``, a directive issued to implement the recalled
    one: its basis is gone (or replaced), it may need to amend or recall its own. Its key
    names ``own``: an issuer of two such directives is told of each, and a unit the recalled
    directive also reached gets its recall notice besides."""
    what = "đã được thay thế" if event.recall.replaced_by else "đã bị thu hồi"
    return basis_changed_mail(
        "basis_recalled", event.event_id, event.directive, what, own, unit, **_recall(event)
    )


def basis_changed_mail(
    template: str,
    key: str,
    basis: Directive,
    what: str,
    own: DirectiveIssued,
    unit: Unit,
    **context: Any,
) -> Mail:
    """To ``unit``, the issuer of ``own``, which implements ``basis``: the basis ``what``
    ("đã bị thu hồi", "đã được đính chính"), with ``context``. Its key names ``own``: an
    issuer of two such directives is told of each."""
    words = f"Văn bản căn cứ {what}: {document_title(basis.kind, basis.ref)}"
    ours = {f"own_{k}": v for k, v in _document(own.directive).items()}
    return _render(
        template,
        f"{key}.{own.directive_id}",
        unit,
        _subject(own.directive.ref, _marked(basis.urgency, words)),
        None,
        own_directive_id=own.directive_id,
        **ours,
        **context,
    )
