"""What the aggregator knows of each directive (title, issuer, requirements, report
forms), kept from directive.issued in its own bucket so that a synthesis needs no other
service. A directive not yet in the book (its event is consumed by another handler) is
read from the DIRECTIVES stream, where it is always published before its assignments.

A recall (directive.recalled) is kept beside it under ``recalled.<directive>``: a key with
a dot, which no directive id (a slug) has, so ``ids`` tells the two apart. It is written
once (a create): a redelivered recall writes nothing, and one consumed before the
directive's own event (another consumer) is kept all the same.

So are, under keys of the same shape, a directive's corrections (directive.corrected,
``corrected.<directive>``: the directive as the newest left it, and every correction,
``domain/correction.py``), which ``get`` answers the directive as; and what a directive
replaced (``replaces.<directive>``, ``domain/replacement.py``), written when the recall
naming it as the replacement is consumed. Both are compare-and-set updates that write
nothing for an event already folded in. The issued event itself is never rewritten, so
what was stored before corrections existed loads as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import BaseModel

from services.aggregator.domain.correction import Corrections, with_correction
from services.aggregator.domain.replacement import Replacements, with_replaced
from shared import subjects, topology
from shared.contracts import DirectiveCorrected, DirectiveIssued, DirectiveRecalled
from shared.forms import Form, issued_form
from shared.kv import current_keys, get_entry, get_value
from shared.periods import as_of, requirement_in
from shared.retry import on_conflict_retry
from shared.streams import last_event

RECALLED = "recalled."
CORRECTED = "corrected."
REPLACES = "replaces."
MAX_CAS_ATTEMPTS = 30

Kept = TypeVar("Kept", bound=BaseModel)


def recall_key(directive_id: str) -> str:
    return f"{RECALLED}{directive_id}"


def corrections_key(directive_id: str) -> str:
    return f"{CORRECTED}{directive_id}"


def replaces_key(directive_id: str) -> str:
    return f"{REPLACES}{directive_id}"


class DirectiveBook:
    """``get`` answers a directive with a recurring requirement as its periods assigned
    by ``now`` (shared/periods.py ``as_of``): each period is a requirement of its own to
    every page, synthesis and roll-up."""

    def __init__(
        self,
        kv: KeyValue,
        js: JetStreamContext | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._kv = kv
        self._js = js
        self._now = now
        self._cache: dict[str, DirectiveIssued] = {}  # issued directives never change
        self._forms: dict[tuple[str, str], Form | None] = {}  # nor their requirements' forms
        # nor do recalls; one not seen yet is read again (another replica may keep it)
        self._recalls: dict[str, DirectiveRecalled] = {}

    async def remember(self, event: DirectiveIssued) -> None:
        await self._kv.put(event.directive_id, event.model_dump_json().encode())
        self._cache[event.directive_id] = event

    async def get(self, directive_id: str) -> DirectiveIssued | None:
        """The directive as its newest correction left it (its title, its requirements'
        deadlines), if it was corrected."""
        issued = await self.issued(directive_id)
        if issued is None:
            return None
        corrected = await self.corrections(directive_id)
        if corrected is not None:
            issued = issued.model_copy(update={"directive": corrected.directive})
        if self._now is None:
            return issued
        shown = as_of(issued.directive, issued.occurred_at, self._now())
        return (
            issued if shown is issued.directive else issued.model_copy(update={"directive": shown})
        )

    async def issued(self, directive_id: str) -> DirectiveIssued | None:
        """The directive as issued (its forms, its date: what no correction changes),
        from memory once read; ``get`` adds its corrections, read each time."""
        if directive_id in self._cache:
            return self._cache[directive_id]
        value = await get_value(self._kv, directive_id)
        issued = DirectiveIssued.model_validate_json(value) if value else None
        if issued is None and self._js is not None:
            found = await last_event(
                self._js,
                topology.DIRECTIVES.name,
                subjects.directive_issued(directive_id),
                DirectiveIssued,
            )
            issued = found[0] if found else None
        if issued is not None:
            self._cache[directive_id] = issued
        return issued

    async def ids(self) -> list[str]:
        """Every directive the aggregator has seen, from its bucket (all replicas'); not
        the recalls, corrections and replacements kept beside them (keys with a dot)."""
        return [k for k in await current_keys(self._kv) if "." not in k]

    async def remember_recall(self, event: DirectiveRecalled) -> bool:
        """Keep the recall; False when one was already kept (the first stays)."""
        try:
            await self._kv.create(recall_key(event.directive_id), event.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            return False
        self._recalls[event.directive_id] = event
        return True

    async def recall(self, directive_id: str) -> DirectiveRecalled | None:
        """The directive's recall, if its issuer recalled it."""
        if directive_id in self._recalls:
            return self._recalls[directive_id]
        value = await get_value(self._kv, recall_key(directive_id))
        if value is None:
            return None
        recalled = DirectiveRecalled.model_validate_json(value)
        self._recalls[directive_id] = recalled
        return recalled

    async def remember_correction(self, event: DirectiveCorrected) -> bool:
        """Fold the correction in; False when it was already (a redelivery)."""
        return await self._fold(
            corrections_key(event.directive_id),
            Corrections,
            lambda kept: with_correction(kept, event),
        )

    async def corrections(self, directive_id: str) -> Corrections | None:
        """The directive's corrections, if its issuer corrected it. Read each time: a
        later one may come to another replica."""
        value = await get_value(self._kv, corrections_key(directive_id))
        return Corrections.model_validate_json(value) if value else None

    async def remember_replacement(self, event: DirectiveRecalled) -> bool:
        """Beside the directive that replaced ``event``'s (its ``replaced_by``), the way
        back to it; False when it was already kept, or the recall replaced nothing."""
        by = event.recall.replaced_by
        if by is None:
            return False
        return await self._fold(
            replaces_key(by), Replacements, lambda kept: with_replaced(kept, event)
        )

    async def replacements(self, directive_id: str) -> Replacements | None:
        """What the directive replaced, if anything."""
        value = await get_value(self._kv, replaces_key(directive_id))
        return Replacements.model_validate_json(value) if value else None

    async def _fold(
        self, key: str, model: type[Kept], change: Callable[[Kept | None], Kept | None]
    ) -> bool:
        """Compare-and-set ``change`` of the value kept under ``key``: None from it is
        "nothing to write" (replicas racing both land, the loser reading again)."""

        async def attempt(_: int) -> bool:
            value, revision = await get_entry(self._kv, key)
            changed = change(model.model_validate_json(value) if value else None)
            if changed is None:
                return False
            await self._kv.update(key, changed.model_dump_json().encode(), last=revision)
            return True

        return await on_conflict_retry(
            attempt,
            conflicts=KeyWrongLastSequenceError,
            attempts=MAX_CAS_ATTEMPTS,
            busy=f"could not update {key} after {MAX_CAS_ATTEMPTS} attempts",
            jitter=0.005,
        )

    def form(self, directive_id: str, requirement_id: str) -> Form | None:
        """The form of a requirement of a directive already read (see ``load``)."""
        issued = self._cache.get(directive_id)
        if issued is None:
            return None
        key = (directive_id, requirement_id)
        if key not in self._forms:  # a period's id is found by walking the periods:
            # once per requirement, not at every node the roll-up writes
            found = requirement_in(issued.directive, requirement_id)
            self._forms[key] = issued_form(issued, found) if found is not None else None
        return self._forms[key]

    async def load(self, directive_ids: set[str]) -> None:
        """Read these directives so that ``form`` answers for them; LookupError if one is
        not issued (its events came first: the batch is retried)."""
        for directive_id in directive_ids:  # every roll-up batch: from memory once read
            if await self.issued(directive_id) is None:
                raise LookupError(f"directive '{directive_id}' is not known yet")
