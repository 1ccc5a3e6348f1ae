"""A roll-up node: one unit's position under one requirement of one directive.

It holds the unit's own assignment and latest report (``own``), and, for each child unit
with something below it, that child's totals tagged with the child's version. Every
change is a "set if newer", never an increment, so applying the same event or the same
child state twice changes nothing: redeliveries, replays and two replicas racing all
converge on the same totals.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts import Assignment, Submission, Totals


class Own(BaseModel):
    due_before: datetime | None = None
    version: int = 0  # latest submission version applied; 0 = nothing submitted yet
    on_time: bool | None = None
    received_at: datetime | None = None
    first_received_at: datetime | None = None
    figures: dict[str, float] = Field(default_factory=dict)
    narrative: str = ""

    def totals(self) -> Totals:
        if self.version == 0:
            return Totals(expected=1)
        return Totals(
            expected=1,
            submitted=1,
            on_time=1 if self.on_time else 0,
            late=0 if self.on_time else 1,
            figures=self.figures,
        )


class ChildEntry(BaseModel):
    v: int
    totals: Totals


class Node(BaseModel):
    directive_id: str
    requirement_id: str
    unit_id: str
    v: int = 0
    own: Own | None = None
    children: dict[str, ChildEntry] = Field(default_factory=dict)
    totals: Totals = Field(default_factory=Totals)

    @property
    def key(self) -> str:
        return node_key(self.directive_id, self.requirement_id, self.unit_id)

    def apply_assignment(self, assignment: Assignment) -> bool:
        if self.own is not None:
            return False
        self.own = Own(due_before=assignment.requirement.due_before)
        return True

    def apply_submission(self, submission: Submission) -> bool:
        """Keep the latest version; a report implies its assignment even if that event
        has not arrived here yet (the two come on different streams)."""
        created = self.own is None
        own = self.own or Own(due_before=submission.due_before)
        self.own = own
        if submission.version <= own.version:
            return created
        own.version = submission.version
        own.on_time = submission.on_time
        own.received_at = submission.received_at
        own.first_received_at = submission.first_received_at
        own.due_before = submission.due_before
        own.figures = dict(submission.figures)
        own.narrative = submission.narrative
        return True

    def set_child(self, child_id: str, v: int, totals: Totals) -> bool:
        current = self.children.get(child_id)
        if current is not None and current.v >= v:
            return False
        self.children[child_id] = ChildEntry(v=v, totals=totals)
        return True

    def recompute(self) -> None:
        total = self.own.totals() if self.own else Totals()
        for child in self.children.values():
            total = total + child.totals
        self.totals = total


def node_key(directive_id: str, requirement_id: str, unit_id: str) -> str:
    return f"{directive_id}.{requirement_id}.{unit_id}"
