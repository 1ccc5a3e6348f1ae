"""A directive being prepared in the staff console: what was read from an uploaded
document, the staff's corrections, and the rules that turn it into a directive to issue.

The draft keeps the directive as a JSON object that may not be valid yet (a document
without a number, a date typed wrong): what the staff typed is kept as they typed it, and
the directive contract (pydantic) says what is wrong only when they issue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from shared.auth.principal import Principal
from shared.auth.roles import ALLOWED, Action, Role
from shared.clock import VN_TZ
from shared.contracts import (
    AttachedFile,
    Directive,
    DocumentRef,
    ParsedDocument,
    RecipientRole,
    ReportingRequirement,
)
from shared.contracts.directives import SECRECY_MARKS, URGENCY_MARKS
from shared.directory import Directory
from shared.forms import default_form_for
from shared.slugs import slugify

MAX_TEXT = 300_000  # characters of the document's text kept (Vietnamese: ~1.4 bytes each)
# A draft is one KV value: NATS takes at most 1 MB; the text, its reading and the
# corrections together must stay under this (DraftStore refuses larger ones in words).
MAX_DRAFT_BYTES = 950_000


class DraftStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a leader's approval (a unit that requires it)
    ISSUED = "issued"


class Draft(BaseModel):
    id: str
    unit_id: str  # the issuing unit: the account's that uploaded it
    created_by: str
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    basis_id: str | None = None  # the parent's directive this one implements
    original: AttachedFile  # name, hash (object name), type and size of the uploaded file
    text: str  # the document's text, as the parser read it
    reading: ParsedDocument  # what the parser read, roles decided by the directory
    directive: dict[str, Any]  # the directive as corrected; validated when issued
    status: DraftStatus = DraftStatus.DRAFT
    directive_id: str | None = None  # once issued
    issued_by: str | None = None
    warnings: list[str] = Field(default_factory=list)
    submitted_by: str | None = None  # who submitted it for the leader's approval, and when
    submitted_by_name: str | None = None
    submitted_at: datetime | None = None
    returned_by_name: str | None = None  # the leader who returned it last, when and why
    returned_at: datetime | None = None
    return_reason: str | None = None


def due_instant(day: date) -> str:
    """A date picked as "trước ngày" X: the exclusive instant, midnight X in Vietnam."""
    return datetime.combine(day, time(), VN_TZ).isoformat()


def due_day(value: Any) -> str:
    """The date an input shows for a stored deadline (itself, if it is not a date)."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone(VN_TZ).date().isoformat()
    except ValueError:
        return str(value)


def requirement_json(requirement: ReportingRequirement) -> dict[str, Any]:
    data = requirement.model_dump(mode="json", exclude_none=True)
    data["form"] = requirement.form or default_form_for(requirement)
    return data


def basis_ref(directive: Directive) -> dict[str, Any]:
    """The parent's directive as a basis entry ("Thực hiện Kế hoạch số ...")."""
    ref = DocumentRef(
        kind=directive.kind, ref=directive.ref, issued_on=directive.issued_on,
        issuer=directive.issuer,
    )  # fmt: skip
    return ref.model_dump(mode="json", exclude_none=True)


def with_basis(directive: dict[str, Any], parent: Directive | None) -> dict[str, Any]:
    if parent is None:
        return directive
    basis = list(directive.get("basis") or [])
    if not any(slugify(str(b.get("ref") or "")) == slugify(parent.ref) for b in basis):
        basis.append(basis_ref(parent))
    return {**directive, "basis": basis}


def default_role(unit_id: str, issuer_unit: str, directory: Directory) -> RecipientRole:
    """A unit added by hand: below the issuer it acts, above it it is reported to, else it
    receives the document to know."""
    if unit_id in directory and issuer_unit in directory.ancestors(unit_id):
        return RecipientRole.ACTION
    if issuer_unit in directory and unit_id in directory.ancestors(issuer_unit):
        return RecipientRole.REPORT
    return RecipientRole.INFO


def corrected(
    directive: Mapping[str, Any], form: Mapping[str, str], directory: Directory
) -> dict[str, Any]:
    """The directive with what the correction form says: number, date, title, its marks
    of urgency and secrecy, each
    recipient's role, each requirement's deadline and form; a recipient removed ("Bỏ")
    or a unit added ("Thêm")."""
    data = dict(directive)
    for name in ("ref", "issued_on", "title"):
        if name in form:
            data[name] = form[name].strip()
    data.update(_marks(form))
    recipients = [dict(r) for r in data.get("recipients") or []]
    for index, recipient in enumerate(recipients):
        role = form.get(f"recipient-{index}-role")
        if role in RecipientRole.__members__.values():
            recipient["role"] = role
    requirements = [dict(r) for r in data.get("requirements") or []]
    for index, requirement in enumerate(requirements):
        _correct_requirement(requirement, form, index)
    addressees = list(data.get("addressees") or [])
    removed = form.get("remove", "")
    kind, _, position = removed.partition("-")
    if position.isdigit():
        chosen = recipients if kind == "recipient" else addressees if kind == "addressee" else []
        if int(position) < len(chosen):
            del chosen[int(position)]
    added = form.get("add", "").strip()
    if added and added in directory and not _names(recipients, addressees, added):
        role = default_role(added, str(data.get("issuer_unit")), directory)
        recipients.append({"text": directory.name(added), "role": role, "units": [{"unit": added}]})
    return {
        **data,
        "recipients": recipients,
        "requirements": requirements,
        "addressees": addressees,
    }


