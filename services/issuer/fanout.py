"""Publishing an issued directive: directive.issued, then one assignment.created per
(unit, requirement), pipelined. Every event id is deterministic, so publishing the same
record again (a retry, a resumed fan-out) adds nothing JetStream or a consumer would keep."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.issuer.records import DirectiveRecord
from shared import subjects, topology
from shared.contracts import Assignment, AssignmentCreated, DirectiveIssued
from shared.publishing import Pipeline, publish_event


@dataclass
class FanOutResult:
    assignments: int
    new_assignments: int
    duplicates: int


def directive_issued(record: DirectiveRecord) -> DirectiveIssued:
    directive = record.directive
    return DirectiveIssued(
        event_id=f"directive-issued.{directive.id}",
        occurred_at=record.issued_at,
        directive_id=directive.id,
        directive=directive,
        assignment_count=record.assignment_count,
        notices=record.notices,
    )


def assignment_events(record: DirectiveRecord, assignees: dict[str, list[str]]):
    """(subject, event) for every assignment; built from the record alone, so a resumed
    fan-out produces byte-identical events."""
    directive = record.directive
    for requirement in directive.requirements:
        for unit_id in assignees.get(requirement.id, ()):
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
                assigned_at=record.issued_at,
            )
            event = AssignmentCreated(
                event_id=f"assignment-created.{assignment.id}",
                occurred_at=record.issued_at,
                assignment=assignment,
            )
            yield subjects.assignment_created(directive.id, unit_id, requirement.id), event


async def fan_out(
    broker: NatsBroker,
    js: JetStreamContext,
    record: DirectiveRecord,
    assignees: dict[str, list[str]],
) -> FanOutResult:
    issued = directive_issued(record)
    await publish_event(
        broker, subjects.directive_issued(issued.directive_id), topology.DIRECTIVES.name, issued
    )
    pipeline = Pipeline(js, topology.ASSIGNMENTS.name)
    count = 0
    for subject, event in assignment_events(record, assignees):
        await pipeline.add(subject, event.model_dump_json().encode(), event.event_id)
        count += 1
    result = await pipeline.flush()
    return FanOutResult(
        assignments=count, new_assignments=result.published, duplicates=result.duplicates
    )
