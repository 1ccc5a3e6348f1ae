"""Report forms: the fields a reporting requirement asks for, with their type, unit,
bounds and how they add up the hierarchy.

A form is reference data: the issuer resolves a requirement's form id when the directive
is issued and embeds the definition in ``directive.issued``, so the reporter validates
and the aggregator adds up against the very form the directive went out with, even if
the form is edited later."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from shared.contracts.base import Contract, Slug, Text


class FieldType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENTAGE = "percentage"  # 0..100
    CHOICE = "choice"  # one of the choices
    MULTIPLE_CHOICE = "multiple_choice"  # any of the choices
    TEXT = "text"
    DATE = "date"
    ATTACHMENT = "attachment"  # a file: the unit's own signed report


class Aggregation(StrEnum):
    SUM = "sum"  # numbers added up the tree
    RATIO = "ratio"  # computed: sum of one field over the sum of another (never typed)
    COUNT = "count"  # how many reports chose each choice
    TEXTS = "texts"  # the texts listed with their unit's name
    NONE = "none"  # shown per unit, not added up


NUMERIC = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.PERCENTAGE)
CHOOSING = (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE)
DEFAULT_AGGREGATION = {
    FieldType.INTEGER: Aggregation.SUM,
    FieldType.DECIMAL: Aggregation.SUM,
    FieldType.PERCENTAGE: Aggregation.NONE,
    FieldType.CHOICE: Aggregation.COUNT,
    FieldType.MULTIPLE_CHOICE: Aggregation.COUNT,
    FieldType.TEXT: Aggregation.TEXTS,
    FieldType.DATE: Aggregation.NONE,
    FieldType.ATTACHMENT: Aggregation.NONE,
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# How a late report's days late are counted: calendar days, or working days (Monday to
# Friday less the holidays, on the calendar of ``chidao calendar``, shared/workdays.py).
DaysLate = Literal["calendar", "working"]


def _counted_in_calendar_days(days_late: DaysLate) -> bool:
    return days_late == "calendar"


class Choice(Contract):
    value: Slug
    label: Text


class FormField(Contract):
    name: Slug
    label: Text = Field(min_length=1)
    type: FieldType
    unit: Text = Field("", description="what is counted: buổi, lượt người, %")
    required: bool = False
    help: Text = ""
    min: float | None = None
    max: float | None = None
    at_most: Slug | None = Field(None, description="another field this one cannot exceed")
    max_length: int = Field(5000, ge=1, le=100_000, description="text fields")
    choices: list[Choice] = Field(default_factory=list)
    max_bytes: int = Field(MAX_ATTACHMENT_BYTES, ge=1, description="attachment fields")
    aggregation: Aggregation | None = Field(None, description="by type when unset")
    ratio_of: tuple[Slug, Slug] | None = Field(
        None, description="computed field: (numerator, denominator), summed separately"
    )

    @property
    def rule(self) -> Aggregation:
        return self.aggregation or DEFAULT_AGGREGATION[self.type]

    @property
    def computed(self) -> bool:
        return self.ratio_of is not None

    def choice_label(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        if self.type in CHOOSING and not self.choices:
            raise ValueError(f"field '{self.name}' is a choice but lists no choices")
        if self.type not in CHOOSING and self.choices:
            raise ValueError(f"field '{self.name}' has choices but is a {self.type}")
        if self.ratio_of is not None:
            if self.type is not FieldType.PERCENTAGE or self.rule is not Aggregation.RATIO:
                raise ValueError(f"computed field '{self.name}' must be a percentage ratio")
        elif self.rule is Aggregation.RATIO:
            raise ValueError(f"field '{self.name}' adds up as a ratio but names no ratio_of")
        allowed = {
            Aggregation.SUM: (FieldType.INTEGER, FieldType.DECIMAL),
            Aggregation.COUNT: CHOOSING,
            Aggregation.TEXTS: (FieldType.TEXT,),
        }
        if self.rule in allowed and self.type not in allowed[self.rule]:
            raise ValueError(f"field '{self.name}' ({self.type}) cannot add up as {self.rule}")
        return self


class Form(Contract):
    id: Slug
    title: Text = Field(min_length=1)
    description: Text = ""
    fields: list[FormField] = Field(min_length=1)
    # Left out of the JSON when "calendar": a form written before it, and every form that
    # does not say otherwise, travels in directive.issued as it always did.
    days_late: DaysLate = Field(
        "calendar",
        description="how the synthesis counts a late report's days late: calendar days, "
        "or working days on the working-day calendar (chidao calendar)",
        exclude_if=_counted_in_calendar_days,
    )

    @model_validator(mode="after")
    def _references(self) -> Form:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"form '{self.id}' names a field twice")
        by_name = {f.name: f for f in self.fields}
        for f in self.fields:
            for other in (*(f.ratio_of or ()), *((f.at_most,) if f.at_most else ())):
                target = by_name.get(other)
                if target is None:
                    raise ValueError(f"field '{f.name}' refers to '{other}', not in the form")
                if target.type not in NUMERIC or target.computed:
                    raise ValueError(f"field '{f.name}' refers to '{other}', not a typed number")
        return self

    @property
    def counts_working_days(self) -> bool:
        return self.days_late == "working"

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def inputs(self) -> list[FormField]:
        """The fields a unit fills in (computed ones are not typed)."""
        return [f for f in self.fields if not f.computed]

    def summed(self) -> set[str]:
        """Fields whose values are added up: SUM fields and the parts of every ratio."""
        names = {f.name for f in self.fields if f.rule is Aggregation.SUM}
        for f in self.fields:
            names.update(f.ratio_of or ())
        return names
