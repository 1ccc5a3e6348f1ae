"""The public boundary: what a unit reaches through the signed link its mail carries, and
nothing else. ``/r/{token}`` opens the unit's report on one requirement (its form with
the deadline, messages next to the fields, a file upload), takes the form's post and
answers with the receipt, or keeps it unsent ("Lưu nháp", the same post with
``action=draft``); a tampered or expired link gets a page that says so plainly.
The token is the only key: every id comes from its signed claims; a link the parent's
staff revoked opens nothing. Once the parent accepted the report, the page shows it
read-only. The files the unit attached are served under the link too
(``/r/{token}/files/...``), never through the staff's ``/files``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from services.reporter.deps import Deps
from services.reporter.domain.drafts import DRAFT_PROBLEM, Draft, shown_draft
from services.reporter.domain.refusals import AssignmentCancelled, DirectiveWasRecalled
from services.reporter.domain.report_thread import NARRATIVE
from services.reporter.entrypoints.asking_for_time import AskingForm, asking_for_time
from services.reporter.entrypoints.link_refusals import claims_or_page, link_error
from services.reporter.entrypoints.pages import (
    attached_file_response,
    page,
    posted_day,
    shown_values,
)
from services.reporter.handlers.drafts import save_draft
from services.reporter.handlers.extensions import ask_extension
from services.reporter.handlers.kept_files import keep, kept_uploads
from services.reporter.handlers.link_contacts import link_contact
from services.reporter.handlers.reading import ReportForm, report_form
from services.reporter.handlers.submissions import find_requirement, submit_report
from shared.auth.guard import PUBLIC
from shared.contracts import Assignment, SubmissionRequest
from shared.contracts.extensions import MAX_EXTENSION_REASON
from shared.errors import DomainError, Invalid, NotFound, http_status
from shared.forms import FieldType, Form, Upload, issued_form
from shared.forms.display import display, input_text
from shared.links import LinkClaims
from shared.service import deps_of
from shared.vietnamese import document_title, format_date, format_deadline, format_instant

FORM_PATH = "/r/{token}"  # the form's post carries the attachments (app.allow_uploads)

router = APIRouter(tags=["pages"], dependencies=[PUBLIC])

# The refusals a unit can meet on its page, besides values that are not right.
REFUSALS = {
    403: "Đơn vị không được giao báo cáo nội dung này.",
    404: "Không tìm thấy văn bản hoặc nội dung báo cáo này.",
    409: (
        "Báo cáo không gửi được: cấp trên đã chấp nhận báo cáo của đơn vị, hoặc báo cáo "
        "vừa được gửi từ nơi khác. Đề nghị tải lại trang."
    ),
}

DepsOf = Annotated[Deps, Depends(deps_of)]


def link_files(token: str, version: int) -> str:
    return f"/r/{token}/files/v{version}"


def heading(deps: Deps, a: Assignment, due: datetime | None = None) -> dict[str, Any]:
    """``due``: the deadline in force when an extension moved the assignment's."""
    directory = deps.directory()
    assigned = a.requirement.due_before
    due = due or assigned
    return {
        "unit_name": directory.name(a.unit_id),
        "document": document_title(a.directive_kind, a.directive_ref),
        "issued_on": format_date(a.directive_issued_on),
        "issuer": a.issuer,
        # a secret document's title stays off the page its mailed link opens
        "title": "nội dung mật, xem bản giấy" if a.secrecy else a.directive_title,
        "action": a.requirement.action,
        "to_name": directory.name(a.reviewing_unit),
        "deadline": format_deadline(due),
        "original_deadline": format_deadline(assigned) if due != assigned else "",
        # the assignment as the latest correction (đính chính) of the directive left it
        "correction": a.correction,
    }


def form_fields(
    form: Form,
    values: dict[str, Any],
    problems: dict[str, str],
    kept: dict[str, tuple[str, str]] | None = None,
) -> list[dict]:
    fields = []
    for f in form.inputs:
        value = values.get(f.name)
        reference, kept_name = (kept or {}).get(f.name, ("", ""))
        fields.append(
            {
                "f": f,
                "text": value if isinstance(value, str) else input_text(f, value),
                "chosen": set(value) if isinstance(value, list) else {value},
                "file": display(f, value) if f.type is FieldType.ATTACHMENT and value else "",
                "problem": problems.get(f.name),
                "kept": reference,
                "kept_name": kept_name,
            }
        )
    return fields


