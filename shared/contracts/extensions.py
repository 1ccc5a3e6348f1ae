"""A unit's request for more time on one assignment (xin gia hạn) and its parent's answer.

The reporter keeps them on ``chidao.extension.<directive>.<unit>.<requirement>`` in the
REPORTS stream: each message is the whole story of that assignment's requests (the
current one and those before it), so the last message is all a reader needs. The
notifier moves the unit's timers to the deadline in force, the aggregator judges
lateness by it and lists the extensions granted in the synthesis."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Slug
from shared.contracts.submissions import UnitText

MAX_EXTENSION_REASON = 2000  # characters of a unit's reason, or of the parent's answer
MAX_EXTENSIONS = 3  # requests one unit may make on one assignment

ExtensionStatus = Literal["pending", "granted", "refused"]


class Extension(Contract):
    """One request and, once decided, its answer. ``granted_due`` may be earlier than
    ``requested_due`` (the parent shortens it), never earlier than ``previous_due``."""

    number: int = Field(ge=1, le=MAX_EXTENSIONS, description="the unit's n-th request")
    previous_due: AwareDatetime = Field(description="the deadline in force when asked")
    requested_due: AwareDatetime
    reason: UnitText = Field(max_length=MAX_EXTENSION_REASON)
    asked_at: AwareDatetime
    asked_by: str = Field("", max_length=300, description="an account, or '' for the link")
    status: ExtensionStatus = "pending"
    granted_due: AwareDatetime | None = None
    answer: UnitText = Field("", max_length=MAX_EXTENSION_REASON)
    decided_at: AwareDatetime | None = None
    decided_by: str = Field("", max_length=300)


class Extensions(Contract):
    """Every request one unit made on one assignment, oldest first, and its deadlines."""

    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    original_due: AwareDatetime = Field(description="the deadline as assigned")
    requests: list[Extension] = Field(default_factory=list, max_length=MAX_EXTENSIONS)

    @property
    def current(self) -> Extension | None:
        return self.requests[-1] if self.requests else None

    @property
    def pending(self) -> Extension | None:
        current = self.current
        return current if current is not None and current.status == "pending" else None

    @property
    def granted(self) -> list[Extension]:
        return [e for e in self.requests if e.status == "granted"]

    @property
    def due(self) -> datetime:
        """The deadline in force: the last one granted, else the original."""
        granted = self.granted
        last = granted[-1].granted_due if granted else None
        return last or self.original_due


def due_in_force(original: datetime | None, extensions: Extensions | None) -> datetime | None:
    """``original`` (an assignment's deadline, as a correction may have set it) unless an
    extension granted moved it later; a correction moving it later still than the grant
    wins (more time is never taken back by an earlier grant)."""
    if original is None or extensions is None or not extensions.granted:
        return original
    granted = extensions.granted[-1].granted_due
    return max(original, granted) if granted is not None else original
