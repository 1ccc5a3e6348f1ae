"""The staff's own sections of each báo cáo tổng hợp in the ``aggregator_notes`` bucket,
one key per (directive, unit), written only with compare-and-set on the revision the
writer read, so that two staff saving at once never silently overwrite each other."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from services.aggregator.domain.notes import StoredNotes, notes_key
from shared import topology
from shared.kv import get_entry


class StaleRevision(Exception):
    """The key moved past the revision the writer read: someone saved in between."""


async def read_notes(
    js: JetStreamContext, directive_id: str, unit_id: str
) -> tuple[StoredNotes | None, int]:
    """The saved sections (None if never saved) and the revision a save must name."""
    kv = await js.key_value(topology.AGGREGATOR_NOTES.name)
    value, revision = await get_entry(kv, notes_key(directive_id, unit_id))
    return (StoredNotes.model_validate_json(value) if value else None), revision


async def write_notes(
    js: JetStreamContext, directive_id: str, unit_id: str, notes: StoredNotes, revision: int
) -> int:
    """Save if the key is still at ``revision`` (0: never written); the new revision.
    ``StaleRevision`` otherwise."""
    kv = await js.key_value(topology.AGGREGATOR_NOTES.name)
    try:
        return await kv.update(
            notes_key(directive_id, unit_id), notes.model_dump_json().encode(), last=revision
        )
    except KeyWrongLastSequenceError as exc:
        raise StaleRevision(str(exc)) from exc