async def posted_values(
    request: Request, form: Form, kept: dict[str, Upload] | None = None
) -> tuple[dict[str, Any], str]:
    """The posted form as raw values (lists for multiple choices, uploads for files; an
    empty file input is left out: a correction keeps the file already sent, and a file
    kept from a form sent back, ``kept``, stands for it) and the note."""
    posted = await request.form()
    values: dict[str, Any] = dict(kept or {})
    values.update(typed_values(form, posted))
    for f in form.inputs:
        upload = posted.get(f.name) if f.type is FieldType.ATTACHMENT else None
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(f.max_bytes + 1)
            values[f.name] = Upload(upload.filename, upload.content_type or "", data)
    return values, str(posted.get("narrative", "")).strip()


def typed_values(form: Form, posted: FormData) -> dict[str, str | list[str]]:
    """What was typed and ticked in the form's fields, as posted (no file): what a
    report is checked from, and what a draft keeps."""
    values: dict[str, str | list[str]] = {}
    for f in form.inputs:
        if f.type is FieldType.MULTIPLE_CHOICE:
            values[f.name] = [str(v) for v in posted.getlist(f.name)]
        elif f.type is not FieldType.ATTACHMENT and f.name in posted:
            values[f.name] = str(posted.get(f.name, ""))
    return values


async def render_form(
    deps: Deps,
    request: Request,
    token: str,
    claims: LinkClaims,
    values: dict[str, Any] | None = None,
    narrative: str = "",
    problems: dict[str, str] | None = None,
    status: int = 200,
    kept: dict[str, tuple[str, str]] | None = None,
    notice: str = "",
    asking: AskingForm | None = None,
    draft_saved: bool = False,
) -> HTMLResponse:
    """``kept``: the files chosen in a form sent back, by field (reference, name);
    ``notice``: what the page says done at its top; ``asking``: a request for more time
    sent back with what is wrong; ``draft_saved``: the page right after "Lưu nháp"."""
    try:
        found = await report_form(deps, claims.directive_id, claims.unit_id, claims.requirement_id)
    except NotFound:
        return link_error(request, "invalid")
    previous = found.thread.current
    draft = None
    if values is None:  # the page opened: filled from the draft, else from what was sent
        draft = await draft_to_show(deps, claims, found)
        shown = draft or previous
        values, narrative = (dict(shown.values), shown.narrative) if shown else ({}, "")
    draft_words = drafted_words(found, draft, draft_saved)
    # before any report the page offers "Xác nhận đã nhận văn bản", once: pressed, it says when
    received = None if previous else await deps.reports.received(*_ids(claims))
    return page(
        request,
        "submission.html.j2",
        status,
        **heading(deps, found.assignment.assignment, found.thread.due(assigned_due(found))),
        **report_so_far(found, token),
        extension=asking_for_time(found, f"/r/{token}/extension", asking),
        form=found.form,
        fields=form_fields(found.form, values or {}, problems or {}, kept or {}),
        narrative=narrative,
        problems=problems or {},
        notice=notice or (draft_words if draft_saved else ""),
        draft=draft_words if not draft_saved else "",
        received_action=f"/r/{token}/received",
        received_at=format_instant(received.at) if received else "",
    )


DRAFT_SAVED = "Đã lưu nháp lúc {at}; báo cáo chưa được gửi."
CORRECTION_SAVED = (
    "Đã lưu nháp lúc {at}; nội dung sửa chưa được gửi: cấp trên vẫn thấy phiên bản {version}."
)
DRAFT_SHOWN = "Bản nháp lưu lúc {at}: nội dung dưới đây chưa được gửi."
NO_FILES = " Tệp đính kèm không được lưu trong bản nháp: khi gửi báo cáo, đề nghị chọn lại tệp."


async def draft_to_show(deps: Deps, claims: LinkClaims, found: ReportForm) -> Draft | None:
    """The unit's draft if the page fills its form from it: not once the report is
    accepted (the page shows what was accepted), nor one older than the version sent."""
    if found.thread.accepted:
        return None
    return shown_draft(await deps.drafts.find(*_ids(claims)), found.thread.current)


