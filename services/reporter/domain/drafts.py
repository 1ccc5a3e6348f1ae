"""A unit's report saved without sending it ("Lưu nháp"): what it typed in the form's
fields and its note, as typed (nothing is checked for completeness or form: a draft is
work in progress), never its files. One per (directive, unit, requirement); sending the
report removes it.

Which one the page fills the form from: a draft saved after the version that counts (a
correction being prepared) or when nothing was sent yet; a draft older than the version
sent (its removal failed, or the report came by another way) is what was sent already."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.reporter.domain.refusals import Refusal
from shared.contracts import Submission
from shared.errors import Invalid

# A KV value stays far below NATS's 1 MB message limit; a form's fields and a note of a
# few pages fit many times over.
MAX_DRAFT_BYTES = 200_000
DRAFT_PROBLEM = "draft-refused"  # where the page says a draft was refused (no field)

TOO_LARGE = (
    "Bản nháp chưa được lưu: nội dung đã nhập quá dài ({size} kB, tối đa {limit} kB). Đề "
    "nghị rút ngắn ghi chú hoặc các mục dài rồi lưu lại; nội dung đã nhập vẫn còn trên trang."
)


class DraftTooLarge(Invalid, Refusal):
    """A draft over MAX_DRAFT_BYTES: refused, nothing stored (not a refused report)."""


class Draft(BaseModel):
    model_config = ConfigDict(frozen=True)

    # by field name: the text typed, the choices ticked (lists for multiple choices)
    values: dict[str, str | list[str]]
    narrative: str = ""
    saved_at: datetime


def new_draft(values: dict[str, str | list[str]], narrative: str, at: datetime) -> Draft:
    """The draft of what was typed, saved ``at``; DraftTooLarge over the limit."""
    # a field left empty is not worth keeping: the form shows it empty anyway
    kept = {name: value for name, value in values.items() if value not in ("", [])}
    draft = Draft(values=kept, narrative=narrative, saved_at=at)
    size = len(draft.model_dump_json().encode())
    if size > MAX_DRAFT_BYTES:
        words = TOO_LARGE.format(size=-(-size // 1000), limit=MAX_DRAFT_BYTES // 1000)
        raise DraftTooLarge(words, problems={DRAFT_PROBLEM: words})
    return draft


def shown_draft(draft: Draft | None, sent: Submission | None) -> Draft | None:
    """The draft the page fills its form from, None when the version sent shows."""
    if draft is None or (sent is not None and draft.saved_at <= sent.received_at):
        return None
    return draft
