"""One unit's duty under one reporting requirement of one directive."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime

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

    @property
    def id(self) -> str:
        return assignment_id(self.directive_id, self.unit_id, self.requirement.id)

    @property
    def reviewing_unit(self) -> str:
        """The unit the report goes to, whose staff review it and may revoke or resend
        its link: the requirement's own recipient, or the directive's issuer."""
        return self.requirement.to_unit or self.issuer_unit
