"""Vietnamese mails, rendered from Jinja2 templates as a plain-text and an HTML part:
the directive notice, the assignment, the reminders, the overdue notice ("đôn đốc") and
the parent's digest of late units. Subjects start with the number-symbol."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.contracts import Assignment, AssignmentCreated, DirectiveIssued, RecipientRole, Unit
from shared.contracts.directives import SECRECY_MARKS, URGENCY_MARKS
from shared.directory import Directory
from shared.forms import Form
from shared.vietnamese import document_title, format_date, format_deadline, format_instant

_LOADER = FileSystemLoader(Path(__file__).parents[1] / "templates")
_TEXT = Environment(loader=_LOADER, undefined=StrictUndefined, keep_trailing_newline=True)
_HTML = Environment(loader=_LOADER, undefined=StrictUndefined, autoescape=True)


def after_about(title: str) -> str:
    """A title as it reads after "về việc": its first word in lower case ("về việc triển
    khai ..."), unless that word is an abbreviation or all capitals ("về việc BHXH")."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[1:2].isupper():
        return title
    return title[:1].lower() + title[1:]


for _environment in (_TEXT, _HTML):
    _environment.filters["after_about"] = after_about

RECURRENCE_NAMES = {
    "monthly": "hằng tháng",
    "quarterly": "hằng quý",
    "semiannual": "6 tháng một lần",
    "yearly": "hằng năm",
    "periodic": "định kỳ",
}

PURPOSES = {
    RecipientRole.ACTION: "Đề nghị đơn vị nghiên cứu, tổ chức triển khai thực hiện.",
    RecipientRole.SAME_AS_ABOVE: "Đề nghị đơn vị nghiên cứu, tổ chức triển khai thực hiện.",
    RecipientRole.REPORT: "Văn bản được gửi để báo cáo.",
    RecipientRole.INFO: "Văn bản được gửi để biết và phối hợp thực hiện (nếu có).",
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    template: str  # which kind of mail, for the metrics
    key: str  # what makes it unique with the unit: the event or the timer
    unit: Unit
    subject: str
    text: str
    html: str
    attachment: Attachment | None = None
    # more recipients than the unit's own addresses, each (name, address): the unit's
    # leaders, told of an assignment nobody opened
    copies: tuple[tuple[str, str], ...] = ()

    @property
    def ledger_key(self) -> str:
        return f"{self.key}.{self.unit.id}"

    @property
    def addresses(self) -> list[str]:
        """Every address it goes to, once each: the unit's, then its copies'."""
        return [address for address, _ in self._named()]

    def _named(self) -> list[tuple[str, str]]:
        """Each (address, name) of the To header, once per address whatever its case: a
        leader's own address may be the unit's."""
        named: dict[str, tuple[str, str]] = {}
        for name, address in [(self.unit.name, a) for a in self.unit.emails] + list(self.copies):
            named.setdefault(address.lower(), (address, name))
        return list(named.values())

    def to_message(self, mail_from: str, date: datetime | None = None) -> Message:
        """``date``: the Date header's instant, the service's clock's (a simulated
        campaign's mails are dated in its time); the real time if not given."""
        # The legacy Header encoder is used on purpose: the modern policy folds long
        # Vietnamese subjects between encoded words and readers then lose the space at
        # the fold ("101-KH/ĐU:Triển khai"); Header splits inside encoded words instead.
        message: Message = MIMEMultipart("alternative")
        message.attach(MIMEText(self.text, "plain", "utf-8"))
        message.attach(MIMEText(self.html, "html", "utf-8"))
        if self.attachment is not None:
            mixed = MIMEMultipart("mixed")
            mixed.attach(message)
            main, _, sub = self.attachment.content_type.split(";")[0].partition("/")
            part = MIMEBase(main or "application", sub or "octet-stream")
            part.set_payload(self.attachment.data)
            encoders.encode_base64(part)
            # RFC 2231 keeps a Vietnamese file name readable in every client.
            part.add_header(
                "Content-Disposition",
                "attachment",
                filename=("utf-8", "", self.attachment.filename),
            )
            mixed.attach(part)
            message = mixed
        # (the compat32 policy these MIME classes use takes a Header where typeshed says str)
        cast("Message[str, str | Header]", message)["Subject"] = Header(self.subject, "utf-8")
        message["From"] = _address(mail_from)
        message["To"] = ", ".join(
            formataddr((name, address), "utf-8") for address, name in self._named()
        )
        message["Date"] = format_datetime(date) if date else formatdate(localtime=True)
        # The same (event, unit) always gets the same Message-ID, so even a mail repeated
        # after a crash can be recognised as one by the receiving side.
        domain = parseaddr(mail_from)[1].rpartition("@")[2] or "chidao.invalid"
        digest = hashlib.sha256(self.ledger_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@{domain}>"
        message["X-Chidao-Event"] = self.key
        message["X-Chidao-Unit"] = self.unit.id
        message["X-Chidao-Template"] = self.template
        return message


@dataclass(frozen=True)
class Link:
    url: str
    expires: datetime


def _address(text: str) -> str:
    name, addr = parseaddr(text)
    return formataddr((name, addr), "utf-8") if name else addr


def _subject(ref: str, text: str, limit: int = 140) -> str:
    subject = f"[{ref}] {text}"
    return subject if len(subject) <= limit else subject[: limit - 1].rstrip() + "…"


def _of(a: Assignment) -> str:
    """ " (Quý I/2025)": which period a recurring requirement's mail is about."""
    return f" ({a.requirement.period})" if a.requirement.period else ""


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# A secret document never travels by e-mail: its mails carry neither the file nor its
# title nor the sentences of its requirements, only where to get it.
SECRET_TITLE = "nội dung mật, không gửi qua thư điện tử"


def _shown(a: Assignment) -> Assignment:
    """``a`` as its mails may show it."""
    if a.secrecy is None:
        return a
    requirement = a.requirement.model_copy(update={"text": None})
    return a.model_copy(update={"directive_title": SECRET_TITLE, "requirement": requirement})


def _marked(urgency: str | None, text: str) -> str:
    """A subject's words led by the document's urgency: "HỎA TỐC — Báo cáo ..."."""
    return f"{URGENCY_MARKS[urgency]} — {text}" if urgency else text


def _render(
    template: str, key: str, unit: Unit, subject: str, attachment: Attachment | None, **context: Any
) -> Mail:
    context = {"unit": unit, "subject": subject, **context}
    return Mail(
        template,
        key,
        unit,
        subject,
        _TEXT.get_template(f"{template}.txt.j2").render(context),
        _HTML.get_template(f"{template}.html.j2").render(context),
        attachment,
    )


def _assignment_context(
    a: Assignment,
    directory: Directory,
    link: Link | None,
    attachment: Attachment | None,
    form: Form | None = None,
) -> dict[str, Any]:
    """What the assignment's templates (and the resend's, which include them) read;
    ``form``: what the unit's page will ask for, listed so that it can prepare."""
    a = _shown(a)
    requirement = a.requirement
    return {
        "secret": SECRECY_MARKS[a.secrecy] if a.secrecy else "",
        "form": form,
        "asked": asked_fields(form) if form else [],
        "a": a,
        "requirement": requirement,
        "document": document_title(a.directive_kind, a.directive_ref),
        "issued_on": format_date(a.directive_issued_on),
        "to_name": directory.name(a.reviewing_unit),
        "deadline": format_deadline(requirement.due_before),
        "recurrence": RECURRENCE_NAMES.get(requirement.recurrence or "", ""),
        "period": requirement.period or "",  # a recurring requirement's period, "Quý I/2025"
        "link": link.url if link else None,
        "link_expires": format_instant(link.expires) if link else None,
        "attached": attachment.filename if attachment else None,
    }


def assignment_mail(
    event: AssignmentCreated,
    unit: Unit,
    directory: Directory,
    link: Link | None = None,
    attachment: Attachment | None = None,
    form: Form | None = None,
) -> Mail:
    a = event.assignment
    attachment = None if a.secrecy else attachment  # a secret file never goes by mail
    context = _assignment_context(a, directory, link, attachment, form)
    subject = _subject(
        a.directive_ref,
        _marked(a.urgency, f"{_capitalised(a.requirement.action)}{_of(a)}, {context['deadline']}"),
    )
    return _render("assignment", event.event_id, unit, subject, attachment, **context)


def asked_fields(form: Form) -> list[str]:
    """Each field a unit fills in, in words: its label, its unit, whether it must."""
    asked = []
    for f in form.fields:
        if f.ratio_of is not None:
            continue  # computed by chidao, never typed
        what = f"{f.label} ({f.unit})" if f.unit else f.label
        asked.append(f"{what}{', bắt buộc' if f.required else ''}")
    return asked


def resend_mail(
    key: str,
    event: AssignmentCreated,
    unit: Unit,
    directory: Directory,
    link: Link | None,
    attachment: Attachment | None,
    requested_by: str,
    at: datetime,
    form: Form | None = None,
) -> Mail:
    """The assignment mail again, marked "Gửi lại" in its subject and at its top (its
    templates extend the assignment's, so the two never drift apart); ``key`` is this
    resend's own, a new one per click, hence its own Message-ID."""
    a = event.assignment
    attachment = None if a.secrecy else attachment  # a secret file never goes by mail
    context = _assignment_context(a, directory, link, attachment, form)
    subject = _subject(
        a.directive_ref,
        f"Gửi lại: {_capitalised(a.requirement.action)}, {context['deadline']}",
    )
    return _render(
        "resend",
        key,
        unit,
        subject,
        attachment,
        requested_by=requested_by,
        resent_at=format_instant(at),
        **context,
    )


def reminder_mail(
    timer_id: str,
    a: Assignment,
    unit: Unit,
    directory: Directory,
    days_left: int,
    link: Link | None = None,
    working_days: bool = False,
) -> Mail:
    """``working_days``: ``days_left`` counts working days ("còn 3 ngày làm việc")."""
    context = _assignment_context(a, directory, link, None)
    left = f"{days_left} ngày làm việc" if working_days else f"{days_left} ngày"
    subject = _subject(
        a.directive_ref,
        _marked(
            a.urgency,
            f"Nhắc hạn: còn {left} — {_capitalised(a.requirement.action)}{_of(a)}, "
            f"{context['deadline']}",
        ),
    )
    return _render(
        "reminder", timer_id, unit, subject, None, days_left=days_left, left=left, **context
    )


def overdue_mail(
    timer_id: str, a: Assignment, unit: Unit, directory: Directory, link: Link | None = None
) -> Mail:
    context = _assignment_context(a, directory, link, None)
    subject = _subject(
        a.directive_ref,
        f"Đôn đốc: quá hạn {a.requirement.action}{_of(a)} — hạn {context['deadline']}",
    )
    return _render("overdue", timer_id, unit, subject, None, **context)


def returned_mail(
    review_event_id: str,
    a: Assignment,
    unit: Unit,
    directory: Directory,
    version: int,
    reason: str,
    link: Link | None = None,
) -> Mail:
    context = _assignment_context(a, directory, link, None)
    subject = _subject(a.directive_ref, f"Trả lại báo cáo để sửa — {a.requirement.action}")
    return _render(
        "returned", review_event_id, unit, subject, None, version=version, reason=reason, **context
    )


def expired_link_mail(
    a: Assignment, staff: Unit, directory: Directory, tried_at: datetime, page: str
) -> Mail:
    """To the staff a unit reports to: it opened its link after the link's time was over
    (``page``: where they send a new one). Its key is the assignment's: told once."""
    context = _assignment_context(a, directory, None, None)
    unit_name = directory.name(a.unit_id)
    subject = _subject(a.directive_ref, f"{unit_name} mở đường dẫn báo cáo đã hết hạn")
    key = f"link-expired.{a.directive_id}.{a.unit_id}.{a.requirement.id}"
    return _render(
        "expired_link",
        key,
        staff,
        subject,
        None,
        unit_name=unit_name,
        unit_id=a.unit_id,
        tried_at=format_instant(tried_at),
        page=page,
        **context,
    )


@dataclass(frozen=True)
class LateUnit:
    name: str
    days_late: int
    received: str | None = None  # when a late report arrived; None if still missing


def digest_mail(
    timer_id: str,
    a: Assignment,
    to: Unit,
    missing: list[LateUnit],
    late: list[LateUnit],
    under: str | None = None,
) -> Mail:
    """Who is late among a parent's units, to the body their reports go to: ``to``, the
    parent itself, or (``under`` naming the parent) the desk that collects for it."""
    requirement = a.requirement
    count = len(missing) + len(late)
    subject = _subject(
        a.directive_ref,
        f"Đơn vị chậm báo cáo: {count} đơn vị — {requirement.action}",
    )
    return _render(
        "digest",
        timer_id,
        to,
        subject,
        None,
        under=under,
        document=document_title(a.directive_kind, a.directive_ref),
        issued_on=format_date(a.directive_issued_on),
        issuer=a.issuer,
        title=_shown(a).directive_title,
        requirement=requirement,
        deadline=format_deadline(requirement.due_before),
        missing=missing,
        late=late,
    )


def notice_mail(
    event: DirectiveIssued, unit: Unit, role: RecipientRole, attachment: Attachment | None = None
) -> Mail:
    d = event.directive
    if d.secrecy:
        d = d.model_copy(update={"title": SECRET_TITLE, "document": None})
    subject = _subject(d.ref, _marked(d.urgency, f"{document_title(d.kind, d.ref)}: {d.title}"))
    return _render(
        "directive_notice",
        event.event_id,
        unit,
        subject,
        None if d.secrecy else attachment,
        secret=SECRECY_MARKS[d.secrecy] if d.secrecy else "",
        d=d,
        directive_id=event.directive_id,
        document=document_title(d.kind, d.ref),
        issued_on=format_date(d.issued_on),
        purpose=PURPOSES[role],
        deadlines={r.id: format_deadline(r.due_before) for r in d.requirements},
        attached=attachment.filename if attachment else None,
    )
