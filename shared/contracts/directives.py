"""A directive as issued: who must act, what they must report, to whom and by when."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.contracts.base import Contract, Slug, Text
from shared.contracts.units import UnitKind
from shared.slugs import fold, is_slug, slugify


class UnitSelector(Contract):
    """One named unit, or a group: the units of some kinds under a unit.

    ``{"unit": "du-so-noi-vu-hy"}`` names one unit;
    ``{"under": "du-so-noi-vu-hy", "kinds": ["chi_bo"]}`` is "các chi bộ trực thuộc";
    ``"depth": "subtree"`` reaches every level below instead of the direct children.
    """

    unit: Slug | None = None
    under: Slug | None = None
    kinds: list[UnitKind] = Field(default_factory=list)
    depth: str = Field("children", pattern="^(children|subtree)$")

    @model_validator(mode="after")
    def _one_target(self) -> UnitSelector:
        if (self.unit is None) == (self.under is None):
            raise ValueError("a unit selector names either 'unit' or 'under', not both or neither")
        if self.unit is not None and self.kinds:
            raise ValueError("'kinds' only applies to a group ('under')")
        return self

    def describe(self) -> str:
        if self.unit is not None:
            return self.unit
        kinds = ",".join(self.kinds) or "any kind"
        return f"{kinds} {self.depth} of {self.under}"


class RecipientRole(StrEnum):
    ACTION = "action"  # must carry it out
    REPORT = "report"  # a superior, receives it "(báo cáo)"
    INFO = "info"  # receives it "(để biết)"
    SAME_AS_ABOVE = "same_as_above"  # "Như trên": the addressees


class Recipient(Contract):
    """One "Nơi nhận" entry: the text as written and the units it resolved to."""

    text: Text
    role: RecipientRole
    units: list[UnitSelector] = Field(default_factory=list)


class Recurrence(StrEnum):
    PERIODIC = "periodic"  # "định kỳ", no period given
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    YEARLY = "yearly"


# Requirements met by issuing one's own implementing document ("ban hành kế hoạch ...").
_PLAN_WORDS = ("ke hoach", "huong dan", "chuong trinh", "van ban")


def reads_as_a_plan(action: str) -> bool:
    """Whether a requirement's wording asks for an implementing document ("ban hành kế
    hoạch thực hiện") rather than for results. Read once, when the requirement is made;
    everyone after reads ``ReportingRequirement.asks_for``."""
    folded = fold(action)
    return "ban hanh" in folded and any(word in folded for word in _PLAN_WORDS)


class ReportingRequirement(Contract):
    """Something every assigned unit must send back, e.g. "báo cáo kết quả thực hiện"."""

    id: Slug
    action: Text = Field(min_length=1)
    asks_for: Literal["plan", "results"] = Field(
        "results",
        description="'plan': met by issuing one's own implementing document (the unit's "
        "plan is filed as its report); 'results': a report of what was done. Decided from "
        "the action's wording when the requirement is made, unless given.",
    )
    to_unit: Slug | None = Field(None, description="body the report goes to; the issuer if unset")
    due_before: AwareDatetime | None = Field(None, description="exclusive deadline instant")
    recurrence: Recurrence | None = None
    # A recurring requirement is assigned once per period (shared/periods.py): ``due_before``
    # is its first period's deadline; each period's assignment carries a copy of it under
    # its own id ("r1--2025-q1") with that period's deadline, ``period_of`` and ``period``.
    until: AwareDatetime | None = Field(
        None, description="no period starts at or after it ('đến hết năm 2025'); none: no end"
    )
    closing: Literal["calendar", "nd09"] = Field(
        "calendar",
        description="a period's data: the calendar month, quarter, half or year, or the "
        "data-closing window of Nghị định 09/2019 Điều 12 (15th of the month before to 14th)",
    )
    period_of: Slug | None = Field(None, description="a period's copy: its requirement's id")
    period: Text | None = Field(None, description="a period's copy: its name, 'Quý I/2025'")
    text: Text = Field("", description="the sentence of the document it comes from")
    assignees: list[UnitSelector] | None = Field(
        None, description="who must report; every addressee of the directive when unset"
    )
    form: Slug | None = Field(
        None, description="the report form; the issuer picks the default form when unset"
    )
    auto_approve: bool = Field(
        False,
        description="the issuer's synthesis for this requirement is approved by itself and "
        "sent up as the issuer's own report shortly before that report's deadline",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_what_it_asks_for(cls, data: Any) -> Any:
        # Events issued before the field existed, and requests that leave it out. An
        # action that is no text is left for the field's own validation to refuse.
        if (
            isinstance(data, dict)
            and "asks_for" not in data
            and isinstance(data.get("action"), str)
        ):
            data = {**data, "asks_for": "plan" if reads_as_a_plan(data["action"]) else "results"}
        return data

    @property
    def asks_for_a_plan(self) -> bool:
        return self.asks_for == "plan"


class DocumentRef(Contract):
    """A document named in the basis ("Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2024 ...")."""

    kind: Text | None = None
    ref: Text | None = None
    issued_on: date | None = None
    issuer: Text | None = None


class Signer(Contract):
    capacity: Text | None = None  # T/M BAN THƯỜNG VỤ
    title: Text | None = None  # PHÓ BÍ THƯ
    name: Text | None = None


class AttachedFile(Contract):
    """The signed original a directive was read from, kept in the issuer's object store."""

    filename: Text
    object_name: str = Field(pattern=r"^[A-Za-z0-9_.=-]+$")  # content hash + extension
    content_type: str
    size: int = Field(ge=0)
    sealed: bool = Field(
        False,
        description="a secret directive's original, stored encrypted: never attached to a "
        "mail, read by its units' staff through the console",
    )


