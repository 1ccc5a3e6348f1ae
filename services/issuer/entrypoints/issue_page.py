"""The staff console's "issue from a document" pages (/issue): upload, the reading beside
the text, corrections, draft, issue.

``GET /issue`` the upload form and the unit's drafts; ``POST /issue`` reads a file into a
draft; ``GET /issue/{id}`` the draft; ``POST /issue/{id}`` saves corrections (and adds or
removes a recipient, or searches the directory); ``POST /issue/{id}/issue`` issues the
corrected directive. No JavaScript: every form posts and is answered 303 or re-rendered.

In a unit whose directory entry requires a leader's approval (``issue_needs_approval``)
a văn thư or chuyên viên submits instead (``POST /issue/{id}/submit``); a lãnh đạo of the
unit sees the submitted drafts first on ``/issue`` and issues one ("Duyệt và ban hành",
the same ``/issue`` route) or returns it with a reason (``POST /issue/{id}/return``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.issuer.console.view import draft_view
from services.issuer.deps import Deps
from services.issuer.documents.reading import MAX_BYTES
from services.issuer.domain.draft import (
    MAX_REASON,
    Draft,
    DraftStatus,
    issue_refusal,
    may_submit,
    needs_approval,
    return_refusal,
)
from services.issuer.handlers import drafts
from services.issuer.handlers.mail_preview import draft_mails
from shared.auth.audit import audit_target
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action, Role
from shared.console import Console
from shared.contracts import Directive
from shared.errors import Conflict, Invalid, NotFound
from shared.service import deps_of
from shared.slugs import SLUG_PATTERN
from shared.vietnamese import format_instant
from shared.web import SlugPath

UPLOAD_PATH = "/issue"  # takes files: app.py lets it take upload-sized bodies

router = APIRouter(tags=["console"])
DepsOf = Annotated[Deps, Depends(deps_of)]
Preview = Annotated[Principal, staff(Action.DIRECTIVE_PREVIEW)]
CONSOLE = Console(Path(__file__).parents[1] / "console" / "templates", css="issue.css.j2")
BasisId = Annotated[str | None, Query(max_length=128, pattern=SLUG_PATTERN)]
Issuing = Annotated[Principal, staff(Action.DIRECTIVE_ISSUE)]
DONE = {
    "saved": "Đã lưu bản nháp.",
    "submitted": "Đã trình lãnh đạo duyệt: lãnh đạo đơn vị sẽ duyệt và ban hành.",
    "returned": "Đã trả lại bản nháp cho người soạn, kèm lý do.",
}
DoneQuery = Annotated[str, Query(max_length=20, pattern="^[a-z]*$")]


async def _basis(deps: Deps, principal: Principal, basis_id: str | None) -> Directive | None:
    """The parent's directive this one implements, if the account may see it."""
    if not basis_id:
        return None
    record = await deps.records.get(basis_id)
    if record is None:
        raise NotFound(f"Không có văn bản {basis_id} để làm căn cứ.", directive_id=basis_id)
    principal.require_sees_directive_of(
        record.directive.issuer_unit, deps.directory(), Action.DIRECTIVE_READ
    )
    return record.directive


