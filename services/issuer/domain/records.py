"""The issuer's own state: one record per directive.

The record is written before any event, with status ``fanning_out``; it turns ``issued``
once every event is acknowledged. A record left ``fanning_out`` by a crash is finished
at the next start or by the next identical issue request."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel

from shared.contracts import Correction, Directive, Notice, Recall
from shared.forms import Form


class FanOutStatus(StrEnum):
    FANNING_OUT = "fanning_out"
    ISSUED = "issued"
    CORRECTING = "correcting"  # its last correction stored, its events not all acknowledged


def fingerprint(directive: Directive) -> str:
    """Identity of the content. The attached file is left out: the same directive uploaded
    as .docx and again as .pdf is the same directive."""
    return hashlib.sha256(directive.model_dump_json(exclude={"document"}).encode()).hexdigest()


class DirectiveRecord(BaseModel):
    directive: Directive
    fingerprint: str
    status: FanOutStatus
    issued_at: AwareDatetime
    assignment_count: int
    notices: list[Notice]
    warnings: list[str]
    parents: list[str] = []
    forms: dict[str, Form] = {}  # the report forms its requirements name, as issued
    recall: Recall | None = None  # its issuer recalled it (thu hồi): nothing more is asked
    # its corrections (đính chính), oldest first; ``directive`` is it as last corrected
    corrections: list[Correction] = []

    def added_in(self, unit_id: str) -> int:
        """The correction that assigned ``unit_id`` last (0: the issue, or never)."""
        return max((c.number for c in self.corrections if unit_id in c.added), default=0)

    def issued(self) -> DirectiveRecord:
        """The same record once every event is acknowledged."""
        return self.model_copy(update={"status": FanOutStatus.ISSUED})