def drafted_words(found: ReportForm, draft: Draft | None, saved: bool) -> str:
    """What the page says of the draft it shows: just saved (the notice at its top), or
    saved before; "" with none."""
    if draft is None:
        return ""
    at, previous = format_instant(draft.saved_at), found.thread.current
    if not saved:
        words = DRAFT_SHOWN.format(at=at)
    elif previous is None:
        words = DRAFT_SAVED.format(at=at)
    else:
        words = CORRECTION_SAVED.format(at=at, version=previous.version)
    has_files = any(f.type is FieldType.ATTACHMENT for f in found.form.inputs)
    return words + (NO_FILES if has_files else "")


def report_so_far(found: ReportForm, token: str) -> dict[str, Any]:
    """The unit's report as its page shows it: the version that counts, the parent's
    decision on it and, once accepted, what was accepted, read-only."""
    previous, review = found.thread.current, found.thread.decision_on_current
    locked = found.thread.accepted
    return {
        "previous": (
            {
                "version": previous.version,
                "received": format_instant(previous.first_received_at),
                "on_time": previous.on_time,
            }
            if previous
            else None
        ),
        "review": (
            {
                "decision": review.decision,
                "reason": review.reason,
                "at": format_instant(review.reviewed_at),
            }
            if review
            else None
        ),
        "locked": locked,
        "accepted": (
            shown_values(found.form, previous, link_files(token, previous.version))
            if locked and previous
            else []
        ),
    }


@router.get(FORM_PATH, response_class=HTMLResponse)
async def open_page(request: Request, token: str, deps: DepsOf) -> HTMLResponse:
    claims = await claims_or_page(deps, request, token)
    if isinstance(claims, HTMLResponse):
        return claims
    saved = request.query_params.get("saved") == DRAFT_QUERY  # back from "Lưu nháp"
    shown = await render_form(deps, request, token, claims, draft_saved=saved)
    if shown.status_code == 200:  # the unit sees its form (not a link to no assignment)
        await link_contact(deps, "opened", claims)
    return shown


RECEIVED = (
    "Đã xác nhận đơn vị đã nhận văn bản. Cấp trên thấy điều này trên trang theo dõi; "
    "đơn vị gửi báo cáo khi có kết quả."
)


@router.post(FORM_PATH + "/received", response_class=HTMLResponse)
async def confirm_received(request: Request, token: str, deps: DepsOf) -> HTMLResponse:
    """The unit's "Xác nhận đã nhận văn bản": the parent sees it has the document (the
    national document exchange's "đã nhận"), before any report."""
    claims = await claims_or_page(deps, request, token)
    if isinstance(claims, HTMLResponse):
        return claims
    # pressed again (a second tab, after a restart): the first time stays the one shown
    if await deps.reports.received(*_ids(claims)) is None:
        await link_contact(deps, "received", claims)
    return await render_form(deps, request, token, claims, notice=RECEIVED)


def _ids(claims: LinkClaims) -> tuple[str, str, str]:
    return claims.directive_id, claims.unit_id, claims.requirement_id


def assigned_due(found: ReportForm) -> datetime | None:
    return found.assignment.assignment.requirement.due_before


ASKED = (
    "Đã gửi đề nghị gia hạn đến {deadline}. Lãnh đạo đơn vị cấp trên sẽ trả lời; đơn vị "
    "nhận được thư báo kết quả."
)


@router.post(FORM_PATH + "/extension", response_class=HTMLResponse)
async def ask_for_time(request: Request, token: str, deps: DepsOf) -> HTMLResponse:
    """The unit's "Xin gia hạn": a new deadline and its reason, for the parent to answer."""
    claims = await claims_or_page(deps, request, token)
    if isinstance(claims, HTMLResponse):
        return claims
    posted = await request.form()
    asked = AskingForm(
        requested=str(posted.get("requested_due") or "")[:40],
        reason=str(posted.get("reason") or "")[: MAX_EXTENSION_REASON + 1],
    )
    ids = (claims.directive_id, claims.unit_id, claims.requirement_id)
    try:
        day = posted_day(asked.requested, "requested_due")
        if day is None:
            raise Invalid(NO_DAY, problems={"requested_due": NO_DAY})
        event = await ask_extension(deps, ids, day, asked.reason)
    except DomainError as exc:
        problems = exc.details.get("problems") or {}
        # a refusal of no one field (one already waiting, the report sent) is said above
        failed = AskingForm(
            asked.requested, asked.reason, problems, "" if problems else exc.message
        )
        return await render_form(deps, request, token, claims, status=422, asking=failed)
    current = event.extensions.current
    assert current is not None  # the request just made
    notice = ASKED.format(deadline=format_deadline(current.requested_due))
    return await render_form(deps, request, token, claims, notice=notice)


