"""The synthesis of a directive for one unit (the báo cáo tổng hợp's content), as a model:
who reported, on time or late and by how many days, who is missing, which reports the
parent returned, the figures added up by their form's rules, and the units' own words
grouped by field.

``model_dump(mode="json")`` is the API's JSON: the fields are declared in the order the
JSON has them, and instants and dates are kept as the ISO strings it shows. The
documents (``documents/``) and the status page read the attributes. It is built by
``synthesis_build.py`` from the roll-up nodes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from shared.forms import PLAN_FORM, DaysLate

# How the documents and the status page word days late: "muộn 2 ngày", or, for a form
# counting them in working days, "muộn 2 ngày làm việc".
DAY_WORDS: dict[DaysLate, str] = {"calendar": "ngày", "working": "ngày làm việc"}


class _Part(BaseModel):
    # A key the model does not know is drift between the JSON and the code.
    model_config = ConfigDict(extra="forbid")


# -- the figures ---------------------------------------------------------------------------


class TotalsSynthesis(_Part):
    """The counts of a subtree. With ``missing`` split as Báo cáo 1270/BC-TCTTTg counts
    tasks: reported on time, reported late, not yet reported but within the deadline
    (``pending``), not reported and overdue (``overdue``)."""

    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int
    pending: int = 0
    overdue: int = 0
    extended: int = 0  # units granted more time (xin gia hạn)
    accepted: int
    days_late: int
    submitted_rate: float | None
    on_time_rate: float | None
    average_days_late: float | None
    sums: dict[str, float]
    choices: dict[str, dict[str, int]]
    ratios: dict[str, float | None]


class AddedUp(_Part):
    """A SUM or RATIO field of the form, added up."""

    name: str
    label: str
    unit: str
    kind: Literal["sum", "ratio"]
    value: int | float | None
    text: str


class ChoiceCount(_Part):
    value: str
    label: str
    count: int


class Counted(_Part):
    """A COUNT field of the form: how many units made each choice."""

    name: str
    label: str
    unit: str
    kind: Literal["count"]
    value: int
    choices: list[ChoiceCount]
    text: str


Figure = Annotated[AddedUp | Counted, Field(discriminator="kind")]


class _Child(_Part):
    unit_id: str
    name: str


class ChildSynthesis(TotalsSynthesis, _Child):
    """One child unit's row: its subtree's totals and its added-up numbers and ratios,
    written out. (The bases in this order put ``unit_id`` and ``name`` first, as the JSON
    has them.)"""

    figures: dict[str, str]


# -- the units listed by name --------------------------------------------------------------


class Listed(_Part):
    unit_id: str
    name: str


class Received(Listed):
    received_at: str | None = None


class Late(Received):
    days_late: int = 0


class Returned(Listed):
    reason: str | None = None


class Extended(Listed):
    """A unit granted more time: the deadline it was assigned, the one in force (the
    last granted) and the reason it gave for that one."""

    original_due: str
    due: str
    reason: str


class Quoted(Listed):
    text: str


class TextGroup(_Part):
    """A TEXTS field of the form: what each unit wrote in it."""

    name: str
    label: str
    entries: list[Quoted]


class Column(_Part):
    name: str
    label: str
    unit: str


def _counted_in_calendar_days(days_late: DaysLate) -> bool:
    return days_late == "calendar"


class FormSynthesis(_Part):
    id: str
    title: str
    columns: list[Column]  # the added-up fields (SUM, RATIO), a table's columns
    # How its days late are counted (the form's ``days_late``). Left out of the JSON when
    # in calendar days: a synthesis saved before it reads and writes back the same.
    days_late: DaysLate = Field("calendar", exclude_if=_counted_in_calendar_days)


class OwnReport(_Part):
    """The unit's own report on the requirement, when it is itself assigned it."""

    version: int
    on_time: bool | None
    received_at: str | None
    source: str
    accepted: bool
    returned: bool


