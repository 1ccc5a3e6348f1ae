"""The events of an issued directive: directive.issued, then one assignment.created per
(unit, requirement). Every event id is deterministic, so publishing the same record again
(a retry, a resumed fan-out) adds nothing JetStream or a consumer would keep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from services.issuer.domain.records import DirectiveRecord
from shared import subjects
from shared.contracts import Assignment, AssignmentCreated, DirectiveIssued, ReportingRequirement
from shared.periods import issued_instance


def directive_issued(record: DirectiveRecord) -> DirectiveIssued:
    directive = record.directive
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id),
        occurred_at=record.issued_at,
        directive_id=directive.id,
        directive=directive,
        assignment_count=record.assignment_count,
        notices=record.notices,
        parents=record.parents,
        forms=record.forms,
    )


def assignment_event(
    record: DirectiveRecord,
    requirement: ReportingRequirement,
    unit_id: str,
    assigned_at: datetime | None = None,
    version: AssignmentVersion | None = None,
) -> AssignmentCreated:
    """``assigned_at``: a later period's opening (the issue's time by default);
    ``version``: the correction it is published again for."""
    directive = record.directive
    assigned_at = assigned_at or record.issued_at
    version = version or AssignmentVersion()
    assignment = Assignment(
        directive_id=directive.id,
        directive_kind=directive.kind,
        directive_ref=directive.ref,
        directive_title=directive.title,
        directive_issued_on=directive.issued_on,
        issuer_unit=directive.issuer_unit,
        issuer=directive.issuer,
        unit_id=unit_id,
        requirement=requirement,
        assigned_at=assigned_at,
        document=directive.document,
        urgency=directive.urgency,
        secrecy=directive.secrecy,
        correction=version.correction,
        added_in=version.added_in,
        cancelled=version.cancelled,
    )
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(
            assignment.directive_id,
            assignment.unit_id,
            assignment.requirement.id,
            version.correction,
        ),
        occurred_at=version.at or assigned_at,
        assignment=assignment,
    )


@dataclass(frozen=True)
class AssignmentVersion:
    """An assignment published again for correction ``correction`` (at ``at``): the unit
    added by it (``added_in``) or taken off (``cancelled``). The default: as issued."""

    correction: int = 0
    added_in: int = 0
    cancelled: bool = False
    at: datetime | None = None


def issued_requirements(record: DirectiveRecord) -> list[ReportingRequirement]:
    """What issuing assigns: each requirement, a recurring one as its period current at
    the issue's time (the record's, so a resumed fan-out assigns the same period)."""
    return [issued_instance(r, record.issued_at) for r in record.directive.requirements]


def assignment_events(
    record: DirectiveRecord, assignees: dict[str, list[str]]
) -> Iterator[tuple[str, AssignmentCreated]]:
    """(subject, event) for every assignment, built from the record alone, so a resumed
    fan-out produces byte-identical events. The model path; ``assignment_payloads`` is the
    fast path the fan-out uses and must produce the same bytes."""
    directive = record.directive
    for requirement in issued_requirements(record):
        for unit_id in assignees.get(requirement.period_of or requirement.id, ()):
            yield (
                subjects.assignment_created(directive.id, unit_id, requirement.id),
                assignment_event(record, requirement, unit_id),
            )


# A slug no directory would use for a unit; it marks where the unit id goes in a template.
_PLACEHOLDER = "zz-unit-placeholder-5b1e"


def assignment_payloads(
    record: DirectiveRecord,
    assignees: dict[str, list[str]],
    requirements: list[ReportingRequirement] | None = None,
    assigned_at: datetime | None = None,
    version: AssignmentVersion | None = None,
) -> Iterator[tuple[str, bytes, str]]:
    """(subject, JSON payload, Nats-Msg-Id) for every assignment.

    Building and serialising one pydantic event per unit costs ~40 µs, more than the
    publish itself; only the unit id differs between the events of one requirement. So
    one event per requirement is rendered through the models with a placeholder unit id,
    and the id is substituted in its JSON (ids are ASCII slugs: nothing to escape).
    ``requirements``: what to assign (by default what issuing does), ``assigned_at`` when
    (a later period's opening), ``version`` the correction they are published again for."""
    directive = record.directive
    for requirement in requirements or issued_requirements(record):
        units = assignees.get(requirement.period_of or requirement.id, ())
        if not units:
            continue
        prototype = assignment_event(record, requirement, _PLACEHOLDER, assigned_at, version)
        template = prototype.model_dump_json()
        msg_id = prototype.event_id
        if template.count(_PLACEHOLDER) != 2 or _PLACEHOLDER not in msg_id:
            # The placeholder also occurs in the text: take the slow, certain path.
            for unit_id in units:
                event = assignment_event(record, requirement, unit_id, assigned_at, version)
                yield (
                    subjects.assignment_created(directive.id, unit_id, requirement.id),
                    event.model_dump_json().encode(),
                    event.event_id,
                )
            continue
        subject = subjects.assignment_created(directive.id, _PLACEHOLDER, requirement.id)
        for unit_id in units:
            yield (
                subject.replace(_PLACEHOLDER, unit_id),
                template.replace(_PLACEHOLDER, unit_id).encode(),
                msg_id.replace(_PLACEHOLDER, unit_id),
            )
