"""Publishing an issued directive's events: directive.issued, then every assignment.created
pipelined (many in flight, acknowledged together)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from opentelemetry.trace import Tracer

from services.issuer.domain.events import assignment_payloads, directive_issued
from services.issuer.domain.records import DirectiveRecord
from shared import subjects, topology
from shared.publishing import Pipeline, publish_event


@dataclass(frozen=True)
class FanOutResult:
    assignments: int
    new_assignments: int
    duplicates: int


async def fan_out(
    broker: NatsBroker,
    js: JetStreamContext,
    tracer: Tracer,
    record: DirectiveRecord,
    assignees: dict[str, list[str]],
) -> FanOutResult:
    issued = directive_issued(record)
    await publish_event(
        broker, subjects.directive_issued(issued.directive_id), topology.DIRECTIVES.name, issued
    )
    return await publish_assignments(js, tracer, record, assignment_payloads(record, assignees))


async def publish_assignments(
    js: JetStreamContext,
    tracer: Tracer,
    record: DirectiveRecord,
    payloads: Iterable[tuple[str, bytes, str]],
) -> FanOutResult:
    """Every (subject, payload, Nats-Msg-Id) pipelined: the issue's assignments, or a
    later period's."""
    # A span of its own, current while the pipeline is made: each assignment carries its
    # context, so the mails and the reports it leads to join the directive's trace.
    with tracer.start_as_current_span(
        "fan out", attributes={"chidao.directive_id": record.directive.id}
    ) as span:
        pipeline = Pipeline(js, topology.ASSIGNMENTS.name)
        count = 0
        for subject, payload, msg_id in payloads:
            await pipeline.add(subject, payload, msg_id)
            count += 1
        result = await pipeline.flush()
        span.set_attribute("chidao.assignments", count)
    return FanOutResult(
        assignments=count, new_assignments=result.published, duplicates=result.duplicates
    )
