"""What a unit's signed link answers when it opens nothing: a page in plain words saying
why (tampered, expired, revoked by the parent's staff, its directive recalled or replaced
by another, the unit taken off by a correction of the directive) and, where a new link
helps, whom to ask. ``claims_or_page`` is every public route's first step."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import HTMLResponse

from services.reporter.deps import Deps
from services.reporter.domain.requirements import reviewing_unit
from services.reporter.entrypoints.pages import page
from services.reporter.handlers.link_contacts import link_contact
from services.reporter.handlers.link_expiry import open_past_signed_expiry
from services.reporter.handlers.submissions import find_requirement
from shared.contracts import Assignment, DirectiveRecalled
from shared.errors import NotFound
from shared.links import LinkClaims, LinkError
from shared.vietnamese import format_instant

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
    "recalled": (
        410,
        "Văn bản đã bị thu hồi",
        "Cấp ban hành đã thu hồi văn bản này: các yêu cầu báo cáo theo văn bản không còn "
        "hiệu lực, đơn vị không cần gửi báo cáo.",
    ),
    "replaced": (
        410,
        "Văn bản đã được thay thế",
        "Văn bản {ref} đã được thay thế bằng văn bản {by}; đơn vị thực hiện và báo cáo theo "
        "văn bản mới.",
    ),
    "cancelled": (
        410,
        "Đơn vị không còn phải báo cáo",
        "Theo đính chính lần {number} của văn bản {ref}, đơn vị không còn phải báo cáo yêu cầu "
        "này. Báo cáo đã gửi (nếu có) vẫn được lưu.",
    ),
    "revoked": (
        410,
        "Đường dẫn đã bị thu hồi",
        "Cấp trên đã thu hồi đường dẫn báo cáo này. Đề nghị liên hệ cấp trên để được "
        "gửi đường dẫn khác.",
    ),
}
# Nothing is asked of the unit any more: the page does not tell it to get a new link.
NOTHING_ASKED = frozenset({"replaced", "cancelled"})


def link_error(
    request: Request, reason: str, ask: str = "", why: str = "", **words: str | int
) -> HTMLResponse:
    """``ask``: the unit whose staff can send the unit a new link (they review its report);
    ``why``: a recall's words (when, by whom, the reason); ``words``: what the reason's
    explanation names (a document's number, a correction's)."""
    status, heading, explanation = LINK_ERRORS[reason]
    explanation = explanation.format(**words) if words else explanation
    if why:
        explanation += f" {why}"
    if ask:
        explanation += (
            f" Đề nghị liên hệ {ask} để được gửi lại đường dẫn mới (cán bộ ở đó bấm “Gửi lại "
            "đường dẫn” trên trang “Thư đã gửi” của văn bản); cấp trên đã được báo là đơn vị "
            "vừa mở một đường dẫn đã hết hạn."
        )
    return page(
        request,
        "link_error.html.j2",
        status,
        heading=heading,
        explanation=explanation,
        renew=reason not in NOTHING_ASKED,
    )


async def _who_renews(deps: Deps, claims: LinkClaims) -> str:
    """The name of the unit a report goes to, "" when the directive is not known here."""
    try:
        issued, requirement = await find_requirement(
            deps, claims.directive_id, claims.requirement_id
        )
    except NotFound:
        return ""
    return deps.directory().name(reviewing_unit(issued, requirement))


async def _verified(deps: Deps, token: str) -> LinkClaims:
    """The link's claims; LinkError when it opens nothing. One past its signed expiry
    still opens while the deadline in force and its grace last (``link_expiry``)."""
    try:
        claims = deps.links.verify(token)
    except LinkError as exc:
        if exc.reason != "expired" or exc.claims is None:
            raise
        if not await open_past_signed_expiry(deps, exc.claims):
            raise
        claims = exc.claims
    if await deps.revoked.find(claims.directive_id, claims.unit_id, claims.requirement_id):
        raise LinkError("revoked")
    return claims


async def claims_or_page(deps: Deps, request: Request, token: str) -> LinkClaims | HTMLResponse:
    try:
        claims = await _verified(deps, token)
    except LinkError as exc:
        deps.metrics.refused.labels(f"link_{exc.reason}").inc()
        if exc.reason == "expired" and exc.claims is not None:
            ask = await _who_renews(deps, exc.claims)
            if ask:
                await link_contact(deps, "expired", exc.claims)
            return link_error(request, exc.reason, ask)
        return link_error(request, exc.reason)
    closed = await _nothing_asked(deps, request, claims)
    return closed if closed is not None else claims


async def _nothing_asked(deps: Deps, request: Request, claims: LinkClaims) -> HTMLResponse | None:
    """The page of a link to what is no longer asked: its directive recalled or replaced
    (read each time: it can happen at any moment), or the unit taken off by a correction
    (the latest assignment cancelled). None: the link opens."""
    ids = (claims.directive_id, claims.unit_id, claims.requirement_id)
    recalled, assigned = await asyncio.gather(
        deps.reports.recalled(claims.directive_id), deps.reports.assignment(*ids)
    )
    if recalled is not None:
        return _recalled_page(deps, request, recalled)
    if assigned is not None and assigned.assignment.cancelled:
        deps.metrics.refused.labels("link_cancelled").inc()
        return _cancelled_page(request, assigned.assignment)
    return None


def _recalled_page(deps: Deps, request: Request, recalled: DirectiveRecalled) -> HTMLResponse:
    recall = recalled.recall
    if recall.replaced_by:
        deps.metrics.refused.labels("link_replaced").inc()
        by = recall.replaced_by_ref or recall.replaced_by
        why = recall_words(recalled, "Thay thế")
        return link_error(request, "replaced", why=why, ref=recalled.directive.ref, by=by)
    deps.metrics.refused.labels("link_recalled").inc()
    return link_error(request, "recalled", why=recall_words(recalled))


def _cancelled_page(request: Request, a: Assignment) -> HTMLResponse:
    return link_error(request, "cancelled", number=a.correction, ref=a.directive_ref)


def recall_words(recalled: DirectiveRecalled, what: str = "Thu hồi") -> str:
    """When and why, as the unit's page says it (a secret document's reason stays off);
    ``what``: the act ("Thu hồi", "Thay thế")."""
    recall = recalled.recall
    words = f"{what} lúc {format_instant(recall.recalled_at)}"
    if recalled.directive.secrecy is None:
        words += f"; lý do: {recall.reason}"
    return words + "."
