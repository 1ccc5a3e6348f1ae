"""The original file of a directive, for the staff in the console
(``/directives/{id}/original``, routed to the issuer by the front and the staff Ingress).

An ordinary directive's original is read by every account that sees the directive. A
secret one's (Mật, sealed in the store) only by the accounts of the issuing unit and of
the units it reached, which its mails sent there ("đăng nhập trang quản lý"); every such
reading is written to the audit trail, refused or not, as a staff action would be."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.issuer.deps import Deps
from services.issuer.domain.planning import plan_issue
from services.issuer.domain.records import DirectiveRecord
from shared.auth.audit import entry_from
from shared.auth.guard import staff
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.errors import Forbidden, NotFound
from shared.service import deps_of
from shared.web import SlugPath

router = APIRouter()

DepsOf = Annotated[Deps, Depends(deps_of)]
Reader = Annotated[Principal, staff(Action.DIRECTIVE_READ)]


@router.get("/directives/{directive_id}/original", tags=["pages"])
async def original(
    http: Request, directive_id: SlugPath, deps: DepsOf, principal: Reader
) -> Response:
    """The directive's original file, as it was issued."""
    record = await deps.records.get(directive_id)
    if record is None or record.directive.document is None:
        raise NotFound(f"Văn bản {directive_id} không có tệp gốc nào được lưu.")
    document = record.directive.document
    if document.sealed:
        await _secret_read(http, deps, principal, record)
    else:
        principal.require_sees_directive_of(
            record.directive.issuer_unit, deps.directory(), Action.DIRECTIVE_READ
        )
    data = await deps.originals.read(document)
    if data is None:
        raise NotFound(f"Tệp gốc {document.filename} không còn trong kho lưu trữ.")
    disposition = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(data, media_type=document.content_type, headers=headers)


async def _secret_read(
    http: Request, deps: Deps, principal: Principal, record: DirectiveRecord
) -> None:
    """Refuses (Forbidden) an account of a unit the secret directive did not reach; audits
    the reading either way."""
    d = record.directive
    plan = plan_issue(d, deps.directory())
    reached = {d.issuer_unit, *plan.assigned_units, *(n.unit_id for n in plan.notices)}
    allowed = any(principal.acts_as(unit) for unit in reached)
    entry = entry_from(
        "issuer",
        principal,
        "directive.original.secret",
        "ok" if allowed else "forbidden",
        method="GET",
        path=http.url.path,
        directive_id=d.id,
        status=200 if allowed else 403,
        address=http.client.host if http.client else None,
        detail=d.document.filename if d.document else "",
    )
    await http.app.state.audit.write(entry)
    if not allowed:
        raise Forbidden(
            f"{d.ref} là văn bản mật: chỉ cán bộ của đơn vị ban hành và của các đơn vị nhận "
            "văn bản mở được tệp gốc."
        )
