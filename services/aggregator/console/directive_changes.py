"""What a directive's page shows of the changes made to it after it was issued, and the
forms its issuing unit's leader makes them with (posted to the issuer): its corrections
(đính chính) as sections, "Đính chính văn bản" (its title, its deadlines, the units
assigned) and "Thay thế bằng văn bản khác". Pure: ``handlers/directive_forms.py`` reads
what the forms offer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.aggregator.domain.correction import Corrections, heading
from shared.clock import VN_TZ
from shared.contracts import Change, Directive, DirectiveIssued
from shared.vietnamese import document_title, format_deadline


@dataclass(frozen=True)
class CorrectionSection:
    """One correction: "Đính chính lần n — lúc …, người đính chính: …", why, what it
    changed (Nội dung | Trước | Sau) and the units it added and took off, by name."""

    number: int
    heading: str
    reason: str
    changes: list[Change]
    added: list[str]
    removed: list[str]


def correction_sections(
    kept: Corrections | None, name: Callable[[str], str]
) -> list[CorrectionSection]:
    """Every correction, oldest first (the numbers read in order down the page)."""
    return [
        CorrectionSection(
            number=c.number,
            heading=heading(c),
            reason=c.reason,
            changes=list(c.changes),
            added=[name(u) for u in c.added],
            removed=[name(u) for u in c.removed],
        )
        for c in (kept.corrections if kept else ())
    ]


@dataclass(frozen=True)
class DueField:
    """A date input for one requirement's deadline: "before this day"."""

    name: str  # the form field, "due.<requirement id>"
    id: str  # the input's id on the page
    label: str  # the requirement's action
    value: str  # its current deadline's day, ISO (a date input's value), "" if none
    deadline: str  # its current deadline in words


@dataclass(frozen=True)
class UnitChoice:
    unit_id: str
    name: str


@dataclass(frozen=True)
class CorrectForm:
    action: str  # where it posts: the issuer's /directives/{id}/correct
    title: str  # the directive's title now, prefilled
    dues: list[DueField]
    units: list[UnitChoice]  # the units assigned now, each a "remove" checkbox
    truncated: bool = False  # more units are assigned than the form lists


@dataclass(frozen=True)
class ReplaceChoice:
    directive_id: str
    document: str  # "Kế hoạch số 102-KH/ĐU"
    title: str


@dataclass(frozen=True)
class ReplaceForm:
    action: str  # the issuer's /directives/{id}/replace
    choices: list[ReplaceChoice]  # none: the page says there is nothing to replace it by


@dataclass(frozen=True)
class StaffForms:
    """The forms the signed-in account may use on the page (none for the others)."""

    recall: bool = False
    correct: CorrectForm | None = None
    replace: ReplaceForm | None = None


def _day(due: datetime | None) -> str:
    """The day a date input shows for a deadline "before this day"."""
    return due.astimezone(VN_TZ).date().isoformat() if due else ""


def correct_form(
    d: Directive, directive_id: str, units: list[UnitChoice], more: bool
) -> CorrectForm:
    """The form prefilled with the directive as it stands; its recurring requirements'
    deadlines are not corrected here (their periods follow the directive)."""
    dues = [
        DueField(
            name=f"due.{r.id}",
            id=f"correct-due-{r.id}",
            label=r.action,
            value=_day(r.due_before),
            deadline=format_deadline(r.due_before),
        )
        for r in d.requirements
        if r.recurrence is None and r.period_of is None
    ]
    return CorrectForm(
        action=f"/directives/{directive_id}/correct",
        title=d.title,
        dues=dues,
        units=sorted(units, key=lambda u: u.name),
        truncated=more,
    )


def replace_form(directive_id: str, others: list[DirectiveIssued]) -> ReplaceForm:
    """The other directives of the same issuer it may be replaced by, newest first."""
    choices = [
        ReplaceChoice(
            o.directive_id, document_title(o.directive.kind, o.directive.ref), o.directive.title
        )
        for o in others
    ]
    return ReplaceForm(action=f"/directives/{directive_id}/replace", choices=choices)
