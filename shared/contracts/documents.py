"""A directive document as read from its text (``chidao parse FILE --json``): what the
document says, before it is matched against the unit directory."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Text
from shared.contracts.directives import DocumentRef, Secrecy, Signer, Urgency


class ParsedRecipient(Contract):
    """A "Nơi nhận" entry; role is None until the unit directory decides it, unless the
    document marks it ("(báo cáo)", "(để biết)", "Như trên")."""

    text: Text
    role: str | None = None


class ParsedDeadline(Contract):
    text: Text  # the clause it comes from
    action: Text | None  # "báo cáo kết quả thực hiện", "ban hành kế hoạch triển khai"
    to: Text | None  # the body the report goes to
    due_before: AwareDatetime | None  # exclusive instant, +07:00
    recurrence: str | None  # yearly, semiannual, quarterly, monthly, periodic


class ParsedTask(Contract):
    """A numbered item of "Tổ chức thực hiện": the unit it names and what it must do."""

    unit: Text
    text: Text


class ParsedDocument(Contract):
    kind: str | None = None
    ref: Text | None = None
    issued_on: date | None = None
    place: Text | None = None
    issuer: Text | None = None
    title: Text | None = None
    basis: list[DocumentRef] = Field(default_factory=list)
    addressees: list[Text] = Field(default_factory=list)
    recipients: list[ParsedRecipient] = Field(default_factory=list)
    archive: Text | None = None
    deadlines: list[ParsedDeadline] = Field(default_factory=list)
    signer: Signer | None = None
    materials: list[Text] = Field(default_factory=list)
    tasks: list[ParsedTask] = Field(default_factory=list)
    family: str | None = None  # "party" or "state"
    ocr: bool = False  # the text lost its diacritics (OCR); names were matched ignoring them
    urgency: Urgency | None = None  # "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC" in its header
    secrecy: Secrecy | None = None  # "MẬT", "TỐI MẬT", "TUYỆT MẬT" in its header
    warnings: list[str] = Field(default_factory=list)