def directive_id(ref: str, issuer_unit: str) -> str:
    """Deterministic ASCII id: ('101-KH/ĐU', 'du-so-noi-vu-hy') -> '101-kh-du--du-so-noi-vu-hy'."""
    return f"{slugify(ref)}--{issuer_unit}"


# The marks of Nghị định 30/2020 (urgency) and of the law on State secrets (secrecy),
# as a document's header writes them: "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"; "MẬT", "TỐI MẬT",
# "TUYỆT MẬT".
Urgency = Literal["khan", "thuong_khan", "hoa_toc"]
Secrecy = Literal["mat", "toi_mat", "tuyet_mat"]
URGENCY_MARKS: dict[str, str] = {"khan": "KHẨN", "thuong_khan": "THƯỢNG KHẨN", "hoa_toc": "HỎA TỐC"}
SECRECY_MARKS: dict[str, str] = {"mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}


class Directive(Contract):
    kind: Text = Field(min_length=1, description="KH, HD, CV, QĐ, ...")
    ref: Text = Field(min_length=1, description="number-symbol as written: 101-KH/ĐU")
    issued_on: date
    place: Text = ""
    issuer_unit: Slug
    issuer: Text = Field(min_length=1, description="issuing body as the document names it")
    title: Text = Field(min_length=1)
    basis: list[DocumentRef] = Field(default_factory=list)
    addressees: list[UnitSelector] = Field(
        default_factory=list, description="units that must carry it out (Kính gửi, action units)"
    )
    recipients: list[Recipient] = Field(default_factory=list)
    requirements: list[ReportingRequirement] = Field(default_factory=list)
    signer: Signer | None = None
    archive: Text | None = None
    document: AttachedFile | None = None
    urgency: Urgency | None = None  # mailed ahead, its subject marked
    secrecy: Secrecy | None = None  # never carried by e-mail: its mails say only where to get it
    excluded: list[Slug] = Field(
        default_factory=list,
        description="units a correction (đính chính) took off: nothing is assigned to them, "
        "whichever addressee or group would reach them",
    )

    @property
    def id(self) -> str:
        return directive_id(self.ref, self.issuer_unit)

    @model_validator(mode="after")
    def _valid_ids(self) -> Directive:
        ids = [r.id for r in self.requirements]
        if len(ids) != len(set(ids)):
            raise ValueError("requirement ids must be unique within a directive")
        if not is_slug(self.id):
            raise ValueError(
                f"the number-symbol {self.ref!r} and issuer_unit {self.issuer_unit!r} make an "
                "identifier longer than 128 characters; shorten the issuer's unit id"
            )
        return self

    def action_selectors(self) -> list[UnitSelector]:
        """Units that must act: the addressees and the "Nơi nhận" entries marked action."""
        selectors = list(self.addressees)
        for recipient in self.recipients:
            if recipient.role is RecipientRole.ACTION:
                selectors.extend(recipient.units)
        return selectors
