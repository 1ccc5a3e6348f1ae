"""A unit's processing status (tình trạng xử lý) of one assignment, in the national
document exchange's words (Nghị định 30/2020/NĐ-CP, Điều 21): its mail arrived at its
server ("Đã đến"), the unit has it ("Đã nhận": it opened its link or confirmed it), it is
at work on it ("Đang xử lý": a draft saved, more time asked) and it reported ("Hoàn
thành", with the parent's review). The furthest step reached is the status, from the
instant that step was first reached.

It stands beside the deadline status (``console/views.py``), never instead of it: a unit
can be at work and overdue at once. Pure: read from the roll-up node's ``Own``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.aggregator.domain.correction import dropped
from services.aggregator.domain.nodes import Own
from shared.vietnamese import format_instant

ProcessingCode = Literal["not_reached", "arrived", "received", "in_progress", "completed"]
# Lowest step first: the order of the page's filter and count summary.
PROCESSING_WORDS: dict[ProcessingCode, str] = {
    "not_reached": "Chưa gửi được",
    "arrived": "Đã đến",
    "received": "Đã nhận",
    "in_progress": "Đang xử lý",
    "completed": "Hoàn thành",
}
# A report made: the parent's decision on its latest version.
ReviewCode = Literal["waiting", "accepted", "returned"]
REVIEW_WORDS: dict[ReviewCode, str] = {
    "waiting": "chờ duyệt",
    "accepted": "đã duyệt",
    "returned": "bị trả lại",
}
# A unit a correction took off, or of a recalled directive, before it reported: it has
# no processing status any more, and keeps the word those have ("Đã thu hồi").
CLOSED: Literal["closed"] = "closed"


@dataclass(frozen=True)
class Processing:
    code: ProcessingCode | Literal["closed"]
    label: str  # "Đã nhận", or a closed unit's word
    since: datetime | None = None  # when the step was first reached
    review: ReviewCode | None = None  # of a completed one

    @property
    def at(self) -> str:
        return format_instant(self.since) if self.since else ""

    @property
    def words(self) -> str:
        """As a row shows it: "Hoàn thành (đã duyệt) — 10 giờ 15, ngày 03/06/2024"."""
        head = f"{self.label} ({REVIEW_WORDS[self.review]})" if self.review else self.label
        return f"{head} — {self.at}" if self.since else head


def processing_of(own: Own | None, closed: str = "") -> Processing | None:
    """The unit's status; None when it is not assigned the requirement itself. ``closed``:
    the directive's recall word ("Đã thu hồi", "" while it stands); a report made under it
    stays "Hoàn thành", as reports made stay."""
    if own is None:
        return None
    if own.dropped:
        return Processing(CLOSED, dropped(own.correction))
    if own.version > 0:
        return Processing(
            "completed", PROCESSING_WORDS["completed"], own.first_received_at or own.received_at,
            review=_review(own),
        )  # fmt: skip
    if closed:
        return Processing(CLOSED, closed)
    requests = own.extensions.requests if own.extensions else []
    asked = requests[0].asked_at if requests else None
    steps: tuple[tuple[ProcessingCode, tuple[datetime | None, ...]], ...] = (
        ("in_progress", (own.drafted_at, asked)),
        ("received", (own.opened_at, own.confirmed_at)),
        ("arrived", (own.mailed_at,)),
    )
    for code, instants in steps:  # the furthest step first
        reached = [i for i in instants if i is not None]
        if reached:
            return Processing(code, PROCESSING_WORDS[code], min(reached))
    return Processing("not_reached", PROCESSING_WORDS["not_reached"])


def _review(own: Own) -> ReviewCode:
    if own.accepted:
        return "accepted"
    return "returned" if own.returned else "waiting"


@dataclass(frozen=True)
class StepCount:
    code: ProcessingCode
    words: str
    count: int


def summary(statuses: list[Processing | None]) -> list[StepCount]:
    """How many units are at each step, as the table's summary says it: every step from
    "Đã đến" on, and the units not reached yet only when there are some."""
    counts: dict[str, int] = dict.fromkeys(PROCESSING_WORDS, 0)
    for p in statuses:
        if p is not None and p.code in counts:  # a closed unit is at no step
            counts[p.code] += 1
    return [
        StepCount(code, words, counts[code])
        for code, words in PROCESSING_WORDS.items()
        if code != "not_reached" or counts[code]
    ]
