"""The assignment mailed again because nobody opened it ("chưa được mở"): the same mail as
the first (its templates extend the assignment's, so the two never drift apart), led by
why it comes again, to the unit's addresses and to its leaders'.

It follows the directive's marks as the first did: the urgency leads the subject, and a
secret document's carries neither the file nor its title nor its requirements' words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from services.notifier.domain.mails import (
    Attachment,
    Link,
    Mail,
    _assignment_context,
    _capitalised,
    _marked,
    _of,
    _render,
    _subject,
)
from shared.contracts import Assignment, Unit
from shared.directory import Directory
from shared.forms import Form
from shared.vietnamese import format_instant


def unopened_mail(
    key: str,
    a: Assignment,
    unit: Unit,
    directory: Directory,
    mailed_at: datetime,
    leaders: Sequence[tuple[str, str]] = (),
    link: Link | None = None,
    attachment: Attachment | None = None,
    form: Form | None = None,
) -> Mail:
    """``key``: the unopened timer's id (one mail per assignment); ``mailed_at``: when the
    first mail was accepted; ``leaders``: each (name, address) of the unit's leaders, who
    get it too."""
    attachment = None if a.secrecy else attachment  # a secret file never goes by mail
    context = _assignment_context(a, directory, link, attachment, form)
    words = f"Văn bản chưa được mở — {_capitalised(a.requirement.action)}{_of(a)}"
    subject = _subject(a.directive_ref, _marked(a.urgency, f"{words}, {context['deadline']}"))
    mail = _render(
        "unopened",
        key,
        unit,
        subject,
        attachment,
        mailed_on=format_instant(mailed_at),
        leaders=[name for name, _ in leaders],
        **context,
    )
    return replace(mail, copies=tuple(leaders))