def _shortened(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _listed(draft: Draft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "ref": draft.directive.get("ref") or "",
        "title": _shortened(str(draft.directive.get("title") or "")),
        "filename": draft.original.filename,
        "created_by": draft.created_by_name,
        "created": format_instant(draft.created_at),
        "issued": draft.status == "issued",
        "state": _state(draft),
        "submitted_by": draft.submitted_by_name or "",
        "submitted": format_instant(draft.submitted_at) if draft.submitted_at else "",
        "directive_id": draft.directive_id,
    }


def _state(draft: Draft) -> str:
    if draft.status is DraftStatus.DRAFT and draft.return_reason:
        return "returned"
    return draft.status.value


def _to_approve(principal: Principal, deps: Deps, found: list[Draft]) -> list[Draft]:
    """The submitted drafts a leader is to decide on: of their unit, which requires it."""
    if Role.LANH_DAO not in principal.roles:
        return []
    directory = deps.directory()
    return [
        d
        for d in found
        if d.status is DraftStatus.SUBMITTED and needs_approval(d.unit_id, directory)
    ]


async def _upload_page(
    request: Request,
    deps: Deps,
    principal: Principal,
    basis: Directive | None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = await deps.drafts.of_unit(principal.unit_id)
    waiting = [_listed(d) for d in _to_approve(principal, deps, found)]
    listed = [_listed(d) for d in found]
    return CONSOLE.page(
        request, principal, "issue.html.j2", status=status, title="Ban hành văn bản",
        basis=basis, drafts=listed, waiting=waiting, error=error,
    )  # fmt: skip


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
async def issue_page(
    request: Request, deps: DepsOf, principal: Preview, basis: BasisId = None
) -> HTMLResponse:
    return await _upload_page(request, deps, principal, await _basis(deps, principal, basis))


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def upload_draft(
    request: Request,
    deps: DepsOf,
    principal: Preview,
    file: Annotated[UploadFile | None, File()] = None,
    basis: Annotated[str | None, Form(max_length=128, pattern=SLUG_PATTERN)] = None,
) -> Response:
    parent = await _basis(deps, principal, basis)
    if file is None or not file.filename:
        error = (
            "Chưa chọn tệp văn bản: chọn một tệp .docx, .pdf, .txt hoặc .md rồi bấm “Đọc văn bản”."
        )
        return await _upload_page(request, deps, principal, parent, error, 422)
    data = await file.read(MAX_BYTES + 1)
    new = drafts.NewDraft(
        data, file.filename, principal.unit_id, principal.username, principal.display_name, parent
    )
    try:
        draft = await drafts.create_draft(deps, new)
    except Invalid as exc:  # a refused file: say why, and the form again
        return await _upload_page(request, deps, principal, parent, exc.message, 422)
    audit_target(request, unit_id=draft.unit_id)
    return RedirectResponse(f"/issue/{draft.id}", status_code=303)


async def _own_draft(
    deps: Deps, principal: Principal, draft_id: str, action: Action
) -> tuple[Draft, int]:
    draft, revision = await drafts.load_draft(deps, draft_id)
    principal.require_acts_as(draft.unit_id, deps.directory(), action)
    return draft, revision


def _draft_page(
    request: Request,
    deps: Deps,
    principal: Principal,
    draft: Draft,
    revision: int,
    **shown: Any,
) -> HTMLResponse:
    status = shown.pop("status", 200)
    problems = shown.pop("problems", {})
    context = draft_view(draft, deps.directory(), problems, shown.pop("query", ""))
    title = f"Bản nháp văn bản {draft.directive.get('ref') or draft.original.filename}"
    return CONSOLE.page(
        request, principal, "draft.html.j2", status=status, title=title, revision=revision,
        **context, **_approval(deps, principal, draft),
        **({"reason": "", "failed": "Chưa ban hành được", "mails": None, "mails_asked": False}
           | shown),
    )  # fmt: skip


def _approval(deps: Deps, principal: Principal, draft: Draft) -> dict[str, Any]:
    """Which of "Ban hành", "Trình lãnh đạo duyệt", "Duyệt và ban hành", "Trả lại" the
    account is offered, and the draft's submission or return in words."""
    approval = needs_approval(draft.unit_id, deps.directory())
    roles = principal.roles
    return {
        "approval": approval,
        "submitted": draft.status is DraftStatus.SUBMITTED,
        "may_issue": issue_refusal(draft, roles, approval) is None,
        "may_submit": may_submit(draft, roles, approval),
        "may_return": return_refusal(draft, roles, approval) is None,
        "submitted_when": format_instant(draft.submitted_at) if draft.submitted_at else "",
        "returned_when": format_instant(draft.returned_at) if draft.returned_at else "",
        "max_reason": MAX_REASON,
    }


@router.get(UPLOAD_PATH + "/{draft_id}", response_class=HTMLResponse)
async def draft_page(
    request: Request,
    draft_id: SlugPath,
    deps: DepsOf,
    principal: Preview,
    q: Annotated[str, Query(max_length=100)] = "",
    saved: bool = False,
    done: DoneQuery = "",
) -> HTMLResponse:
    draft, revision = await _own_draft(deps, principal, draft_id, Action.DIRECTIVE_PREVIEW)
    message = DONE.get("saved" if saved else done)
    # Only here, where the draft is read: the pages answering a refused form skip the
    # notifier's round trip and show the summary alone.
    asked = draft.status is not DraftStatus.ISSUED
    mails = await draft_mails(deps, draft) if asked else None
    return _draft_page(
        request, deps, principal, draft, revision, query=q, message=message, mails=mails,
        mails_asked=asked,
    )  # fmt: skip


async def _form(request: Request) -> tuple[dict[str, str], int]:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    revision = values.get("revision", "")
    if not revision.isdigit():
        raise Invalid("Biểu mẫu thiếu phiên bản của bản nháp: tải lại trang rồi sửa lại.")
    return values, int(revision)


async def _changed_meanwhile(
    request: Request, deps: Deps, principal: Principal, draft_id: str, form: dict[str, str]
) -> HTMLResponse:
    """The latest draft with what was typed on top, not saved: nothing typed is lost."""
    latest, revision = await drafts.load_draft(deps, draft_id)
    shown = drafts.apply(deps, latest, form)
    error = (
        "Bản nháp vừa được sửa ở nơi khác. Những gì bạn vừa nhập vẫn còn trên trang: xem lại "
        "rồi lưu một lần nữa."
    )
    return _draft_page(request, deps, principal, shown, revision, status=409, error=error)


def _who(principal: Principal) -> drafts.Staff:
    return drafts.Staff(principal.username, principal.display_name, principal.roles)


@router.post(UPLOAD_PATH + "/{draft_id}", response_class=HTMLResponse)
async def save_draft(
    request: Request, draft_id: SlugPath, deps: DepsOf, principal: Preview
) -> Response:
    draft, _ = await _own_draft(deps, principal, draft_id, Action.DIRECTIVE_PREVIEW)
    audit_target(request, unit_id=draft.unit_id)
    form, revision = await _form(request)
    try:
        await drafts.save_draft(deps, draft_id, form, revision)
    except Conflict:
        if draft.status == "issued":
            return RedirectResponse(f"/issue/{draft_id}", status_code=303)
        return await _changed_meanwhile(request, deps, principal, draft_id, form)
    target = f"/issue/{draft_id}"
    if form.get("search") and form.get("q", "").strip():
        target += f"?q={quote(form.get('q', ''))}#picker"
    elif form.get("add") or form.get("remove"):
        target += "?saved=1#recipients"
    else:
        target += "?saved=1"
    return RedirectResponse(target, status_code=303)


@router.post(UPLOAD_PATH + "/{draft_id}/issue", response_class=HTMLResponse)
async def issue_draft(
    request: Request,
    draft_id: SlugPath,
    deps: DepsOf,
    principal: Issuing,
) -> Response:
    """Issue the corrected directive as the draft's unit, once; in a unit that requires a
    leader's approval, only its lãnh đạo may ("Duyệt và ban hành")."""
    draft, _ = await _own_draft(deps, principal, draft_id, Action.DIRECTIVE_ISSUE)
    audit_target(request, unit_id=draft.unit_id)
    form, revision = await _form(request)
    try:
        outcome = await drafts.issue_draft(deps, draft_id, form, revision, _who(principal))
    except Conflict:
        return await _changed_meanwhile(request, deps, principal, draft_id, form)
    if outcome.directive_id is None:
        return _draft_page(
            request, deps, principal, outcome.draft, outcome.revision, status=422,
            problems=outcome.problems,
        )  # fmt: skip
    audit_target(request, directive_id=outcome.directive_id)
    return RedirectResponse(f"/directives/{outcome.directive_id}", status_code=303)


@router.post(UPLOAD_PATH + "/{draft_id}/submit", response_class=HTMLResponse)
async def submit_draft(
    request: Request, draft_id: SlugPath, deps: DepsOf, principal: Preview
) -> Response:
    """Save the corrections and submit the draft for the leader's approval, when they
    make a directive that could be issued (else the problems by the fields)."""
    draft, _ = await _own_draft(deps, principal, draft_id, Action.DIRECTIVE_PREVIEW)
    audit_target(request, unit_id=draft.unit_id)
    form, revision = await _form(request)
    try:
        outcome = await drafts.submit_draft(deps, draft_id, form, revision, _who(principal))
    except drafts.NotNow as exc:  # submitted already, or issued: the draft as it is
        latest, current = await drafts.load_draft(deps, draft_id)
        return _draft_page(request, deps, principal, latest, current, status=409, error=exc.message)
    except Conflict:
        return await _changed_meanwhile(request, deps, principal, draft_id, form)
    if outcome.problems:
        return _draft_page(
            request, deps, principal, outcome.draft, outcome.revision, status=422,
            problems=outcome.problems, failed="Chưa trình được",
        )  # fmt: skip
    return RedirectResponse(f"/issue/{draft_id}?done=submitted", status_code=303)


@router.post(UPLOAD_PATH + "/{draft_id}/return", response_class=HTMLResponse)
async def return_draft(
    request: Request, draft_id: SlugPath, deps: DepsOf, principal: Issuing
) -> Response:
    """A lãnh đạo of a unit that requires approval gives a submitted draft back to its
    drafters, with the reason they will read on the draft."""
    draft, current = await _own_draft(deps, principal, draft_id, Action.DIRECTIVE_ISSUE)
    audit_target(request, unit_id=draft.unit_id)
    form, revision = await _form(request)
    reason = form.get("reason", "")[:MAX_REASON]
    try:
        await drafts.return_draft(deps, draft_id, reason, revision, _who(principal))
    except Invalid as exc:
        return _draft_page(
            request, deps, principal, draft, current, status=422, problems=exc.problems,
            failed="Chưa trả lại được", reason=reason,
        )  # fmt: skip
    except drafts.NotNow as exc:
        return _draft_page(request, deps, principal, draft, current, status=409, error=exc.message)
    except Conflict:
        words = "Bản nháp vừa được sửa ở nơi khác: xem lại bản mới nhất rồi trả lại lần nữa."
        return _draft_page(
            request, deps, principal, draft, current, status=409, error=words, reason=reason
        )
    return RedirectResponse(f"/issue/{draft_id}?done=returned", status_code=303)
