"""The console home's index, kept by the aggregator's own consumers: which directives a
unit issued, which it was assigned a requirement of, and which directives implement a
directive (the cascade on a directive's page). Without it the home page would read every
directive the aggregator has seen, and every roll-up node of each, on every visit.

Where: in the roll-up bucket, two kinds of key of TWO tokens, ``home.<unit>`` and
``plans.<directive>``. Every roll-up node key has three (``<directive>.<requirement>.
<unit>``, slugs hold no dot), so these can never be taken for a node. Not in
``aggregator_directives``: ``DirectiveBook.ids()`` lists every key there as a directive.

Why one key per unit (a small JSON map) and not one key per (unit, directive): the
aggregator may only read the roll-up bucket by key (chidao/nats_permissions.py grants it
no watch there), so a page is one read. A unit issues or receives a few hundred
directives a year: tens of kilobytes.

Writes are set-adds by compare-and-set on the key's revision: applying the same
directive or assignment twice (a redelivery, a replay, two replicas) writes nothing the
second time, and two writers racing both land."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from cachetools import LRUCache
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.kv import get_entry
from shared.retry import on_conflict_retry

MAX_CAS_ATTEMPTS = 30
REMEMBERED = 50_000  # (key, entry) pairs this process knows are written: no read again

ISSUED, ASSIGNED, PLANS = "issued", "assigned", "plans"


def unit_key(unit_id: str) -> str:
    return f"home.{unit_id}"


def plans_key(directive_id: str) -> str:
    return f"plans.{directive_id}"


class HomeIndex:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self._written: LRUCache[str, None] = LRUCache(maxsize=REMEMBERED)

    async def add_issued(self, unit_id: str, directive_id: str, issued_on: date) -> None:
        await self._add(unit_key(unit_id), ISSUED, {directive_id: issued_on.isoformat()})

    async def add_assigned(self, unit_id: str, directives: dict[str, date]) -> None:
        """``directives``: id -> issued_on, the directives that assign ``unit_id``."""
        entries = {d: day.isoformat() for d, day in directives.items()}
        await self._add(unit_key(unit_id), ASSIGNED, entries)

    async def add_plan(self, parent_id: str, directive_id: str, issuer_unit: str) -> None:
        """``directive_id``, issued by ``issuer_unit``, implements ``parent_id``."""
        await self._add(plans_key(parent_id), PLANS, {directive_id: issuer_unit})

    async def unit(self, unit_id: str) -> tuple[dict[str, str], dict[str, str]]:
        """(issued, assigned) of ``unit_id`` in one read."""
        data = (await self._read(unit_key(unit_id)))[0]
        return data.get(ISSUED, {}), data.get(ASSIGNED, {})

    async def plans(self, directive_id: str) -> dict[str, str]:
        """Implementing directive id -> its issuer unit, of ``directive_id``."""
        return (await self._read(plans_key(directive_id)))[0].get(PLANS, {})

    async def _read(self, key: str) -> tuple[dict[str, Any], int]:
        value, revision = await get_entry(self._kv, key)
        return (json.loads(value) if value else {}), revision

    async def _add(self, key: str, field: str, entries: dict[str, str]) -> None:
        wanted = {k: v for k, v in entries.items() if f"{key}|{field}|{k}|{v}" not in self._written}
        if not wanted:
            return

        async def attempt(_: int) -> None:
            data, revision = await self._read(key)
            current = data.setdefault(field, {})
            if any(current.get(k) != v for k, v in wanted.items()):
                current.update(wanted)
                payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
                await self._kv.update(key, payload, last=revision)

        await on_conflict_retry(
            attempt,
            conflicts=KeyWrongLastSequenceError,
            attempts=MAX_CAS_ATTEMPTS,
            busy=f"could not update {key} after {MAX_CAS_ATTEMPTS} attempts",
            jitter=0.005,
        )
        for k, v in wanted.items():
            self._written[f"{key}|{field}|{k}|{v}"] = None
