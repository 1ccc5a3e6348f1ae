"""The staff's own sections of a báo cáo tổng hợp (general assessment, lessons, next
steps): read, and saved only over the revision the form was loaded with. A save that
would lose someone else's text (they saved since) is refused, with their text, rather
than retried: only the person can merge two texts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from services.aggregator.adapters.notes import StaleRevision
from services.aggregator.deps import Deps
from services.aggregator.domain.notes import StoredNotes, tidy, too_long
from services.aggregator.domain.synthesis import Written

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saved:
    """What a save came to: ``refused`` is None when saved; "too_long" (``fields``
    says which) or "stale" (``theirs`` is what is saved now, at ``revision``)."""

    written: Written  # what was typed
    revision: int  # the revision the next save must name
    refused: Literal["too_long", "stale"] | None = None
    fields: list[str] = field(default_factory=list)
    theirs: StoredNotes | None = None


async def notes_of(deps: Deps, directive_id: str, unit_id: str) -> tuple[StoredNotes | None, int]:
    """The saved sections (None if never saved) and their revision (0 if none)."""
    return await deps.notes.read(directive_id, unit_id)


async def save_notes(
    deps: Deps, directive_id: str, unit_id: str, typed: Written, revision: int, by: str
) -> Saved:
    """Save ``typed`` over ``revision`` (the one the form was loaded with)."""
    written = Written(**{name: tidy(text) for name, text in typed.model_dump().items()})
    long = too_long(written)
    if long:
        return Saved(written, revision, "too_long", long)
    stored = StoredNotes(written=written, by=by, at=deps.clock.now())
    try:
        new = await deps.notes.write(directive_id, unit_id, stored, revision)
    except StaleRevision:
        theirs, now = await notes_of(deps, directive_id, unit_id)
        log.info("notes not saved: stale", extra={"directive_id": directive_id, "unit": unit_id})
        return Saved(written, now, "stale", theirs=theirs)
    log.info("notes saved", extra={"directive_id": directive_id, "unit": unit_id})
    return Saved(written, new)
