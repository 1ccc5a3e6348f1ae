"""A unit's report under an assignment, as received and stamped by the reporter."""

from __future__ import annotations

import math

from pydantic import AwareDatetime, Field, field_validator

from shared.contracts.base import Contract, Slug, Text

MAX_NARRATIVE = 20_000


class SubmissionRequest(Contract):
    """What a unit sends: figures keyed by ASCII names, and free text."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    figures: dict[Slug, float] = Field(default_factory=dict)
    narrative: Text = Field("", max_length=MAX_NARRATIVE)

    @field_validator("figures")
    @classmethod
    def _plain_counts(cls, figures: dict[str, float]) -> dict[str, float]:
        for name, value in figures.items():
            if not math.isfinite(value):
                raise ValueError(f"figure '{name}' must be a finite number")
            if value < 0:
                raise ValueError(f"figure '{name}' cannot be negative (got {value:g})")
        return figures


class Submission(SubmissionRequest):
    """A stamped version of a unit's report. Timeliness is judged on the first version."""

    version: int = Field(ge=1)
    received_at: AwareDatetime
    first_received_at: AwareDatetime
    due_before: AwareDatetime | None
    on_time: bool
