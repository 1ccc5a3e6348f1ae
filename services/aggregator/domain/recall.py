"""A recalled directive (thu hồi, Nghị định 30/2020 Điều 18) on the aggregator's pages and
documents: what the synthesis keeps of a recall (``recalled_of``, ``basis_of``) and the
words every page and document says it in, so that they all say it the same way.

A recalled directive asks nothing more: its missing reports are no longer due, its
synthesis is not sent up. A directive implementing it keeps going, but its issuer is
asked to review it, since its basis changed. A replaced one (thay thế: a recall naming
the document that takes its place) is all that too, said as a replacement: its units now
report under the new document, which reached them with its own mails."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from services.aggregator.domain.synthesis import Recalled, RecalledBasis
from shared.clock import VN_TZ
from shared.contracts import DirectiveRecalled
from shared.errors import Conflict
from shared.vietnamese import document_title, format_date, format_instant

HEADLINE = "Văn bản đã bị thu hồi"
REPLACED = "Đã được thay thế bằng văn bản {ref}"
NO_LONGER_DUE = "Không phải báo cáo: văn bản đã bị thu hồi"
NO_LONGER_DUE_REPLACED = "Không phải báo cáo theo văn bản này: báo cáo theo văn bản {ref}"
NOT_APPROVED = (
    "{headline} ngày {day}: không còn yêu cầu báo cáo theo văn bản này, nên "
    "không duyệt, gửi báo cáo tổng hợp của văn bản lên cấp trên."
)


def recalled_of(event: DirectiveRecalled) -> Recalled:
    r = event.recall
    return Recalled(
        recalled_at=r.recalled_at.isoformat(),
        recalled_by=r.recalled_by,
        reason=r.reason,
        replaced_by=r.replaced_by,
        replaced_by_ref=(r.replaced_by_ref or r.replaced_by) if r.replaced_by else None,
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


def headline(r: Recalled) -> str:
    """'Văn bản đã bị thu hồi', or 'Đã được thay thế bằng văn bản 102-KH/ĐU'."""
    return REPLACED.format(ref=r.replaced_by_ref) if r.replaced_by else HEADLINE


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def one_line(text: str) -> str:
    """A reason inside a sentence: its lines joined, none with a full stop of its own."""
    lines = (line.strip().rstrip(".;").rstrip() for line in text.splitlines())
    return "; ".join(line for line in lines if line)


def recalled_sentence(r: Recalled) -> str:
    """'Văn bản đã bị thu hồi ngày 20/06/2024, người thu hồi: Lê Quang Thành
    (lanhdao.snv). Lý do: ...' (or 'Văn bản đã được thay thế bằng văn bản 102-KH/ĐU ngày
    ..., người thay thế: ...'): the line at the top of its báo cáo tổng hợp."""
    if r.replaced_by:
        by = f", người thay thế: {r.recalled_by}" if r.recalled_by else ""
        head = f"Văn bản {_lower(headline(r))}"
    else:
        by = f", người thu hồi: {r.recalled_by}" if r.recalled_by else ""
        head = HEADLINE
    return f"{head} ngày {recall_day(r)}{by}. Lý do: {one_line(r.reason)}."


def recall_notice(r: Recalled) -> dict[str, str]:
    """The notice at the top of a page: the headline with the day, when, who and why;
    replaced, the new document's id and ref (a page links it) and the verb it says it
    with ("Thay thế lúc ..., người thay thế: ...")."""
    replaced = bool(r.replaced_by)
    return {
        "headline": headline(r) if replaced else f"{HEADLINE} ngày {recall_day(r)}",
        "at": format_instant(_at(r)),
        "by": r.recalled_by,
        "reason": r.reason,
        "verb": "Thay thế" if replaced else "Thu hồi",
        "who": "người thay thế" if replaced else "người thu hồi",
        "replaced_by": r.replaced_by or "",
        "replaced_by_ref": r.replaced_by_ref or "",
        "href": f"/directives/{quote(r.replaced_by, safe='')}" if r.replaced_by else "",
    }


def no_longer_due(r: Recalled) -> str:
    """Instead of a deadline: nothing is asked under it any more (under the new one)."""
    if r.replaced_by:
        return NO_LONGER_DUE_REPLACED.format(ref=r.replaced_by_ref)
    return NO_LONGER_DUE


def closed_word(r: Recalled) -> str:
    """A unit's status under it when it had not reported: never a lateness."""
    return "Đã thay thế" if r.replaced_by else "Đã thu hồi"


def _basis_done(b: RecalledBasis) -> str:
    if b.replaced_by:
        return f"đã được thay thế bằng văn bản {b.replaced_by_ref} ngày {recall_day(b)}"
    return f"đã bị thu hồi ngày {recall_day(b)}"


def basis_headline(b: RecalledBasis) -> str:
    """A basis recalled, in a list (the console's home): the reason is on the page."""
    return f"Văn bản căn cứ ({b.document}) {_basis_done(b)}"


def basis_sentence(b: RecalledBasis) -> str:
    """What the issuer of a directive implementing a recalled one is told (the reason as
    its issuer wrote it: a proper name may begin it)."""
    return (
        f"Văn bản căn cứ ({b.document}) {_basis_done(b)}: lý do "
        f"{one_line(b.reason)}; đề nghị xem xét điều chỉnh."
    )


def not_approved(r: Recalled) -> Conflict:
    """Approving a recalled directive's synthesis: refused, in the staff's words (the API
    answers it as is, the pages by ``reason``)."""
    head = HEADLINE if not r.replaced_by else f"Văn bản {_lower(headline(r))}"
    return Conflict(NOT_APPROVED.format(headline=head, day=recall_day(r)), reason="recalled")
