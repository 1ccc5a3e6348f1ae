"""A corrected directive (đính chính, Nghị định 30/2020 Điều 18) on the aggregator: what
the directive book keeps of its corrections (``Corrections``, folded in by
``with_correction``) and the words its pages say them in.

The issuer publishes a directive's assignments again before the correction itself, so
the roll-up already judges each unit by its corrected deadline, and counts those taken
off for nothing (``domain/nodes.py``); what is kept here is the directive as the newest
correction left it (its title, its requirements' deadlines, which every page and
synthesis read) and the story of its corrections, for its page and for the pages of the
directives implementing it (whose issuers should review their own)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.clock import VN_TZ
from shared.contracts import Correction, Directive, DirectiveCorrected
from shared.vietnamese import format_date, format_instant


class Corrections(BaseModel):
    """A directive's corrections, oldest first, and the directive as the newest left it
    (``number``: that correction's)."""

    number: int
    directive: Directive
    corrections: list[Correction] = Field(default_factory=list)

    @property
    def latest(self) -> Correction:
        return self.corrections[-1]


def with_correction(kept: Corrections | None, event: DirectiveCorrected) -> Corrections | None:
    """The corrections with ``event``'s; None when it is kept already (a redelivery). An
    older one coming after a newer (out of order) is listed but leaves the directive as
    the newer corrected it."""
    c = event.correction
    if kept is None:
        return Corrections(number=c.number, directive=event.directive, corrections=[c])
    if any(k.number == c.number for k in kept.corrections):
        return None
    listed = sorted([*kept.corrections, c], key=lambda k: k.number)
    if c.number > kept.number:
        return Corrections(number=c.number, directive=event.directive, corrections=listed)
    return kept.model_copy(update={"corrections": listed})


def _day(at: datetime) -> str:
    return format_date(at.astimezone(VN_TZ).date())


def heading(c: Correction) -> str:
    """'Đính chính lần 1 — lúc 09 giờ 30, ngày 21/06/2024, người đính chính: Lê Quang
    Thành (lanhdao.a)'."""
    by = f", người đính chính: {c.corrected_by}" if c.corrected_by else ""
    return f"Đính chính lần {c.number} — lúc {format_instant(c.corrected_at)}{by}"


def basis_corrected(document: str, c: Correction) -> str:
    """What the page of a directive implementing a corrected one says (the newest)."""
    return (
        f"Văn bản căn cứ {document} đã được đính chính (lần {c.number}, ngày "
        f"{_day(c.corrected_at)}): xem lại văn bản của đơn vị."
    )


def dropped(number: int) -> str:
    """A unit a correction took off before it reported, instead of a lateness status."""
    return f"Không còn phải báo cáo (đính chính lần {number})"


def just_corrected(number: int) -> str:
    """The page's message after its "Đính chính văn bản" form."""
    return f"Đã đính chính văn bản (lần {number}); các đơn vị đang được thông báo qua thư."
