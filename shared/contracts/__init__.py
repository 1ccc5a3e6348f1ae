"""Versioned pydantic contracts shared by the services."""

from shared.contracts.assignments import Assignment, assignment_id
from shared.contracts.base import SCHEMA_VERSION, Contract, Slug, Text
from shared.contracts.directives import (
    AttachedFile,
    Directive,
    DocumentRef,
    Recipient,
    RecipientRole,
    Recurrence,
    ReportingRequirement,
    Signer,
    UnitSelector,
    directive_id,
)
from shared.contracts.documents import (
    ParsedDeadline,
    ParsedDocument,
    ParsedRecipient,
    ParsedTask,
)
from shared.contracts.events import (
    AssignmentCreated,
    DirectiveIssued,
    DirectiveRecalled,
    Event,
    ExtensionChanged,
    Notice,
    Recall,
    ReportReviewed,
    ReportSubmitted,
    SynthesisApproved,
    SynthesisUpdated,
    UnitContacted,
)
from shared.contracts.extensions import Extension, Extensions, due_in_force
from shared.contracts.rollup import Totals
from shared.contracts.submissions import Review, Submission, SubmissionRequest, Value
from shared.contracts.units import Unit, UnitKind

__all__ = [
    "SCHEMA_VERSION",
    "Assignment",
    "AssignmentCreated",
    "AttachedFile",
    "Contract",
    "Directive",
    "DirectiveIssued",
    "DirectiveRecalled",
    "DocumentRef",
    "Event",
    "Extension",
    "ExtensionChanged",
    "Extensions",
    "Notice",
    "ParsedDeadline",
    "ParsedDocument",
    "ParsedRecipient",
    "ParsedTask",
    "Recall",
    "Recipient",
    "RecipientRole",
    "Recurrence",
    "ReportReviewed",
    "ReportSubmitted",
    "ReportingRequirement",
    "Review",
    "Signer",
    "Slug",
    "Submission",
    "SubmissionRequest",
    "SynthesisApproved",
    "SynthesisUpdated",
    "Text",
    "Totals",
    "Unit",
    "UnitContacted",
    "UnitKind",
    "UnitSelector",
    "Value",
    "assignment_id",
    "directive_id",
    "due_in_force",
]
