"""Drafts in the staff console: a document read into a draft, the staff's corrections
saved, and the corrected directive issued with the original file attached."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from services.issuer.adapters.drafts import encoded
from services.issuer.deps import Deps
from services.issuer.documents.ingest import Reading
from services.issuer.documents.reading import MAX_BYTES, SUPPORTED
from services.issuer.domain.draft import (
    MAX_TEXT,
    Draft,
    DraftStatus,
    Refusal,
    corrected,
    edited,
    issue_refusal,
    needs_approval,
    requirement_json,
    return_refusal,
    returned,
    submit_refusal,
    submitted,
    to_directive,
    with_basis,
)
from services.issuer.domain.planning import CannotIssue, DeadlinePassed, past_deadlines
from services.issuer.handlers.issuing import issue_directive
from services.issuer.handlers.uploads import Upload, read_upload_with_text
from shared.auth.roles import Role
from shared.contracts import Directive
from shared.directory import Directory
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.retry import on_conflict_retry
from shared.vietnamese import format_instant


@dataclass(frozen=True)
class NewDraft:
    data: bytes
    filename: str
    unit_id: str | None  # the account's unit; None for the operator
    username: str
    display_name: str
    basis: Directive | None = None  # the parent's directive this one implements


@dataclass
class Outcome:
    """A draft after an issue click: issued (``directive_id``) or the problems per field."""

    draft: Draft
    revision: int
    problems: dict[str, str] = field(default_factory=dict)
    directive_id: str | None = None


def check_file(data: bytes, filename: str) -> None:
    """The refusals a clerk can act on, said before anything is read."""
    if PurePath(filename).suffix.lower() not in SUPPORTED:
        raise Invalid(
            f"Tệp '{filename}' không phải văn bản chidao đọc được: chỉ nhận tệp .docx, .pdf, "
            ".txt hoặc .md."
        )
    if not data:
        raise Invalid(f"Tệp '{filename}' rỗng (0 byte): chọn lại tệp văn bản.")
    if len(data) > MAX_BYTES:
        raise Invalid(
            f"Tệp '{filename}' lớn hơn {MAX_BYTES // (1024 * 1024)} MB: chidao không đọc tệp "
            "lớn như vậy. Đề nghị lưu lại văn bản (ví dụ bản .docx) rồi gửi lại."
        )


def initial_directive(reading: Reading, unit_id: str, directory: Directory) -> dict[str, Any]:
    """The directive as read, before any correction; what the document lacks is left
    empty for the staff to fill in."""
    doc = reading.document
    named = doc.issuer if doc.issuer and not doc.ocr else None
    return {
        "kind": doc.kind or "CV",
        "ref": doc.ref or "",
        "issued_on": doc.issued_on.isoformat() if doc.issued_on else "",
        "place": doc.place or "",
        "issuer_unit": unit_id,
        "issuer": named or directory.name(unit_id),
        "title": doc.title or "",
        "basis": [b.model_dump(mode="json", exclude_none=True) for b in doc.basis],
        "addressees": [
            s.model_dump(mode="json", exclude_defaults=True) for s in reading.addressees
        ],
        "recipients": [r.model_dump(mode="json") for r in reading.recipients],
        "requirements": [requirement_json(r) for r in reading.requirements],
        "signer": doc.signer.model_dump(mode="json") if doc.signer else None,
        "archive": doc.archive,
        # the marks the document carries: a secret one must never go out as ordinary mail
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
    }


async def create_draft(deps: Deps, new: NewDraft) -> Draft:
    """Read the document with the parse workers, keep the original, save the draft."""
    check_file(new.data, new.filename)
    upload = Upload(new.data, new.filename, issuer=new.unit_id)
    reading, text = await read_upload_with_text(deps, upload)
    unit_id = new.unit_id or reading.issuer_unit
    if unit_id is None:
        raise Invalid(
            "Không xác định được đơn vị ban hành văn bản: đăng nhập bằng tài khoản của đơn vị."
        )
    # a document read as secret is sealed from the start; issuing moves it if the staff
    # change the mark (Originals.as_marked)
    attached = deps.originals.reference(new.data, new.filename, bool(reading.document.secrecy))
    now = deps.clock.now()
    directive = with_basis(initial_directive(reading, unit_id, deps.directory()), new.basis)
    draft = Draft(
        id=secrets.token_hex(8),
        unit_id=unit_id,
        created_by=new.username,
        created_by_name=new.display_name,
        created_at=now,
        updated_at=now,
        basis_id=new.basis.id if new.basis else None,
        original=attached,
        text=text[:MAX_TEXT],
        reading=reading.document,
        directive=directive,
        warnings=list(reading.document.warnings),
    )
    encoded(draft)  # refused in words before anything is stored, when it is too large
    await deps.originals.keep(new.data, new.filename, attached.sealed)
    await deps.drafts.create(draft)
    return draft


async def load_draft(deps: Deps, draft_id: str) -> tuple[Draft, int]:
    found = await deps.drafts.get(draft_id)
    if found is None:
        raise NotFound(f"Không có bản nháp {draft_id}.", draft_id=draft_id)
    return found


def apply(deps: Deps, draft: Draft, form: Mapping[str, str]) -> Draft:
    """The draft with the form's corrections, not yet saved (no longer submitted for
    the leader's approval if they change it)."""
    directive = corrected(draft.directive, form, deps.directory())
    return edited(draft, directive, deps.clock.now())


