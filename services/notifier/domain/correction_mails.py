"""The mails of a correction (đính chính, Nghị định 30/2020 Điều 18): the notice to every
unit the directive reached, and the word to the issuer of each directive issued to
implement it, whose basis (văn bản căn cứ) changed.

The notice says what changed, as the issuer worded it ("Nội dung — Trước đính chính —
Sau đính chính"); to a unit still assigned it carries its report links, signed for the
deadline in force, and to a unit the correction took off that nothing more is asked of
it. They follow the directive's marks as the other mails do: its urgency leads the
subject, and a secret document's mails carry neither its title nor the reason nor the
changes, which speak of its content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notifier.domain.mails import SECRET_TITLE, Link, Mail, _marked, _render, _subject
from services.notifier.domain.recall_mails import _document, basis_changed_mail
from shared.contracts import DirectiveCorrected, DirectiveIssued, Unit
from shared.vietnamese import format_deadline, format_instant


@dataclass(frozen=True)
class ReportLink:
    """One requirement a unit still reports on, as corrected: its action, the deadline in
    force (``extended``: an extension granted before sets it, not the correction) and
    the unit's link signed for it."""

    action: str
    due: datetime | None
    link: Link
    extended: bool = False


def _correction(event: DirectiveCorrected) -> dict[str, Any]:
    """The corrected document and what, why, when and by whom; neither the reason nor
    the changes for a secret one."""
    d, c = event.directive, event.correction
    return {
        **_document(d),
        "directive_id": event.directive_id,
        "number": c.number,
        "reason": "" if d.secrecy else c.reason,
        "changes": [] if d.secrecy else c.changes,
        "corrected_at": format_instant(c.corrected_at),
        "corrected_by": c.corrected_by,
    }


def _reports(reports: list[ReportLink]) -> list[dict[str, Any]]:
    return [
        {
            "action": r.action,
            "deadline": format_deadline(r.due),
            "extended": r.extended,
            "link": r.link.url,
            "link_expires": format_instant(r.link.expires),
        }
        for r in reports
    ]


def correction_notice_mail(
    event: DirectiveCorrected, unit: Unit, removed: bool, reports: list[ReportLink]
) -> Mail:
    """ "Thông báo đính chính văn bản" to a unit the directive reached: ``removed``, the
    correction took it off; ``reports``, what it still reports on (none for a unit only
    sent the document). Its key is the event's: one mail per unit and correction,
    however often the event is handled."""
    d = event.directive
    title = SECRET_TITLE if d.secrecy else d.title
    words = f"Đính chính văn bản (lần {event.correction.number}): {title}"
    return _render(
        "correction_notice",
        event.event_id,
        unit,
        _subject(d.ref, _marked(d.urgency, words)),
        None,
        removed=removed,
        reports=[] if removed else _reports(reports),
        **_correction(event),
    )


def basis_corrected_mail(event: DirectiveCorrected, own: DirectiveIssued, unit: Unit) -> Mail:
    """To ``unit``, the issuer of ``own``, a directive issued to implement the corrected
    one: its basis changed, it may need to correct its own. Its key names ``own``, as
    the recall's does: an issuer of two such directives is told of each."""
    return basis_changed_mail(
        "basis_corrected",
        event.event_id,
        event.directive,
        "đã được đính chính",
        own,
        unit,
        **_correction(event),
    )
