"""What the reporter's pages share: the templates (server-rendered in Vietnamese, usable
without JavaScript: the units' own, and the staff's in the console's frame), how a
report's values show, and how an attached file is served."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from services.reporter.handlers.reading import attached_file
from shared.console import Console
from shared.contracts import Submission
from shared.errors import Invalid, NotFound
from shared.forms import FieldType, Form, computed
from shared.forms.display import display
from shared.slugs import fold
from shared.vietnamese import parse_day
from shared.web import StyleSheet, csrf_field

# Every template is HTML and everything in it is escaped: what units, staff and documents
# typed is shown as text. (select_autoescape, Starlette's default, would escape nothing
# here: it goes by the name's extension, and these are *.html.j2.)
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parents[1] / "templates"), autoescape=True
)
STYLE = StyleSheet(_ENV.get_template("pages.css.j2").render())
_ENV.globals["style"] = STYLE.markup
TEMPLATES = Jinja2Templates(env=_ENV)
# The staff's report page (``report_page``), from the same folder, inside the console's
# frame; the unit-facing pages above keep their own layout (base.html.j2).
CONSOLE = Console(Path(__file__).parents[1] / "templates", css="report.css.j2")

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

_NOT_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", csrf_field(request))  # every form that posts starts with it
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def staff_files(s: Submission) -> str:
    """Where the staff download a version's files (guarded, ``http``)."""
    return f"/files/{s.directive_id}/{s.unit_id}/{s.requirement_id}/v{s.version}"


def shown_values(
    form: Form, submission: Submission, files: str | None = None
) -> list[dict[str, str | None]]:
    """Label and value of every answered field, computed ones included; a file comes
    with the address it is downloaded from: under ``files`` (the staff's by default; a
    unit's own page passes its signed link's)."""
    files = files or staff_files(submission)
    values: dict[str, Any] = dict(submission.values)
    values.update(computed(form, submission.values))
    return [
        {
            "label": f.label,
            "value": display(f, values[f.name]),
            "href": (f"{files}/{f.name}" if f.type is FieldType.ATTACHMENT else None),
        }
        for f in form.fields
        if f.name in values and display(f, values[f.name])
    ]


def download_type(claimed: str) -> str:
    media = claimed.split(";", 1)[0].strip().lower()
    return media if media in DOWNLOAD_TYPES else "application/octet-stream"


def attachment_disposition(filename: str) -> str:
    """``attachment`` always, so that no file a unit sent opens as a page of ours; the
    name in RFC 5987 form, with a plain ASCII fallback ("Báo cáo.pdf": "bao_cao.pdf")."""
    ascii_name = _NOT_FILENAME.sub("_", fold(filename)).strip("._")[:100] or "tep-dinh-kem"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def attached_file_response(
    deps: Any, directive_id: str, unit_id: str, requirement_id: str, version: int, field: str
) -> Response:
    """A file a unit attached to a version of its report, as a download: always an
    attachment, with a safe type; 404 when there is none, 410 when it is no longer kept.
    Served to the staff (``/files/...``) and to the unit through its link."""
    try:
        found = await attached_file(deps, directive_id, unit_id, requirement_id, version, field)
    except NotFound:
        return Response("Không có tệp này.", status_code=404, media_type="text/plain")
    if found.data is None:
        return Response("Tệp không còn lưu.", status_code=410, media_type="text/plain")
    return Response(
        found.data,
        media_type=download_type(found.file.content_type),
        headers={"Content-Disposition": attachment_disposition(found.file.filename)},
    )


def posted_day(text: str, field: str) -> date | None:
    """A day from a form: the browser's date input (2024-12-10) or as a clerk types it
    (10/12/2024); None when left empty."""
    text = text.strip()[:40]
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise Invalid(str(exc), problems={field: str(exc)}) from None
