"""Building a synthesis from the roll-up nodes (``domain/nodes.py``): the figures of a
subtree's totals by its form's rules, the units listed by status as the walk over the
subtree visits them (and those granted more time), and the sections put together.
Pure: the walk is ``handlers/synthesis.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.aggregator.domain.nodes import Node, Own
from services.aggregator.domain.synthesis import (
    AddedUp,
    ChildSynthesis,
    ChoiceCount,
    Column,
    Counted,
    DirectiveSynthesis,
    Extended,
    FormSynthesis,
    Late,
    Listed,
    OwnReport,
    Quoted,
    Received,
    RequirementSynthesis,
    Returned,
    Synthesis,
    TextGroup,
    TotalsSynthesis,
    UnitRef,
    UnitSynthesis,
)
from shared.contracts import DirectiveIssued, ReportingRequirement, Totals
from shared.directory import Directory
from shared.forms import Aggregation, FieldType, Form, FormField
from shared.forms.display import display
from shared.vietnamese import document_title, format_deadline
from shared.workdays import WorkCalendar


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def totals_fields(
    totals: Totals, form: Form | None, due: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """What is missing is overdue once ``due`` (the requirement's deadline) has passed at
    ``now``, but for the units granted a later one not reached yet: those are pending."""
    ratios = {f.name: totals.ratio(f.name) for f in (form.fields if form else ()) if f.ratio_of}
    overdue = totals.overdue(due, now) if now is not None else 0
    return {
        "expected": totals.expected,
        "submitted": totals.submitted,
        "on_time": totals.on_time,
        "late": totals.late,
        "missing": totals.missing,
        "pending": totals.missing - overdue,
        "overdue": overdue,
        "extended": totals.extended,
        "accepted": totals.accepted,
        "days_late": totals.days_late,
        "submitted_rate": _rate(totals.submitted, totals.expected),
        "on_time_rate": _rate(totals.on_time, totals.expected),
        "average_days_late": totals.days_late / totals.late if totals.late else None,
        "sums": totals.sums,
        "choices": totals.choices,
        "ratios": ratios,
    }


def figures_of(totals: Totals, form: Form | None) -> list[AddedUp | Counted]:
    """The form's added-up fields in form order, each with its value written out."""
    figures: list[AddedUp | Counted] = []
    for f in form.fields if form else ():
        if f.rule in (Aggregation.SUM, Aggregation.RATIO):
            ratio = f.rule is Aggregation.RATIO
            value: int | float | None = totals.ratio(f.name) if ratio else totals.sums.get(f.name)
            if value is not None and not ratio and f.type is FieldType.INTEGER:
                value = int(value)
            figures.append(
                AddedUp(name=f.name, label=f.label, unit="%" if ratio else f.unit,
                        kind="ratio" if ratio else "sum", value=value,
                        text=display(f, value) if value is not None else "")
            )  # fmt: skip
        elif f.rule is Aggregation.COUNT:
            counts = totals.choices.get(f.name, {})
            choices = [
                ChoiceCount(value=c.value, label=c.label, count=counts.get(c.value, 0))
                for c in f.choices
            ]
            figures.append(
                Counted(name=f.name, label=f.label, unit="", kind="count",
                        value=sum(counts.values()), choices=choices,
                        text="; ".join(f"{c.label}: {c.count}" for c in choices if c.count))
            )  # fmt: skip
    return figures


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _text_fields_of(form: Form | None) -> list[FormField]:
    return [f for f in (form.fields if form else ()) if f.rule is Aggregation.TEXTS]


class Listing:
    """The units with their own assignment in a subtree, by status, and their words,
    gathered node by node; a late one's days late as ``form`` counts them (on
    ``calendar`` when in working days)."""

    def __init__(
        self, directory: Directory, form: Form | None, calendar: WorkCalendar | None = None
    ) -> None:
        self._directory = directory
        self._form, self._calendar = form, calendar
        self._text_fields = _text_fields_of(form)
        self.on_time: list[Received] = []
        self.late: list[Late] = []
        self.missing: list[Listed] = []
        self.returned: list[Returned] = []
        self.extended: list[Extended] = []
        self.notes: list[Quoted] = []
        self._texts: dict[str, list[Quoted]] = {f.name: [] for f in self._text_fields}

    def add(self, node: Node) -> None:
        own = node.own
        if own is None or own.dropped:
            return  # a unit a correction took off before it reported is not missing
        unit = {"unit_id": node.unit_id, "name": self._directory.name(node.unit_id)}
        if own.version == 0:
            self.missing.append(Listed(**unit))
        elif own.on_time:
            self.on_time.append(Received(**unit, received_at=_iso(own.first_received_at)))
        else:
            late = own.late_by(self._form, self._calendar)
            received = _iso(own.first_received_at)
            self.late.append(Late(**unit, received_at=received, days_late=late))
        extended = _extended(own)
        if extended is not None:
            self.extended.append(Extended(**unit, **extended))
        if own.returned:
            self.returned.append(Returned(**unit, reason=own.review.reason if own.review else None))
        for f in self._text_fields:
            text = own.values.get(f.name)
            if isinstance(text, str) and text.strip():
                self._texts[f.name].append(Quoted(**unit, text=text.strip()))
        if own.narrative:
            self.notes.append(Quoted(**unit, text=own.narrative))

    def fields(self) -> dict[str, Any]:
        """The lists sorted by unit name, as the section's fields."""
        lists: dict[str, list[Any]] = {
            "on_time": self.on_time, "late": self.late, "missing": self.missing,
            "returned": self.returned, "extended": self.extended, "notes": self.notes,
        }  # fmt: skip
        for entries in (*lists.values(), *self._texts.values()):
            entries.sort(key=lambda e: e.name)
        texts = [
            TextGroup(name=f.name, label=f.label, entries=self._texts[f.name])
            for f in self._text_fields
        ]
        return {**lists, "texts": texts}


def _extended(own: Own) -> dict[str, str] | None:
    """The deadlines and reason of a unit granted more time (the last grant counts)."""
    stories, due = own.extensions, own.due
    if stories is None or not stories.granted or due is None:
        return None
    return {"original_due": stories.original_due.isoformat(), "due": due.isoformat(),
            "reason": stories.granted[-1].reason}  # fmt: skip


def _form_of(form: Form | None) -> FormSynthesis | None:
    if form is None:
        return None
    columns = [
        Column(name=f.name, label=f.label, unit=f.unit)
        for f in form.fields
        if f.rule in (Aggregation.SUM, Aggregation.RATIO)
    ]
    return FormSynthesis(id=form.id, title=form.title, columns=columns, days_late=form.days_late)


def _own_of(own: Own | None) -> OwnReport | None:
    if own is None:
        return None
    return OwnReport(
        version=own.version,
        on_time=own.on_time,
        received_at=_iso(own.first_received_at),
        source=own.source,
        accepted=own.accepted,
        returned=own.returned,
    )


def requirement_synthesis(
    requirement: ReportingRequirement,
    form: Form | None,
    node: Node | None,
    listing: Listing,
    truncated: bool,
    directory: Directory,
    now: datetime | None = None,
) -> RequirementSynthesis:
    """One requirement's section, from the unit's node and the listing of its subtree, as
    it stands at ``now`` (a report still missing then is pending or overdue)."""
    totals = node.totals if node else Totals()
    due = requirement.due_before
    children = [
        ChildSynthesis(
            unit_id=cid,
            name=directory.name(cid),
            **totals_fields(c.totals, form, due, now),
            figures={
                f.name: f.text for f in figures_of(c.totals, form) if f.kind in ("sum", "ratio")
            },
        )
        for cid, c in sorted(
            (node.children.items() if node else ()), key=lambda kv: directory.name(kv[0])
        )
    ]
    return RequirementSynthesis(
        id=requirement.id,
        action=requirement.action,
        asks_for=requirement.asks_for,
        due_before=due.isoformat() if due else None,
        deadline=format_deadline(due),
        recurrence=requirement.recurrence,
        period=requirement.period,
        auto_approve=requirement.auto_approve,
        form=_form_of(form),
        totals=TotalsSynthesis(**totals_fields(totals, form, due, now)),
        figures=figures_of(totals, form),
        children=children,
        own=_own_of(node.own if node else None),
        truncated=truncated,
        **listing.fields(),
    )


def synthesis_of(
    issued: DirectiveIssued,
    unit_id: str,
    directory: Directory,
    now: datetime,
    sections: list[RequirementSynthesis],
) -> Synthesis:
    d = issued.directive
    unit = directory.get(unit_id)
    parent = directory.get(unit.parent) if unit and unit.parent else None
    return Synthesis(
        directive=DirectiveSynthesis(
            id=issued.directive_id,
            kind=d.kind,
            ref=d.ref,
            document=document_title(d.kind, d.ref),
            title=d.title,
            issuer=d.issuer,
            issuer_unit=d.issuer_unit,
            issued_on=d.issued_on.isoformat(),
            place=d.place,
            parents=issued.parents,
        ),
        unit=UnitSynthesis(
            id=unit_id,
            name=directory.name(unit_id),
            kind=unit.kind if unit else None,
            parent=UnitRef(id=parent.id, name=parent.name) if parent else None,
        ),
        as_of=now.isoformat(),
        requirements=sections,
    )
