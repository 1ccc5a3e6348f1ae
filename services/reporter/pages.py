"""The pages people use, server-rendered in Vietnamese and usable without JavaScript:

- ``/r/{token}``: the page a mail's signed link opens, one unit's report on one
  requirement, its form with the deadline, messages next to the fields, a file upload,
  and a receipt; a tampered or expired link gets a page that says so plainly;
- ``/reports/{directive}/{unit}/{requirement}``: the parent's staff reading a unit's
  report, every version, and accepting it or returning it for correction."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path as FastAPIPath
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import UploadFile

from services.reporter import log as reports
from services.reporter.accept import Refused, accept, find_requirement, form_for
from services.reporter.metrics import ReporterMetrics
from services.reporter.review import review
from shared import topology
from shared.contracts import Assignment, AttachedFile, Submission, SubmissionRequest
from shared.forms import FieldType, Form, Upload, computed
from shared.forms.display import display, input_text
from shared.links import LinkClaims, LinkError, Links
from shared.objects import fetch
from shared.service import Service
from shared.slugs import fold
from shared.vietnamese import document_title, format_date, format_deadline, format_instant
from shared.web import SlugPath, StyleSheet

# Every template is HTML and everything in it is escaped: what units, staff and documents
# typed is shown as text. (select_autoescape, Starlette's default, would escape nothing
# here: it goes by the name's extension, and these are *.html.j2.)
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
STYLE = StyleSheet(_ENV.get_template("pages.css.j2").render())
_ENV.globals["style"] = STYLE.markup
TEMPLATES = Jinja2Templates(env=_ENV)

# What an attached file is served as: its own type when a browser shows it as a document
# (the form's accept list), otherwise bytes to save. Never what the uploader claimed.
DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "image/jpeg",
        "image/png",
    }
)

LINK_ERRORS = {
    "invalid": (
        403,
        "Đường dẫn không hợp lệ",
        "Đường dẫn này không đúng hoặc đã bị sửa đổi, nên không mở được báo cáo của đơn vị nào.",
    ),
    "expired": (
        410,
        "Đường dẫn đã hết hạn",
        "Thời hạn báo cáo và thời gian gia hạn của đường dẫn này đã qua.",
    ),
}


# The refusals a unit can meet on its page, besides values that are not right.
REFUSALS = {
    403: "Đơn vị không được giao báo cáo nội dung này.",
    404: "Không tìm thấy văn bản hoặc nội dung báo cáo này.",
    409: (
        "Báo cáo không gửi được: cấp trên đã chấp nhận báo cáo của đơn vị, hoặc báo cáo "
        "vừa được gửi từ nơi khác. Đề nghị tải lại trang."
    ),
}


def shown_values(form: Form, submission: Submission) -> list[dict[str, str]]:
    """Label and value of every answered field, computed ones included; a file comes
    with the address it is downloaded from."""
    values: dict[str, Any] = dict(submission.values)
    values.update(computed(form, submission.values))
    s = submission
    return [
        {
            "label": f.label,
            "value": display(f, values[f.name]),
            "href": (
                f"/files/{s.directive_id}/{s.unit_id}/{s.requirement_id}/v{s.version}/{f.name}"
                if f.type is FieldType.ATTACHMENT
                else None
            ),
        }
        for f in form.fields
        if f.name in values and display(f, values[f.name])
    ]


def _fields(form: Form, values: dict[str, Any], problems: dict[str, str]) -> list[dict]:
    fields = []
    for f in form.inputs:
        value = values.get(f.name)
        fields.append(
            {
                "f": f,
                "text": value if isinstance(value, str) else input_text(f, value),
                "chosen": set(value) if isinstance(value, list) else {value},
                "file": display(f, value) if f.type is FieldType.ATTACHMENT and value else "",
                "problem": problems.get(f.name),
            }
        )
    return fields


async def _form_values(request: Request, form: Form) -> dict[str, Any]:
    """The posted form as raw values: lists for multiple choices, uploads for files; an
    empty file input is left out (a correction keeps the file already sent)."""
    posted = await request.form()
    values: dict[str, Any] = {}
    for f in form.inputs:
        if f.type is FieldType.MULTIPLE_CHOICE:
            values[f.name] = [str(v) for v in posted.getlist(f.name)]
        elif f.type is FieldType.ATTACHMENT:
            upload = posted.get(f.name)
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(f.max_bytes + 1)
                values[f.name] = Upload(upload.filename, upload.content_type or "", data)
        elif f.name in posted:
            values[f.name] = str(posted.get(f.name, ""))
    values["__narrative"] = str(posted.get("narrative", "")).strip()
    return values


_NOT_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def download_type(claimed: str) -> str:
    media = claimed.split(";", 1)[0].strip().lower()
    return media if media in DOWNLOAD_TYPES else "application/octet-stream"


def attachment_disposition(filename: str) -> str:
    """``attachment`` always, so that no file a unit sent opens as a page of ours; the
    name in RFC 5987 form, with a plain ASCII fallback ("Báo cáo.pdf": "bao_cao.pdf")."""
    ascii_name = _NOT_FILENAME.sub("_", fold(filename)).strip("._")[:100] or "tep-dinh-kem"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def install(service: Service, links: Links, metrics: ReporterMetrics) -> None:
    service.csp.allow(STYLE)
    # The form page carries the attachments.
    service.allow_uploads("POST", "/r/{token}")

    def page(request: Request, template: str, status: int = 200, **context: Any):
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status)

    def link_error(request: Request, reason: str) -> HTMLResponse:
        status, heading, explanation = LINK_ERRORS[reason]
        return page(request, "link_error.html.j2", status, heading=heading, explanation=explanation)

    async def claims_or_page(request: Request, token: str) -> LinkClaims | HTMLResponse:
        try:
            return links.verify(token)
        except LinkError as exc:
            metrics.refused.labels(f"link_{exc.reason}").inc()
            return link_error(request, exc.reason)

    def heading(a: Assignment) -> dict[str, Any]:
        return {
            "unit_name": service.directory.name(a.unit_id),
            "document": document_title(a.directive_kind, a.directive_ref),
            "issued_on": format_date(a.directive_issued_on),
            "issuer": a.issuer,
            "title": a.directive_title,
            "action": a.requirement.action,
            "to_name": service.directory.name(a.requirement.to_unit or a.issuer_unit),
            "deadline": format_deadline(a.requirement.due_before),
        }

    async def render_form(
        request: Request,
        claims: LinkClaims,
        values: dict[str, Any] | None = None,
        narrative: str = "",
        problems: dict[str, str] | None = None,
        status: int = 200,
        notice: str = "",
    ) -> HTMLResponse:
        d, u, r = claims.directive_id, claims.unit_id, claims.requirement_id
        assigned = await reports.assignment(service.js, d, u, r)
        issued = await reports.directive_issued(service.js, d)
        if assigned is None or issued is None:
            return link_error(request, "invalid")
        a = assigned.assignment
        form = form_for(issued, a.requirement)
        found = await reports.latest(service.js, d, u, r)
        previous = found[0].submission if found else None
        reviewed = await reports.latest_review(service.js, d, u, r)
        last_review = reviewed[0].review if reviewed else None
        if previous is not None and values is None:
            values, narrative = dict(previous.values), previous.narrative
        locked = (
            last_review is not None
            and previous is not None
            and last_review.decision == "accepted"
            and last_review.version == previous.version
        )
        return page(
            request,
            "submission.html.j2",
            status,
            **heading(a),
            form=form,
            fields=_fields(form, values or {}, problems or {}),
            narrative=narrative,
            problems=problems or {},
            notice=notice,
            previous=(
                {
                    "version": previous.version,
                    "received": format_instant(previous.first_received_at),
                    "on_time": previous.on_time,
                }
                if previous
                else None
            ),
            review=(
                {
                    "decision": last_review.decision,
                    "reason": last_review.reason,
                    "at": format_instant(last_review.reviewed_at),
                }
                if last_review and previous and last_review.version == previous.version
                else None
            ),
            locked=locked,
        )

    @service.app.get("/r/{token}", response_class=HTMLResponse, tags=["pages"])
    async def open_page(request: Request, token: str) -> HTMLResponse:
        claims = await claims_or_page(request, token)
        if isinstance(claims, HTMLResponse):
            return claims
        return await render_form(request, claims)

    @service.app.post("/r/{token}", response_class=HTMLResponse, tags=["pages"])
    async def submit_page(request: Request, token: str) -> HTMLResponse:
        claims = await claims_or_page(request, token)
        if isinstance(claims, HTMLResponse):
            return claims
        issued = await reports.directive_issued(service.js, claims.directive_id)
        requirement = next(
            (
                r
                for r in (issued.directive.requirements if issued else [])
                if r.id == claims.requirement_id
            ),
            None,
        )
        if issued is None or requirement is None:
            return link_error(request, "invalid")
        form = form_for(issued, requirement)
        raw = await _form_values(request, form)
        narrative = raw.pop("__narrative")
        submission = SubmissionRequest(
            directive_id=claims.directive_id,
            unit_id=claims.unit_id,
            requirement_id=claims.requirement_id,
            values=raw,
            narrative=narrative,
        )
        try:
            accepted = await accept(
                service.js,
                submission,
                service.clock.now,
                metrics,
                max_versions=service.settings.max_report_versions,
            )
        except Refused as exc:
            problems = exc.details.get("problems") or {"narrative": REFUSALS.get(exc.status, "")}
            shown = {k: v for k, v in raw.items() if not isinstance(v, Upload)}
            return await render_form(request, claims, shown, narrative, problems, 422)
        s = accepted.event.submission
        assigned = await reports.assignment(
            service.js, claims.directive_id, claims.unit_id, claims.requirement_id
        )
        assert assigned is not None
        return page(
            request,
            "receipt.html.j2",
            201 if accepted.status == 201 else 200,
            **heading(assigned.assignment),
            received=format_instant(s.received_at),
            first_received=format_instant(s.first_received_at),
            version=s.version,
            on_time=s.on_time,
            values=shown_values(form, s),
            unchanged=accepted.status == 200,
        )

    async def staff_view(
        request: Request, d: str, u: str, r: str, status: int = 200, message: str = ""
    ) -> HTMLResponse:
        probe = SubmissionRequest(directive_id=d, unit_id=u, requirement_id=r)
        try:
            issued, requirement = await find_requirement(service.js, probe, metrics)
        except Refused as exc:
            return page(request, "link_error.html.j2", exc.status, heading="Không tìm thấy",
                        explanation=exc.message)  # fmt: skip
        form = form_for(issued, requirement)
        versions = await reports.versions(service.js, d, u, r)
        reviewed = await reports.latest_review(service.js, d, u, r)
        last = reviewed[0].review if reviewed else None
        return page(
            request,
            "report.html.j2",
            status,
            unit_name=service.directory.name(u),
            document=document_title(issued.directive.kind, issued.directive.ref),
            action=requirement.action,
            deadline=format_deadline(requirement.due_before),
            versions=[
                {
                    "version": v.submission.version,
                    "received": format_instant(v.submission.received_at),
                    "values": shown_values(form, v.submission),
                    "narrative": v.submission.narrative,
                    "source": v.submission.source,
                }
                for v in reversed(versions)
            ],
            on_time=versions[-1].submission.on_time if versions else None,
            review=(
                {
                    "decision": last.decision,
                    "version": last.version,
                    "reason": last.reason,
                    "at": format_instant(last.reviewed_at),
                }
                if last
                else None
            ),
            message=message,
        )

    @service.app.get("/files/{d}/{u}/{r}/v{version}/{field}", tags=["pages"])
    async def download(
        d: SlugPath,
        u: SlugPath,
        r: SlugPath,
        version: Annotated[int, FastAPIPath(ge=1, le=1_000_000)],
        field: SlugPath,
    ) -> Response:
        """A file a unit attached to a version of its report."""
        versions = await reports.versions(service.js, d, u, r)
        found = next((v.submission for v in versions if v.submission.version == version), None)
        attached = found.values.get(field) if found else None
        if not isinstance(attached, AttachedFile):
            return Response("Không có tệp này.", status_code=404, media_type="text/plain")
        data = await fetch(service.js, topology.ATTACHMENTS.name, attached.object_name)
        if data is None:
            return Response("Tệp không còn lưu.", status_code=410, media_type="text/plain")
        return Response(
            data,
            media_type=download_type(attached.content_type),
            headers={"Content-Disposition": attachment_disposition(attached.filename)},
        )

    @service.app.get("/reports/{d}/{u}/{r}", response_class=HTMLResponse, tags=["pages"])
    async def read_report(request: Request, d: SlugPath, u: SlugPath, r: SlugPath) -> HTMLResponse:
        return await staff_view(request, d, u, r)

    @service.app.post("/reports/{d}/{u}/{r}", response_class=HTMLResponse, tags=["pages"])
    async def review_page(request: Request, d: SlugPath, u: SlugPath, r: SlugPath) -> HTMLResponse:
        posted = await request.form()
        decision = "accepted" if posted.get("decision") == "accept" else "returned"
        if decision == "returned" and not str(posted.get("reason", "")).strip():
            return await staff_view(
                request, d, u, r, 422, "Đề nghị ghi lý do trả lại để đơn vị biết cần sửa gì."
            )
        try:
            await review(service.js, d, u, r, decision, str(posted.get("reason", "")),
                         service.clock.now)  # fmt: skip
        except Refused as exc:
            return await staff_view(request, d, u, r, 422, exc.message)
        metrics.reviews.labels(decision).inc()
        done = "Đã chấp nhận báo cáo." if decision == "accepted" else (
            "Đã trả lại báo cáo để đơn vị sửa; đơn vị sẽ nhận được thư báo.")  # fmt: skip
        return await staff_view(request, d, u, r, 200, done)
