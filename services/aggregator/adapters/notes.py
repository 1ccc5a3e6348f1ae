"""The staff's own sections of each báo cáo tổng hợp in the ``aggregator_notes`` bucket,
one key per (directive, unit), written only with compare-and-set on the revision the
writer read, so that two staff saving at once never silently overwrite each other."""

from __future__ import annotations

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.aggregator.domain.notes import StoredNotes, notes_key
from shared.kv import get_entry


class StaleRevision(Exception):
    """The key moved past the revision the writer read: someone saved in between."""


class Notes:
    """The bucket, opened once at start-up (``deps.py``)."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def read(self, directive_id: str, unit_id: str) -> tuple[StoredNotes | None, int]:
        """The saved sections (None if never saved) and the revision a save must name."""
        value, revision = await get_entry(self._kv, notes_key(directive_id, unit_id))
        return (StoredNotes.model_validate_json(value) if value else None), revision

    async def write(
        self, directive_id: str, unit_id: str, notes: StoredNotes, revision: int
    ) -> int:
        """Save if the key is still at ``revision`` (0: never written); the new revision.
        ``StaleRevision`` otherwise."""
        try:
            return await self._kv.update(
                notes_key(directive_id, unit_id), notes.model_dump_json().encode(), last=revision
            )
        except KeyWrongLastSequenceError as exc:
            raise StaleRevision(str(exc)) from exc
