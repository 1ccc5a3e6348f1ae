"""Telling the aggregator that a unit was reached about an assignment (``UnitContacted``):
the notifier when the unit's server accepted its mail, the reporter when the unit opened
its signed link. Its id is one per (way, assignment), so a repeat within the duplicate
window is dropped; the stream keeps the latest message per subject, and the aggregator
the earliest time it was told of (``Node.apply_contact``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from faststream.nats import NatsBroker

from shared import subjects, topology
from shared.contracts import UnitContacted
from shared.publishing import publish_event

How = Literal["mailed", "opened", "expired", "received", "drafted"]


def contact_event(
    how: How,
    directive_id: str,
    unit_id: str,
    requirement_id: str,
    at: datetime,
    occasion: str = "",
) -> tuple[str, UnitContacted]:
    event = UnitContacted(
        event_id=subjects.contact_id(how, directive_id, unit_id, requirement_id, occasion),
        occurred_at=at,
        how=how,
        directive_id=directive_id,
        unit_id=unit_id,
        requirement_id=requirement_id,
        at=at,
    )
    return subjects.contact(how, directive_id, unit_id, requirement_id), event


async def announce_contact(broker: NatsBroker, contact: tuple[str, UnitContacted]) -> None:
    """Publish what ``contact_event`` built."""
    subject, event = contact
    await publish_event(broker, subject, topology.CONTACTS.name, event)