async def save_draft(
    deps: Deps, draft_id: str, form: Mapping[str, str], revision: int
) -> tuple[Draft, int]:
    """Save the corrections; Conflict when the draft changed since ``revision``; an
    issued draft stays as it was issued."""
    draft, _ = await load_draft(deps, draft_id)
    if draft.status is DraftStatus.ISSUED:
        raise Conflict("Văn bản này đã được ban hành; bản nháp không sửa được nữa.")
    draft = apply(deps, draft, form)
    return draft, await deps.drafts.update(draft, revision)


@dataclass(frozen=True)
class Staff:
    """Who clicks: the account's username, name and roles."""

    username: str
    name: str
    roles: frozenset[Role]


class NotNow(Conflict):
    """The draft's state refuses the step (submitted already, not submitted, issued)."""


def refuse(refusal: Refusal | None) -> None:
    """A refusal of who asks is a 403 page; one of the draft's state, ``NotNow``."""
    if refusal is not None:
        raise (
            Forbidden(refusal.words, reason="approval") if refusal.who else NotNow(refusal.words)
        )


async def issue_draft(
    deps: Deps, draft_id: str, form: Mapping[str, str], revision: int, who: Staff
) -> Outcome:
    """Save the corrections, then issue them through the same handler as the API, once:
    a draft already issued answers its directive again without issuing anything. In a
    unit that requires it, only a leader issues (approving the draft as it stands)."""
    draft, current = await load_draft(deps, draft_id)
    if draft.status is DraftStatus.ISSUED:
        return Outcome(draft, current, directive_id=draft.directive_id)
    refuse(issue_refusal(draft, who.roles, needs_approval(draft.unit_id, deps.directory())))
    draft, revision = await save_draft(deps, draft_id, form, revision)
    directive, problems = to_directive(draft)
    if directive is None:
        return Outcome(draft, revision, problems)
    if directive.document is not None:
        kept = await deps.originals.as_marked(directive.document, bool(directive.secrecy))
        directive = directive.model_copy(update={"document": kept})
    try:
        issued = await issue_directive(deps, directive)
    except DeadlinePassed as exc:  # by each deadline's own field: the clerk corrects it
        return Outcome(draft, revision, _by_field(deps, exc))
    except CannotIssue as exc:
        return Outcome(draft, revision, {"": "Không ban hành được: " + "; ".join(exc.problems)})
    except Conflict:
        words = (
            f"Số {directive.ref} của đơn vị đã được ban hành với nội dung khác: ban hành văn "
            "bản đã sửa dưới một số, ký hiệu mới."
        )
        return Outcome(draft, revision, {"ref": words})
    return await _mark_issued(deps, draft, revision, issued.record.directive.id, who)


def _by_field(deps: Deps, passed: DeadlinePassed) -> dict[str, str]:
    """A passed deadline's problem beside its own date picker."""
    words = (
        f"Hạn này đã qua (bây giờ là {format_instant(deps.clock.now())}): chọn một hạn sau hôm nay."
    )
    return {f"requirement-{i}-due": words for i in passed.indexes}


async def _mark_issued(
    deps: Deps, draft: Draft, revision: int, directive_id: str, who: Staff
) -> Outcome:
    """The draft marked issued, whatever was saved on it meanwhile: the directive is out,
    so the draft must say so (else a second click would find "issued with other content")."""

    async def attempt(n: int) -> Outcome:
        current, at = (draft, revision) if n == 0 else await load_draft(deps, draft.id)
        done = current.model_copy(
            update={
                "status": DraftStatus.ISSUED,
                "directive_id": directive_id,
                "issued_by": who.username,
                "updated_at": deps.clock.now(),
            }
        )
        return Outcome(done, await deps.drafts.update(done, at), directive_id=directive_id)

    return await on_conflict_retry(
        attempt,
        conflicts=Conflict,
        attempts=10,
        busy=(
            "Văn bản đã được ban hành, nhưng bản nháp đang được sửa ở nơi khác: tải lại "
            "trang để xem."
        ),
    )


async def submit_draft(
    deps: Deps, draft_id: str, form: Mapping[str, str], revision: int, who: Staff
) -> Outcome:
    """Save the corrections and, when they make a valid directive, mark the draft as
    waiting for the leader's approval; else the problems per field, as issuing says."""
    draft, _ = await load_draft(deps, draft_id)
    refuse(submit_refusal(draft, who.roles, needs_approval(draft.unit_id, deps.directory())))
    draft, revision = await save_draft(deps, draft_id, form, revision)
    directive, problems = to_directive(draft)
    if directive is None:
        return Outcome(draft, revision, problems)
    passed = past_deadlines(directive, deps.clock.now())  # the leader could not issue it
    if passed is not None:
        return Outcome(draft, revision, _by_field(deps, passed))
    done = submitted(draft, who.username, who.name, deps.clock.now())
    return Outcome(done, await deps.drafts.update(done, revision))


async def return_draft(
    deps: Deps, draft_id: str, reason: str, revision: int, who: Staff
) -> tuple[Draft, int]:
    """A leader gives a submitted draft back to its drafters, editable, saying why."""
    draft, _ = await load_draft(deps, draft_id)
    refuse(return_refusal(draft, who.roles, needs_approval(draft.unit_id, deps.directory())))
    if not reason.strip():
        raise Invalid(
            "Cần ghi lý do trả lại để người soạn biết phải sửa gì.",
            {"reason": "Cần ghi lý do trả lại."},
        )
    done = returned(draft, who.name, reason, deps.clock.now())
    return done, await deps.drafts.update(done, revision)
