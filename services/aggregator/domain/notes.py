"""What a unit's staff write in their báo cáo tổng hợp themselves (general assessment,
lessons, next steps), the rules: how long each may be, the key it is kept under, and who
wrote it last. Kept per (directive, unit) in the ``aggregator_notes`` bucket
(``adapters/notes.py``); read into the synthesis (``Synthesis.written``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from services.aggregator.domain.synthesis import Written

# Per section: some pages of a report. The three go up together in the report's text,
# after its sentence of counts (domain/approval.py), and that text holds MAX_NARRATIVE:
# each section may take a little under a third, so nothing saved is cut on the way up.
MAX_CHARS = 6_000
FIELDS = tuple(Written.model_fields)  # assessment, lessons, next_steps
# The sections the unit's staff write themselves (``Synthesis.written``): the field, its
# label on the console's form, its heading in the report. Each goes in only when written.
WRITTEN_SECTIONS = (
    ("assessment", "Đánh giá chung", "ĐÁNH GIÁ CHUNG"),
    ("lessons", "Bài học kinh nghiệm", "BÀI HỌC KINH NGHIỆM"),
    ("next_steps", "Phương hướng, nhiệm vụ thời gian tới", "PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"),
)


def written_narrative(written: Written) -> str:
    """The written sections as the text of the report sent up, each under its label."""
    return "".join(
        f"\n\n{label}:\n{getattr(written, name)}"
        for name, label, _ in WRITTEN_SECTIONS
        if getattr(written, name)
    )


class StoredNotes(BaseModel):
    """The bucket's value: the sections and who saved them, when."""

    written: Written
    by: str = ""  # the display name of who saved last
    at: datetime | None = None


def notes_key(directive_id: str, unit_id: str) -> str:
    """An ASCII key: both ids are slugs (lower-case letters, digits, '-' and '_')."""
    return f"{directive_id}.{unit_id}"


def too_long(written: Written) -> list[str]:
    """The sections longer than ``MAX_CHARS``, by field name."""
    return [name for name in FIELDS if len(getattr(written, name)) > MAX_CHARS]


def tidy(text: str) -> str:
    """A textarea's text as kept: the browser's CRLF as LF, no trailing blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
