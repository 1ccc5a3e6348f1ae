"""One unit's duty under one reporting requirement of one directive."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Slug, Text
from shared.contracts.directives import AttachedFile, ReportingRequirement, Secrecy, Urgency


def assignment_id(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{directive_id}.{unit_id}.{requirement_id}"


class Assignment(Contract):
    directive_id: Slug
    directive_kind: Text
    directive_ref: Text
    directive_title: Text
    directive_issued_on: date
    issuer_unit: Slug
    issuer: Text
    unit_id: Slug
    requirement: ReportingRequirement
    assigned_at: AwareDatetime
    document: AttachedFile | None = None
    urgency: Urgency | None = None  # the directive's marks, which its mails follow
    secrecy: Secrecy | None = None
    # A correction (đính chính) publishes the directive's assignments again under the
    # same subject: the last one is the assignment in force. ``correction``: the number
    # of the one it follows (0: as issued); ``added_in``: the correction that assigned the
    # unit (0: the issue); ``cancelled``: a correction took the unit off (its report, if
    # made, stays; nothing more is asked of it).
    correction: int = Field(0, ge=0)
    added_in: int = Field(0, ge=0)
    cancelled: bool = False

    @property
    def id(self) -> str:
        return assignment_id(self.directive_id, self.unit_id, self.requirement.id)

    @property
    def reviewing_unit(self) -> str:
        """The unit the report goes to, whose staff review it and may revoke or resend
        its link: the requirement's own recipient, or the directive's issuer."""
        return self.requirement.to_unit or self.issuer_unit
