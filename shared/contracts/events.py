"""The events services exchange. Each carries ``schema: 1``; a change that breaks readers
gets a new schema number and both are read until the old one is gone."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.contracts.assignments import Assignment
from shared.contracts.base import SCHEMA_VERSION, Contract, Slug
from shared.contracts.directives import Directive, RecipientRole
from shared.contracts.extensions import Extensions
from shared.contracts.forms import Form
from shared.contracts.rollup import Totals
from shared.contracts.submissions import Review, Submission, UnitText, Value

MAX_RECALL_REASON = 2000  # characters of the reason a recall gives


class Event(Contract):
    schema_: Literal[1] = Field(SCHEMA_VERSION, alias="schema")
    event_id: str = Field(pattern=r"^[A-Za-z0-9_.=-]+$", description="also the Nats-Msg-Id")
    occurred_at: AwareDatetime


class Notice(Contract):
    """A unit that receives the directive without an assignment of its own."""

    unit_id: Slug
    role: RecipientRole


class DirectiveIssued(Event):
    type: Literal["directive.issued"] = "directive.issued"
    directive_id: Slug
    directive: Directive
    assignment_count: int
    notices: list[Notice] = Field(default_factory=list)
    parents: list[Slug] = Field(
        default_factory=list, description="known directives this one implements (its basis)"
    )
    forms: dict[Slug, Form] = Field(
        default_factory=dict, description="the report forms its requirements name, by id"
    )

    def form_of(self, requirement_id: str) -> Form | None:
        for r in self.directive.requirements:
            if r.id == requirement_id and r.form is not None:
                return self.forms.get(r.form)
        return None


class AssignmentCreated(Event):
    type: Literal["assignment.created"] = "assignment.created"
    assignment: Assignment


class ReportSubmitted(Event):
    type: Literal["report.submitted"] = "report.submitted"
    submission: Submission


class SynthesisUpdated(Event):
    type: Literal["synthesis.updated"] = "synthesis.updated"
    directive_id: Slug
    requirement_id: Slug
    unit_id: Slug
    version: int
    totals: Totals


class UnitContacted(Event):
    """A unit was reached about one of its assignments: its mail was accepted by its mail
    server ("mailed", by the notifier), it opened its signed link ("opened", by the
    reporter), or it opened one whose time was over ("expired": the parent's staff send a
    new one), confirmed it has the document ("received") or saved its report form without
    sending it ("drafted"). The parent's directive page shows them until the unit reports."""

    type: Literal["unit.contacted"] = "unit.contacted"
    how: Literal["mailed", "opened", "expired", "received", "drafted"]
    directive_id: Slug
    unit_id: Slug
    requirement_id: Slug
    at: AwareDatetime


class ReportReviewed(Event):
    type: Literal["report.reviewed"] = "report.reviewed"
    review: Review


class SynthesisApproved(Event):
    """A unit's staff approved its synthesis of one of its own directives: the reporter
    files it as the unit's report on the parent directive's requirement."""

    type: Literal["synthesis.approved"] = "synthesis.approved"
    directive_id: Slug  # the unit's own directive, whose synthesis this is
    requirement_id: Slug
    unit_id: Slug
    target_directive_id: Slug  # the parent's directive it answers
    target_requirement_id: Slug
    values: dict[Slug, Value] = Field(default_factory=dict)
    narrative: str = ""
    automatic: bool = False
    approved_at: AwareDatetime
    # who approved it ("Lê Quang Thành (lanhdao.snv)"); "" when automatic or not recorded
    approved_by: str = Field("", max_length=300)


class ExtensionChanged(Event):
    """A unit asked for more time, or its parent answered: ``extensions`` is the whole
    story of that assignment's requests after the change (the last message counts)."""

    type: Literal["extension.changed"] = "extension.changed"
    extensions: Extensions


class Recall(Contract):
    """Why and when the issuer recalled (thu hồi) a directive it issued."""

    reason: UnitText = Field(min_length=1, max_length=MAX_RECALL_REASON)
    recalled_at: AwareDatetime
    recalled_by: str = Field("", max_length=300, description="who, 'Name (username)'")
    # Replaced (thay thế): the document that takes its place, issued before by the same
    # unit. Everything else is a recall's: its pending assignments are closed, every unit
    # it reached is told, and they report under the new one.
    replaced_by: Slug | None = None
    replaced_by_ref: UnitText | None = Field(None, max_length=200)


class Change(Contract):
    """One thing a correction changed, as its mails and pages say it."""

    label: UnitText = Field(max_length=300)  # "Hạn báo cáo “Báo cáo kết quả thực hiện”"
    before: UnitText = Field("", max_length=2000)
    after: UnitText = Field("", max_length=2000)


class Correction(Contract):
    """One correction (đính chính, Nghị định 30/2020 Điều 18) of an issued directive:
    the issuer's leader gives the reason; ``changes`` what it changed, ``added`` and
    ``removed`` the units that must now act, or no longer."""

    number: int = Field(ge=1)
    reason: UnitText = Field(min_length=1, max_length=MAX_RECALL_REASON)
    corrected_at: AwareDatetime
    corrected_by: str = Field("", max_length=300, description="who, 'Name (username)'")
    changes: list[Change] = Field(default_factory=list)
    added: list[Slug] = Field(default_factory=list)
    removed: list[Slug] = Field(default_factory=list)


class DirectiveCorrected(Event):
    """The issuer corrected a directive: ``directive`` is it as corrected. Its assignments
    were published again before this event (``Assignment.correction``), those of the units
    removed as cancelled; reports already made stay. Every unit it reached, and the
    issuers of the directives that implement it, are told what changed."""

    type: Literal["directive.corrected"] = "directive.corrected"
    directive_id: Slug
    directive: Directive
    correction: Correction
    implementing: list[Slug] = Field(
        default_factory=list, description="known directives issued to implement it"
    )


class DirectiveRecalled(Event):
    """The issuer recalled a directive (Nghị định 30/2020 Điều 18, thu hồi): nothing more
    is asked under it, every unit it reached is told with the reason, its links answer
    that it was recalled; the issuers of the directives that implement it are told too."""

    type: Literal["directive.recalled"] = "directive.recalled"
    directive_id: Slug
    directive: Directive
    recall: Recall
    implementing: list[Slug] = Field(
        default_factory=list, description="known directives issued to implement it"
    )