NO_DAY = "Chọn ngày xin gia hạn đến (hạn mới)."


@router.post(FORM_PATH, response_class=HTMLResponse)
async def submit_page(request: Request, token: str, deps: DepsOf) -> Response:
    claims = await claims_or_page(deps, request, token)
    if isinstance(claims, HTMLResponse):
        return claims
    try:
        issued, requirement = await find_requirement(
            deps, claims.directive_id, claims.requirement_id
        )
    except NotFound:
        return link_error(request, "invalid")
    form = issued_form(issued, requirement)
    if (await request.form()).get("action") == "draft":  # "Lưu nháp": the same form, kept
        return await draft_page(request, token, deps, claims, form)
    from_before = await kept_uploads(deps, claims, form, await request.form())
    raw, narrative = await posted_values(request, form, {k: u for k, (u, _) in from_before.items()})
    submission = SubmissionRequest(
        directive_id=claims.directive_id,
        unit_id=claims.unit_id,
        requirement_id=claims.requirement_id,
        values=raw,
        narrative=narrative,
        # the page shows every previous value in its field: one left empty is emptied on
        # purpose (an attachment field left empty keeps its file)
        clear=[f.name for f in form.fields if f.type is not FieldType.ATTACHMENT] + [NARRATIVE],
    )
    try:
        filed = await submit_report(deps, submission)
    except DomainError as exc:
        if isinstance(exc, AssignmentCancelled | DirectiveWasRecalled):
            # closed between the link's check and the report's: the link's page says why
            closed = await claims_or_page(deps, request, token)
            if isinstance(closed, HTMLResponse):
                return closed
        refusal = REFUSALS.get(http_status(exc), "")
        problems = exc.details.get("problems") or {"narrative": refusal}
        shown = {k: v for k, v in raw.items() if not isinstance(v, Upload)}
        kept = await keep(deps, claims, form, raw, problems)  # a chosen file is not lost
        return await render_form(
            deps, request, token, claims, shown, narrative, problems, 422, kept
        )
    s = filed.event.submission
    return page(
        request,
        "receipt.html.j2",
        201 if filed.new else 200,
        **heading(deps, filed.assignment.assignment, s.due_before),
        received=format_instant(s.received_at),
        first_received=format_instant(s.first_received_at),
        version=s.version,
        on_time=s.on_time,
        values=shown_values(form, s, link_files(token, s.version)),
        unchanged=not filed.new,
    )


DRAFT_QUERY = "draft"  # ?saved=draft: the page the save redirects to says it was saved


async def draft_page(
    request: Request, token: str, deps: Deps, claims: LinkClaims, form: Form
) -> Response:
    """The unit's "Lưu nháp": what was typed kept as it is, nothing checked, then the
    page again (a redirect, so reloading it saves nothing twice). Refused in words with
    what was typed still in the form: too long, or the report already accepted."""
    posted = await request.form()
    values = typed_values(form, posted)
    narrative = str(posted.get("narrative", "")).strip()
    try:
        found = await report_form(deps, *_ids(claims))
        await save_draft(deps, claims, found, values, narrative)
    except NotFound:
        return link_error(request, "invalid")
    except DomainError as exc:
        problems = exc.details.get("problems") or {DRAFT_PROBLEM: exc.message}
        return await render_form(
            deps, request, token, claims, dict(values), narrative, problems, http_status(exc)
        )
    return RedirectResponse(f"/r/{token}?saved={DRAFT_QUERY}", status_code=303)


@router.get(FORM_PATH + "/files/v{version}/{field}")
async def own_file(
    request: Request,
    token: str,
    version: Annotated[int, FastAPIPath(ge=1, le=1_000_000)],
    field: Annotated[str, FastAPIPath(max_length=128)],
    deps: DepsOf,
) -> Response:
    """A file the unit attached to its own report, through its link."""
    claims = await claims_or_page(deps, request, token)
    if isinstance(claims, HTMLResponse):
        return claims
    return await attached_file_response(
        deps, claims.directive_id, claims.unit_id, claims.requirement_id, version, field
    )
