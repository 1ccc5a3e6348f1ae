"""Why the reporter refuses a report, as shared.errors kinds. Each carries ``reason``, the
label of ``chidao_submissions_refused_total`` it is counted under."""

from __future__ import annotations

from typing import ClassVar

from shared.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class Refusal(DomainError):
    reason: ClassVar[str] = ""  # "": not counted as a refused submission


class UnknownDirective(NotFound, Refusal):
    reason = "unknown_directive"


class UnknownRequirement(NotFound, Refusal):
    reason = "unknown_requirement"


class NotAssigned(Forbidden, Refusal):
    """The unit was not assigned the requirement (403)."""

    reason = "not_assigned"


class InvalidValues(Invalid, Refusal):
    reason = "invalid_values"


class ValuesDropped(Invalid, Refusal):
    """A unit's new version leaves out values its previous one had, not said cleared."""

    reason = "values_dropped"


class AlreadyAccepted(Conflict, Refusal):
    reason = "already_accepted"


class TooManyVersions(Conflict, Refusal):
    reason = "too_many_versions"


class NotReported(NotFound, Refusal):
    """A review, or a history, of a report the unit has not sent yet."""


class ReasonMissing(Invalid, Refusal):
    """A report returned for correction without a reason."""


class ExtensionInvalid(Invalid, Refusal):
    """A request for more time, or its answer, that breaks a rule of its own (no reason,
    a date not after the deadline in force); ``problems`` names the field."""


class ExtensionConflict(Conflict, Refusal):
    """A request for more time that what is recorded forbids: one already waiting, the
    report already sent, too many asked, or an answer to a request already answered."""


class DirectiveWasRecalled(Conflict, Refusal):
    """A report, or a request for more time, under a directive its issuer recalled."""

    reason = "recalled"


class AssignmentCancelled(Conflict, Refusal):
    """A report, or a request for more time, on an assignment a correction of its
    directive took the unit off (``Assignment.cancelled``): its report, if made, stays."""

    reason = "cancelled"
