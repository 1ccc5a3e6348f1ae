"""A unit's report under an assignment, as received and stamped by the reporter."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, StrictFloat, StrictInt, StrictStr

from shared.contracts.base import Contract, Slug, Text
from shared.contracts.directives import AttachedFile

MAX_NARRATIVE = 20_000

# A stored answer: a number, a text or a date (ISO), the choices made, or a file.
Value = StrictInt | StrictFloat | StrictStr | list[StrictStr] | AttachedFile


class SubmissionRequest(Contract):
    """What a unit sends: the answers to its report form, keyed by field name, and an
    optional note. The values are checked against the requirement's form by the reporter
    (numbers may be written the Vietnamese way, "1.234" or "12,5")."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    values: dict[Slug, Any] = Field(default_factory=dict)
    narrative: Text = Field("", max_length=MAX_NARRATIVE, description="a note beside the form")


class Submission(Contract):
    """A stamped version of a unit's report. Timeliness is judged on the first version."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    values: dict[Slug, Value] = Field(default_factory=dict)
    narrative: Text = Field("", max_length=MAX_NARRATIVE)
    version: int = Field(ge=1)
    received_at: AwareDatetime
    first_received_at: AwareDatetime
    due_before: AwareDatetime | None
    on_time: bool
    source: Literal["unit", "plan", "synthesis"] = Field(
        "unit",
        description="sent by the unit; filed by chidao when the unit issued its own plan; "
        "or the unit's approved synthesis of a directive of its own",
    )
    synthesis_of: Slug | None = Field(None, description="that directive, for a synthesis")


class Review(Contract):
    """The parent's decision on a version of a unit's report."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    version: int = Field(ge=1)
    decision: Literal["accepted", "returned"]
    reason: Text = Field("", max_length=5000)
    reviewed_at: AwareDatetime
