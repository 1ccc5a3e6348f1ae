"""The mails of an extension request (xin gia hạn): the request to the body the unit
reports to, whose leader decides on the report's page, and the answer to the unit.

They follow the directive's marks as the other mails do: the urgency leads the subject,
and a secret document's mails carry neither its title nor the sentences of its
requirements, nor the reason or the answer, which speak of its content."""

from __future__ import annotations

from typing import Any

from services.notifier.domain.mails import (
    Link,
    Mail,
    _assignment_context,
    _marked,
    _render,
    _subject,
)
from shared.contracts import Assignment, Extension, Unit
from shared.directory import Directory
from shared.vietnamese import format_deadline


def _dues(x: Extension) -> dict[str, Any]:
    granted = x.granted_due
    return {
        "number": x.number,
        "previous_due": format_deadline(x.previous_due),
        "requested_due": format_deadline(x.requested_due),
        "granted_due": format_deadline(granted) if granted else "",
        # the leader may grant less time than asked, never less than the deadline was
        "shortened": granted is not None and granted < x.requested_due,
    }


def extension_asked_mail(
    key: str, a: Assignment, x: Extension, staff: Unit, directory: Directory, page: str
) -> Mail:
    """To ``staff``, the body that collects the unit's report: what it asks and why, and
    ``page``, the report's page in the console where the leader decides."""
    context = _assignment_context(a, directory, None, None)
    unit_name = directory.name(a.unit_id)
    wanted = format_deadline(x.requested_due)
    words = f"Xin gia hạn: {unit_name} — {a.requirement.action}, đề nghị hạn {wanted}"
    return _render(
        "extension_asked",
        key,
        staff,
        _subject(a.directive_ref, _marked(a.urgency, words)),
        None,
        unit_name=unit_name,
        reason="" if a.secrecy else x.reason,
        page=page,
        **_dues(x),
        **context,
    )


def extension_answer_mail(
    key: str, a: Assignment, x: Extension, unit: Unit, directory: Directory, link: Link | None
) -> Mail:
    """To the unit that asked: granted (the new deadline; ``link`` signed for it) or
    refused (the deadline stays), with the leader's words."""
    context = _assignment_context(a, directory, link, None)
    dues = _dues(x)
    action = a.requirement.action
    if x.status == "granted":
        words = f"Đồng ý gia hạn: {action}, {dues['granted_due']}"
    else:
        words = f"Không đồng ý gia hạn: {action}, thời hạn vẫn {dues['previous_due']}"
    return _render(
        "extension_answer",
        key,
        unit,
        _subject(a.directive_ref, _marked(a.urgency, words)),
        None,
        granted=x.status == "granted",
        answer="" if a.secrecy else x.answer,
        **dues,
        **context,
    )
