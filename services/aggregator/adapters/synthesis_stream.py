"""What the aggregator publishes on the SYNTHESIS stream: ``synthesis.updated`` for the
roll-up nodes a batch changed, ``synthesis.approved`` for a synthesis sent up."""

from __future__ import annotations

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.aggregator.domain.nodes import Node
from shared import subjects, topology
from shared.clock import Clock
from shared.contracts import SynthesisApproved, SynthesisUpdated
from shared.publishing import Pipeline, publish_event


async def announce(js: JetStreamContext, nodes: list[Node], clock: Clock) -> None:
    """synthesis.updated for every changed node that rolls up other units, pipelined."""
    pipeline = Pipeline(js, topology.SYNTHESIS.name)
    for node in nodes:
        if not node.children:
            continue
        event = SynthesisUpdated(
            event_id=subjects.synthesis_updated_id(
                node.directive_id, node.unit_id, node.requirement_id, node.v
            ),
            occurred_at=clock.now(),
            directive_id=node.directive_id,
            requirement_id=node.requirement_id,
            unit_id=node.unit_id,
            version=node.v,
            totals=node.totals,
        )
        await pipeline.add(
            subjects.synthesis_updated(node.directive_id, node.unit_id, node.requirement_id),
            event.model_dump_json().encode(),
            event.event_id,
        )
    await pipeline.flush()


async def publish_approval(broker: NatsBroker, event: SynthesisApproved) -> None:
    subject = subjects.synthesis_approved(event.directive_id, event.unit_id, event.requirement_id)
    await publish_event(broker, subject, topology.SYNTHESIS.name, event)