def _marks(form: Mapping[str, str]) -> dict[str, str | None]:
    """The marks the form sets: "" is no mark; anything else than a mark changes nothing."""
    found: dict[str, str | None] = {}
    for name, marks in (("urgency", URGENCY_MARKS), ("secrecy", SECRECY_MARKS)):
        mark = form.get(name, "-").strip()
        if mark in marks or not mark:
            found[name] = mark or None
    return found


def _correct_requirement(requirement: dict[str, Any], form: Mapping[str, str], index: int) -> None:
    due = form.get(f"requirement-{index}-due")
    if due is not None and due == due_day(requirement.get("due_before")):
        pass  # the day shown, unchanged: keep the hour the document gave ("trước 16 giờ")
    elif due is not None:
        try:
            requirement["due_before"] = due_instant(date.fromisoformat(due)) if due else None
        except ValueError:
            requirement["due_before"] = due  # kept as typed; the contract refuses it
    chosen = form.get(f"requirement-{index}-form")
    if chosen:
        requirement["form"] = chosen


def _names(recipients: list[dict[str, Any]], addressees: list[Any], unit_id: str) -> bool:
    """Whether the unit is already named on its own (not through a group)."""
    selectors = [s for r in recipients for s in r.get("units") or []] + addressees
    return any(isinstance(s, dict) and s.get("unit") == unit_id for s in selectors)


# -- validation: the contract's refusals, in the words of the form ------------------------

_FIELD_WORDS = {
    "ref": "Cần ghi số, ký hiệu văn bản (ví dụ 101-KH/ĐU).",
    "issued_on": "Ngày ban hành chưa đúng: chọn một ngày trong lịch.",
    "title": "Cần ghi trích yếu của văn bản.",
    "kind": "Cần ghi loại văn bản (KH, HD, CV...).",
    "issuer": "Cần ghi tên cơ quan ban hành.",
}
_REQUIREMENT_WORDS = {
    "due_before": "Hạn báo cáo chưa đúng: chọn một ngày trong lịch.",
    "form": "Mẫu báo cáo chưa đúng: chọn một mẫu trong danh sách.",
    "action": "Cần ghi việc phải báo cáo.",
}


def field_name(loc: tuple[Any, ...]) -> str:
    """The form field a contract error is about ("" when about the whole directive)."""
    if not loc:
        return ""
    if loc[0] == "requirements" and len(loc) >= 3 and isinstance(loc[1], int):
        return f"requirement-{loc[1]}-{'due' if loc[2] == 'due_before' else loc[2]}"
    if loc[0] == "recipients" and len(loc) >= 2 and isinstance(loc[1], int):
        return f"recipient-{loc[1]}-role"
    return str(loc[0])


def _words(loc: tuple[Any, ...], message: str) -> str:
    if loc and loc[0] in _FIELD_WORDS:
        return _FIELD_WORDS[str(loc[0])]
    if len(loc) >= 3 and loc[0] == "requirements" and loc[2] in _REQUIREMENT_WORDS:
        return _REQUIREMENT_WORDS[str(loc[2])]
    if "128 characters" in message:
        return "Số, ký hiệu văn bản quá dài: rút ngắn số, ký hiệu."
    return f"Thông tin chưa hợp lệ ({'.'.join(str(p) for p in loc) or 'văn bản'})."


def to_directive(draft: Draft) -> tuple[Directive | None, dict[str, str]]:
    """The directive the draft's corrections make, or the problems per form field."""
    data = {**draft.directive, "issuer_unit": draft.unit_id, "document": draft.original}
    try:
        return Directive.model_validate(data), {}
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            problems.setdefault(field_name(loc), _words(loc, str(error.get("msg", ""))))
        return None, problems


# -- the leader's approval: who may issue a draft of which unit, in which state -----------
#
# In a unit whose directory entry says ``issue_needs_approval``, a draft goes
# draft -> submitted ("Trình lãnh đạo duyệt") -> issued by a leader ("Duyệt và ban hành"),
# or back to draft, with a reason ("Trả lại"). Elsewhere a văn thư or a lãnh đạo issues
# it at once. The API is bound by the same rule (``approval_refusal``): only a lãnh đạo
# of such a unit issues through it.

SUBMIT_ROLES = ALLOWED[Action.DIRECTIVE_PREVIEW]  # whoever may draft may submit
MAX_REASON = 1000


def needs_approval(unit_id: str, directory: Directory) -> bool:
    """Whether a leader must approve the unit's drafts before they are issued."""
    unit = directory.get(unit_id)
    return bool(unit and unit.issue_needs_approval)