class RequirementSynthesis(_Part):
    id: str
    action: str
    # Not in the JSON: read from the requirement when the synthesis is built; a synthesis
    # read back from its JSON tells a plan by its form.
    asks_for: Literal["plan", "results"] = Field("results", exclude=True)
    due_before: str | None
    deadline: str
    recurrence: str | None
    period: str | None = None  # a recurring requirement's period, "Quý I/2025"
    auto_approve: bool
    form: FormSynthesis | None
    totals: TotalsSynthesis
    figures: list[Figure]
    children: list[ChildSynthesis]
    own: OwnReport | None
    truncated: bool
    on_time: list[Received]
    late: list[Late]
    missing: list[Listed]
    returned: list[Returned]
    extended: list[Extended] = Field(default_factory=list)
    notes: list[Quoted]
    texts: list[TextGroup]

    @model_validator(mode="before")
    @classmethod
    def _plan_by_its_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "asks_for" not in data:
            form = data.get("form")
            form_id = form.get("id") if isinstance(form, dict) else getattr(form, "id", None)
            data = {**data, "asks_for": "plan" if form_id == PLAN_FORM else "results"}
        return data

    @property
    def asks_for_a_plan(self) -> bool:
        return self.asks_for == "plan"

    @property
    def day_word(self) -> str:
        """What its days late are counted in: "ngày", or "ngày làm việc"."""
        return DAY_WORDS[self.form.days_late if self.form else "calendar"]


class UnitRef(_Part):
    id: str
    name: str


class UnitSynthesis(_Part):
    id: str
    name: str
    kind: str | None
    parent: UnitRef | None


def _unset(value: str | None) -> bool:
    return value is None


class Recalled(_Part):
    """The issuer recalled (thu hồi) the directive, Nghị định 30/2020 Điều 18: when (an
    instant, ISO), by whom ("Name (username)", "" if not recorded) and why; replaced (thay
    thế), the document that took its place (its id and its ref, "102-KH/ĐU")."""

    recalled_at: str
    recalled_by: str
    reason: str
    # Left out of the JSON when it was not replaced: a recall reads and writes as before.
    replaced_by: str | None = Field(None, exclude_if=_unset)
    replaced_by_ref: str | None = Field(None, exclude_if=_unset)


class _Basis(_Part):
    directive_id: str
    document: str  # "Kế hoạch số 9-KH/ĐUK"


class RecalledBasis(Recalled, _Basis):
    """A directive this one implements (its basis, văn bản căn cứ) that its issuer
    recalled: the unit that issued this one should review it. (The bases in this order
    put ``directive_id`` and ``document`` first, as the JSON has them.)"""


class DirectiveSynthesis(_Part):
    id: str
    kind: str
    ref: str
    document: str
    title: str
    issuer: str
    issuer_unit: str
    issued_on: str
    place: str
    parents: list[str]
    # Defaults, so that a synthesis saved before recalls were kept still reads.
    recalled: Recalled | None = None
    basis_recalled: list[RecalledBasis] = Field(default_factory=list)


class Written(_Part):
    """What the unit's own staff write in the report themselves (kept in the notes
    bucket, see ``handlers/notes.py``): empty until they do."""

    assessment: str = ""  # Đánh giá chung
    lessons: str = ""  # Bài học kinh nghiệm
    next_steps: str = ""  # Phương hướng, nhiệm vụ thời gian tới

    def is_empty(self) -> bool:
        return not (self.assessment.strip() or self.lessons.strip() or self.next_steps.strip())


class Synthesis(_Part):
    directive: DirectiveSynthesis
    unit: UnitSynthesis
    as_of: str
    requirements: list[RequirementSynthesis]
    # Optional, last, and left out of the JSON while nothing is written: a synthesis
    # saved before the staff could write in it reads and writes back the same.
    written: Written = Field(default_factory=Written)

    @model_serializer(mode="wrap")
    def _without_empty_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and self.written.is_empty():
            data.pop("written", None)
        return data

    def section(self, requirement_id: str) -> RequirementSynthesis:
        return next(r for r in self.requirements if r.id == requirement_id)


def as_synthesis(s: Synthesis | Mapping[str, Any]) -> Synthesis:
    """A synthesis, or one read back from its JSON (a saved one, a test's fixture),
    checked against the model."""
    return s if isinstance(s, Synthesis) else Synthesis.model_validate(s)
