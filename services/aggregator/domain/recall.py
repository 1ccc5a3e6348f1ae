"""A recalled directive (thu hồi, Nghị định 30/2020 Điều 18) on the aggregator's pages and
documents: what the synthesis keeps of a recall (``recalled_of``, ``basis_of``) and the
words every page and document says it in, so that they all say it the same way.

A recalled directive asks nothing more: its missing reports are no longer due, its
synthesis is not sent up. A directive implementing it keeps going, but its issuer is
asked to review it, since its basis changed."""

from __future__ import annotations

from datetime import datetime

from services.aggregator.domain.synthesis import Recalled, RecalledBasis
from shared.clock import VN_TZ
from shared.contracts import DirectiveRecalled
from shared.errors import Conflict
from shared.vietnamese import document_title, format_date, format_instant

HEADLINE = "Văn bản đã bị thu hồi"
NO_LONGER_DUE = "Không phải báo cáo: văn bản đã bị thu hồi"
NOT_APPROVED = (
    "Văn bản đã bị thu hồi ngày {day}: không còn yêu cầu báo cáo theo văn bản này, nên "
    "không duyệt, gửi báo cáo tổng hợp của văn bản lên cấp trên."
)


def recalled_of(event: DirectiveRecalled) -> Recalled:
    r = event.recall
    return Recalled(
        recalled_at=r.recalled_at.isoformat(), recalled_by=r.recalled_by, reason=r.reason
    )


def basis_of(event: DirectiveRecalled) -> RecalledBasis:
    d = event.directive
    return RecalledBasis(
        directive_id=event.directive_id,
        document=document_title(d.kind, d.ref),
        **recalled_of(event).model_dump(),
    )


def _at(r: Recalled) -> datetime:
    return datetime.fromisoformat(r.recalled_at)


def recall_day(r: Recalled) -> str:
    """'20/06/2024': the day it was recalled, in Việt Nam."""
    return format_date(_at(r).astimezone(VN_TZ).date())


def one_line(text: str) -> str:
    """A reason inside a sentence: its lines joined, none with a full stop of its own."""
    lines = (line.strip().rstrip(".;").rstrip() for line in text.splitlines())
    return "; ".join(line for line in lines if line)


def recalled_sentence(r: Recalled) -> str:
    """'Văn bản đã bị thu hồi ngày 20/06/2024, người thu hồi: Lê Quang Thành
    (lanhdao.snv). Lý do: ...': the line at the top of its báo cáo tổng hợp."""
    by = f", người thu hồi: {r.recalled_by}" if r.recalled_by else ""
    return f"{HEADLINE} ngày {recall_day(r)}{by}. Lý do: {one_line(r.reason)}."


def recall_notice(r: Recalled) -> dict[str, str]:
    """The notice at the top of a page: the headline with the day, when, who and why."""
    return {
        "headline": f"{HEADLINE} ngày {recall_day(r)}",
        "at": format_instant(_at(r)),
        "by": r.recalled_by,
        "reason": r.reason,
    }


def basis_headline(b: RecalledBasis) -> str:
    """A basis recalled, in a list (the console's home): the reason is on the page."""
    return f"Văn bản căn cứ ({b.document}) đã bị thu hồi ngày {recall_day(b)}"


def basis_sentence(b: RecalledBasis) -> str:
    """What the issuer of a directive implementing a recalled one is told (the reason as
    its issuer wrote it: a proper name may begin it)."""
    return (
        f"Văn bản căn cứ ({b.document}) đã bị thu hồi ngày {recall_day(b)}: lý do "
        f"{one_line(b.reason)}; đề nghị xem xét điều chỉnh."
    )


def not_approved(r: Recalled) -> Conflict:
    """Approving a recalled directive's synthesis: refused, in the staff's words (the API
    answers it as is, the pages by ``reason``)."""
    return Conflict(NOT_APPROVED.format(day=recall_day(r)), reason="recalled")