@dataclass(frozen=True)
class Refusal:
    """Why a step is refused, in the staff's words; ``who``: because of who asks (their
    roles), else because of the draft's state."""

    words: str
    who: bool = False


def issue_refusal(draft: Draft, roles: frozenset[Role], approval: bool) -> Refusal | None:
    """Why an account with ``roles`` may not issue the draft now (None: it may). An issued
    draft is never refused: issuing it again answers its directive and issues nothing."""
    if draft.status is DraftStatus.ISSUED:
        return None
    if not roles & ALLOWED[Action.DIRECTIVE_ISSUE]:
        return Refusal("Tài khoản của bạn không có quyền ban hành văn bản.", who=True)
    if approval and Role.LANH_DAO not in roles:
        words = (
            "Văn bản của đơn vị phải được lãnh đạo duyệt trước khi ban hành: văn thư, chuyên "
            "viên bấm “Trình lãnh đạo duyệt”; lãnh đạo đơn vị duyệt và ban hành."
        )
        return Refusal(words, who=True)
    return None


def approval_refusal(principal: Principal, unit_id: str, directory: Directory) -> Refusal | None:
    """The same rule for the API (``POST /api/directives``, the upload): in a unit that
    requires its leader's approval, only a lãnh đạo issues, whatever the way in; the
    operator's token is not a unit's staff and is not bound by it."""
    if principal.is_operator or not needs_approval(unit_id, directory):
        return None
    if Role.LANH_DAO in principal.roles:
        return None
    words = (
        "Văn bản của đơn vị phải được lãnh đạo duyệt trước khi ban hành: tải văn bản lên trang "
        "“Ban hành văn bản” và bấm “Trình lãnh đạo duyệt”, hoặc đề nghị lãnh đạo đơn vị ban hành."
    )
    return Refusal(words, who=True)


def submit_refusal(draft: Draft, roles: frozenset[Role], approval: bool) -> Refusal | None:
    """Why the draft may not be submitted for the leader's approval (None: it may)."""
    if not roles & SUBMIT_ROLES:
        return Refusal("Tài khoản của bạn không có quyền soạn văn bản để trình duyệt.", True)
    if not approval:
        return Refusal("Đơn vị không cần lãnh đạo duyệt trước khi ban hành: bấm “Ban hành”.")
    if draft.status is DraftStatus.ISSUED:
        return Refusal("Văn bản này đã được ban hành.")
    if draft.status is DraftStatus.SUBMITTED:
        return Refusal("Bản nháp đã được trình, đang chờ lãnh đạo duyệt.")
    return None


def return_refusal(draft: Draft, roles: frozenset[Role], approval: bool) -> Refusal | None:
    """Why the draft may not be returned to its drafters (None: it may)."""
    if not approval or Role.LANH_DAO not in roles:
        words = "Chỉ lãnh đạo của đơn vị cần duyệt văn bản mới trả lại được bản nháp."
        return Refusal(words, who=True)
    if draft.status is not DraftStatus.SUBMITTED:
        return Refusal("Bản nháp chưa được trình duyệt hoặc đã được ban hành: không trả lại được.")
    return None


def may_submit(draft: Draft, roles: frozenset[Role], approval: bool) -> bool:
    """Whether the page offers "Trình lãnh đạo duyệt": a drafter who may not issue."""
    return submit_refusal(draft, roles, approval) is None and bool(
        issue_refusal(draft, roles, approval)
    )


def submitted(draft: Draft, username: str, name: str, now: datetime) -> Draft:
    """The draft waiting for the leader's approval; a former return is answered by it."""
    return draft.model_copy(
        update={
            "status": DraftStatus.SUBMITTED,
            "submitted_by": username,
            "submitted_by_name": name,
            "submitted_at": now,
            "updated_at": now,
            "returned_by_name": None,
            "returned_at": None,
            "return_reason": None,
        }
    )


def returned(draft: Draft, name: str, reason: str, now: datetime) -> Draft:
    """The draft back with its drafters, editable, with the leader's reason."""
    return draft.model_copy(
        update={
            **_not_submitted(),
            "updated_at": now,
            "returned_by_name": name,
            "returned_at": now,
            "return_reason": reason.strip()[:MAX_REASON],
        }
    )


def edited(draft: Draft, directive: dict[str, Any], now: datetime) -> Draft:
    """The draft with a corrected directive. A change to a submitted draft takes it back
    to not submitted: what the leader approves is what was submitted. A save that changes
    nothing (a search in the unit picker) leaves it submitted."""
    update: dict[str, Any] = {"directive": directive, "updated_at": now}
    if draft.status is DraftStatus.SUBMITTED and directive != draft.directive:
        update |= _not_submitted()
    return draft.model_copy(update=update)


def _not_submitted() -> dict[str, Any]:
    return {
        "status": DraftStatus.DRAFT,
        "submitted_by": None,
        "submitted_by_name": None,
        "submitted_at": None,
    }
