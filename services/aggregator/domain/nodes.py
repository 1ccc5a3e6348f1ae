"""A roll-up node: one unit's position under one requirement of one directive.

It holds the unit's own assignment, latest report, the parent's last review of it and
the unit's requests for more time (``own``), and, for each child unit with something
below it, that child's totals tagged with the child's version. Every change is a "set if
newer", never an increment, so applying the same event or the same child state twice
changes nothing: redeliveries, replays and two replicas racing all converge on the same
totals.

Days late are counted as the requirement's form says (``Form.days_late``): calendar days,
or working days on the operator's calendar, which the caller reads and passes in (this
module does no I/O).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.contracts import Assignment, Extensions, Review, Submission, Totals, UnitContacted
from shared.forms import Aggregation, Form
from shared.workdays import WorkCalendar, working_days_late

# What a working-day form counts on when no calendar is passed: the statutory holidays.
STATUTORY = WorkCalendar()


def days_late(received: datetime | None, due: datetime | None) -> int:
    """Whole days, started ones counted: a report one hour late is one day late."""
    if received is None or due is None or received < due:
        return 0
    return max(1, math.ceil((received - due).total_seconds() / 86400))


def days_late_as(
    form: Form | None,
    received: datetime | None,
    due: datetime | None,
    calendar: WorkCalendar | None = None,
) -> int:
    """Days late as ``form`` counts them: working days on ``calendar`` when it says so."""
    if form is not None and form.counts_working_days:
        return working_days_late(received, due, calendar or STATUTORY)
    return days_late(received, due)


class Own(BaseModel):
    due_before: datetime | None = None
    version: int = 0  # latest submission version applied; 0 = nothing submitted yet
    on_time: bool | None = None
    received_at: datetime | None = None
    first_received_at: datetime | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    narrative: str = ""
    source: str = "unit"
    synthesis_of: str | None = None
    review: Review | None = None  # the parent's last decision
    # when the unit was first reached about it: its mail accepted, its link opened, a
    # link opened after its time (its parent's staff send a new one)
    mailed_at: datetime | None = None
    last_mailed_at: datetime | None = None  # the latest mail (a resend, a reminder)
    opened_at: datetime | None = None
    expired_at: datetime | None = None  # the latest time an expired link was opened
    confirmed_at: datetime | None = None  # when it first confirmed it has the document
    # when it first saved its report form without sending it (at work on it: "đang xử
    # lý"); a default, so that nodes stored before drafts were told load as they were
    drafted_at: datetime | None = None
    # its requests for more time and their answers (the reporter's whole story of them)
    extensions: Extensions | None = None
    # the correction (đính chính) of the directive its assignment in force follows (0: as
    # issued), and whether that correction took the unit off: defaults, so that nodes
    # stored before corrections load as they were
    correction: int = 0
    cancelled: bool = False

    @property
    def due(self) -> datetime | None:
        """The deadline in force: the last one granted, else the one assigned (a report
        stamps the one in force when it came, see the reporter)."""
        granted = self.extensions.granted if self.extensions else []
        last = granted[-1].granted_due if granted else None
        return last or self.due_before

    @property
    def dropped(self) -> bool:
        """Taken off by a correction before it reported: nothing is asked of it, so it
        counts for nothing (one that reported keeps its report, counted as it was)."""
        return self.cancelled and self.version == 0

    @property
    def extended(self) -> bool:
        """Granted more time at least once (a later refusal keeps what was granted)."""
        return self.extensions is not None and bool(self.extensions.granted)

    @property
    def accepted(self) -> bool:
        return self.review is not None and self.review.accepts(self.version)

    @property
    def returned(self) -> bool:
        return self.review is not None and self.review.returns(self.version)

    def _extension_totals(self) -> dict[str, Any]:
        """The unit counted as granted more time, and, until it reports, under its new
        deadline (an instant in UTC, so one deadline is one key however it was written)."""
        if not self.extended:
            return {}
        due = self.due
        waiting = {due.astimezone(UTC).isoformat(): 1} if due and self.version == 0 else {}
        return {"extended": 1, "extended_missing": waiting}

    def late_by(self, form: Form | None, calendar: WorkCalendar | None = None) -> int:
        """How late its first report came, by the deadline in force, as ``form`` counts."""
        return days_late_as(form, self.first_received_at, self.due, calendar)

    def totals(self, form: Form | None, calendar: WorkCalendar | None = None) -> Totals:
        if self.dropped:
            return Totals()
        if self.version == 0:
            return Totals(expected=1, **self._extension_totals())
        sums: dict[str, float] = {}
        choices: dict[str, dict[str, int]] = {}
        parts: dict[str, tuple[float, float]] = {}
        for f in form.fields if form else ():
            value = self.values.get(f.name)
            if f.rule is Aggregation.SUM and isinstance(value, int | float):
                sums[f.name] = float(value)
            elif f.rule is Aggregation.COUNT and value:
                chosen = value if isinstance(value, list) else [value]
                choices[f.name] = {c: 1 for c in chosen}
            elif f.ratio_of is not None:
                num, den = (self.values.get(n) for n in f.ratio_of)
                if isinstance(num, int | float) and isinstance(den, int | float):
                    parts[f.name] = (float(num), float(den))
        return Totals(
            expected=1,
            submitted=1,
            on_time=1 if self.on_time else 0,
            late=0 if self.on_time else 1,
            accepted=1 if self.accepted else 0,
            days_late=self.late_by(form, calendar),
            sums=sums,
            choices=choices,
            ratio_parts=parts,
            **self._extension_totals(),
        )


# Which of ``Own``'s instants a contact sets, and whether the earliest or latest counts.
_KEPT: dict[str, list[tuple[str, Callable[[datetime, datetime], datetime]]]] = {
    "mailed": [("mailed_at", min), ("last_mailed_at", max)],
    "opened": [("opened_at", min)],
    "expired": [("expired_at", max)],
    "received": [("confirmed_at", min)],
    "drafted": [("drafted_at", min)],
}


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

    def apply_assignment(self, assignment: Assignment) -> bool:
        """The assignment in force: one a later correction published again replaces the
        one kept (its deadline, until the unit reports; whether it is taken off); an
        older one, redelivered or out of order, changes nothing."""
        due, number = assignment.requirement.due_before, assignment.correction
        own = self.own
        if own is None:
            self.own = Own(due_before=due, correction=number, cancelled=assignment.cancelled)
            return True
        if number > own.correction:
            own.correction, own.cancelled = number, assignment.cancelled
            if own.version == 0:  # a report keeps the deadline it was judged by
                own.due_before = due
            return True
        first_due = own.version == 0 and own.due_before is None and due is not None
        if number == own.correction and first_due:
            own.due_before = due  # a review or a contact came first and made ``own``
            return True
        return False

    def apply_contact(self, contact: UnitContacted) -> bool:
        """When the unit was first mailed, first opened its link, first confirmed it has
        the document and first saved a draft, and last mailed and last opened an expired
        link; an assignment is implied (the mail is about one), as a report implies it."""
        own = self.own
        if own is None:
            self.own = own = Own()
        at = contact.at
        changed = False
        for field, pick in _KEPT[contact.how]:
            current = getattr(own, field)
            chosen = at if current is None else pick(current, at)
            if chosen != current:
                setattr(own, field, chosen)
                changed = True
        return changed

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
        own.values = submission.model_dump(mode="json")["values"]
        own.narrative = submission.narrative
        own.source = submission.source
        own.synthesis_of = submission.synthesis_of
        return True

    def apply_review(self, review: Review) -> bool:
        """The parent's decision; a later one (by version, then time) replaces it."""
        own = self.own
        if own is None:
            self.own = own = Own()
        current = own.review
        if current is not None and (current.version, current.reviewed_at) >= (
            review.version,
            review.reviewed_at,
        ):
            return False
        own.review = review
        return True

    def apply_extension(self, extensions: Extensions) -> bool:
        """The unit's requests for more time, if this story is newer than the one kept:
        more requests, or as many with the current one decided where it was pending. A
        redelivered older story (a pending request already answered) changes nothing."""
        own = self.own
        if own is None:
            self.own = own = Own()  # a request implies the assignment, as a report does
        changed = False
        if own.due_before is None and own.version == 0:
            own.due_before = extensions.original_due  # came before its assignment
            changed = True
        if _newer(extensions, own.extensions):
            own.extensions = extensions
            changed = True
        return changed

    def set_child(self, child_id: str, v: int, totals: Totals) -> bool:
        current = self.children.get(child_id)
        if current is not None and current.v >= v:
            return False
        self.children[child_id] = ChildEntry(v=v, totals=totals)
        return True

    def recompute(self, form: Form | None, calendar: WorkCalendar | None = None) -> None:
        """The totals again, from ``own`` and the children's; ``calendar``: what a form
        counting working days counts on (the operator's, read by the caller)."""
        total = self.own.totals(form, calendar) if self.own else Totals()
        for child in self.children.values():
            total = total + child.totals
        self.totals = total


def _newer(story: Extensions, kept: Extensions | None) -> bool:
    """Each event is the whole story so far, and a story only grows: a request is added,
    or the last one is answered. So a longer story is newer, and of two as long, the one
    whose last request is answered."""
    if kept is None:
        return True
    if len(story.requests) != len(kept.requests):
        return len(story.requests) > len(kept.requests)
    now, before = story.current, kept.current
    return (
        now is not None
        and before is not None
        and before.status == "pending"
        and now.status != "pending"
    )


def node_key(directive_id: str, requirement_id: str, unit_id: str) -> str:
    return f"{directive_id}.{requirement_id}.{unit_id}"
