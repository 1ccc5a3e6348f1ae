"""Vietnamese mails for the events the notifier handles, rendered from Jinja2 templates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.contracts import AssignmentCreated, DirectiveIssued, RecipientRole, Unit
from shared.directory import Directory
from shared.vietnamese import document_title, format_date, format_deadline

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # plain-text parts; HTML parts get their own escaping environment
)

RECURRENCE_NAMES = {
    "monthly": "hằng tháng",
    "quarterly": "hằng quý",
    "semiannual": "6 tháng một lần",
    "yearly": "hằng năm",
}

PURPOSES = {
    RecipientRole.REPORT: "Văn bản được gửi để báo cáo.",
    RecipientRole.INFO: "Văn bản được gửi để biết.",
    RecipientRole.ACTION: "Đề nghị đơn vị nghiên cứu, triển khai thực hiện.",
    RecipientRole.SAME_AS_ABOVE: "Đề nghị đơn vị nghiên cứu, triển khai thực hiện.",
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    template: str
    event_id: str
    unit: Unit
    subject: str
    body: str
    attachment: Attachment | None = None

    @property
    def ledger_key(self) -> str:
        return f"{self.event_id}.{self.unit.id}"

    def to_message(self, mail_from: str) -> Message:
        # The legacy Header encoder is used on purpose: the modern policy folds long
        # Vietnamese subjects between encoded words and readers then lose the space at
        # the fold ("101-KH/ĐU:Triển khai"); Header splits inside encoded words instead.
        message: Message = MIMEText(self.body, "plain", "utf-8")
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
        message["Subject"] = Header(self.subject, "utf-8")
        message["From"] = _address(mail_from)
        message["To"] = ", ".join(
            formataddr((self.unit.name, a), "utf-8") for a in self.unit.emails
        )
        message["Date"] = formatdate(localtime=True)
        # The same (event, unit) always gets the same Message-ID, so even a mail repeated
        # after a crash can be recognised as one by the receiving side.
        domain = parseaddr(mail_from)[1].rpartition("@")[2] or "chidao.invalid"
        digest = hashlib.sha256(self.ledger_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@{domain}>"
        message["X-Chidao-Event"] = self.event_id
        message["X-Chidao-Unit"] = self.unit.id
        return message


def _address(text: str) -> str:
    name, addr = parseaddr(text)
    return formataddr((name, addr), "utf-8") if name else addr


def _subject(ref: str, text: str, limit: int = 140) -> str:
    subject = f"[{ref}] {text}"
    return subject if len(subject) <= limit else subject[: limit - 1].rstrip() + "…"


def assignment_mail(
    event: AssignmentCreated, unit: Unit, directory: Directory, attachment: Attachment | None = None
) -> Mail:
    a = event.assignment
    requirement = a.requirement
    deadline = format_deadline(requirement.due_before)
    body = _TEMPLATES.get_template("assignment.txt.j2").render(
        a=a,
        unit=unit,
        requirement=requirement,
        document=document_title(a.directive_kind, a.directive_ref),
        issued_on=format_date(a.directive_issued_on),
        to_name=directory.name(requirement.to_unit or a.issuer_unit),
        deadline=deadline,
        recurrence=RECURRENCE_NAMES.get(requirement.recurrence or "", ""),
    )
    action = requirement.action[:1].upper() + requirement.action[1:]
    return Mail(
        "assignment",
        event.event_id,
        unit,
        _subject(a.directive_ref, f"{action}, {deadline}"),
        body,
        attachment,
    )


def notice_mail(
    event: DirectiveIssued, unit: Unit, role: RecipientRole, attachment: Attachment | None = None
) -> Mail:
    d = event.directive
    body = _TEMPLATES.get_template("directive_notice.txt.j2").render(
        d=d,
        unit=unit,
        directive_id=event.directive_id,
        document=document_title(d.kind, d.ref),
        issued_on=format_date(d.issued_on),
        purpose=PURPOSES[role],
        deadlines={r.id: format_deadline(r.due_before) for r in d.requirements},
    )
    return Mail(
        "directive_notice",
        event.event_id,
        unit,
        _subject(d.ref, f"{document_title(d.kind, d.ref)}: {d.title}"),
        body,
        attachment,
    )
