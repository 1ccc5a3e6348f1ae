"""A unit's report under an assignment, as received and stamped by the reporter."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StrictFloat, StrictInt, StrictStr

from shared.contracts.base import Contract, Slug
from shared.contracts.directives import AttachedFile

MAX_NARRATIVE = 20_000  # characters of a unit's note beside its form
MAX_VALUES = 200  # answers in one submission; a report form has tens of fields
MAX_FILENAME = 255  # characters of an attached file's name

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two
# non-characters XML 1.0 refuses: nothing a person types, and each one makes a .docx
# (lxml) or a mail refuse the whole text.
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def without_controls(value: str) -> str:
    """``value`` without the characters ``_NOT_TEXT`` names."""
    return _NOT_TEXT.sub("", value)


def clean_text(value: str) -> str:
    """A text as a unit's report keeps it: lines end in "\\n", no control character but
    tab and newline, NFC, trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", without_controls(value)).strip()


# Text a unit (or a reviewer) typed, cleaned at entry and again when a stored report is
# read, so that one typed before this cleaning cannot stop the synthesis either.
UnitText = Annotated[str, AfterValidator(clean_text)]
_StoredText = Annotated[StrictStr, AfterValidator(clean_text)]

# A stored answer: a number, a text or a date (ISO), the choices made, or a file.
Value = StrictInt | StrictFloat | _StoredText | list[_StoredText] | AttachedFile


class SubmissionRequest(Contract):
    """What a unit sends: the answers to its report form, keyed by field name, and an
    optional note. The values are checked against the requirement's form by the reporter
    (numbers may be written the Vietnamese way, "1.234" or "12,5")."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    values: dict[Slug, Any] = Field(default_factory=dict, max_length=MAX_VALUES)
    # Its length is checked by the reporter, which says so in Vietnamese beside the field.
    narrative: UnitText = Field("", description="a note beside the form, up to 20,000 characters")
    clear: list[Slug] = Field(
        default_factory=list,
        max_length=MAX_VALUES + 1,
        description="fields (and 'narrative') the previous version had a value for that this "
        "one empties on purpose; without it a version that leaves one out is refused",
    )


class Submission(Contract):
    """A stamped version of a unit's report. Timeliness is judged on the first version."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    values: dict[Slug, Value] = Field(default_factory=dict)
    narrative: UnitText = Field("", max_length=MAX_NARRATIVE)
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
    reason: UnitText = Field("", max_length=5000)
    reviewed_at: AwareDatetime

    def accepts(self, version: int) -> bool:
        """Whether this decision accepts ``version``: the version the parent accepted is
        final; a later version (after a return) is open again."""
        return self.decision == "accepted" and self.version == version

    def returns(self, version: int) -> bool:
        """Whether this decision sends ``version`` back for correction."""
        return self.decision == "returned" and self.version == version
