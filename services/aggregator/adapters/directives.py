"""What the aggregator knows of each directive (title, issuer, requirements, report
forms), kept from directive.issued in its own bucket so that a synthesis needs no other
service. A directive not yet in the book (its event is consumed by another handler) is
read from the DIRECTIVES stream, where it is always published before its assignments.

A recall (directive.recalled) is kept beside it under ``recalled.<directive>``: a key with
a dot, which no directive id (a slug) has, so ``ids`` tells the two apart. It is written
once (a create): a redelivered recall writes nothing, and one consumed before the
directive's own event (another consumer) is kept all the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared import subjects, topology
from shared.contracts import DirectiveIssued, DirectiveRecalled
from shared.forms import Form, issued_form
from shared.kv import current_keys, get_value
from shared.periods import as_of, requirement_in
from shared.streams import last_event

RECALLED = "recalled."


def recall_key(directive_id: str) -> str:
    return f"{RECALLED}{directive_id}"


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
        issued = await self._issued(directive_id)
        if issued is None or self._now is None:
            return issued
        shown = as_of(issued.directive, issued.occurred_at, self._now())
        return (
            issued if shown is issued.directive else issued.model_copy(update={"directive": shown})
        )

    async def _issued(self, directive_id: str) -> DirectiveIssued | None:
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
        the recalls kept beside them."""
        return [k for k in await current_keys(self._kv) if not k.startswith(RECALLED)]

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
        for directive_id in directive_ids:
            if await self.get(directive_id) is None:
                raise LookupError(f"directive '{directive_id}' is not known yet")
