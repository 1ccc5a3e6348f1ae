"""The leaders (lãnh đạo) of each unit who have an e-mail address, from the staff accounts
(bucket ``chidao_accounts``, as shared/auth/accounts.py writes them): who is told, besides
the unit, of an assignment nobody there opened.

Read whole and kept for ``CACHE_SECONDS``, as the accounts are everywhere: the unopened
timers of a large directive fire together, each asking about its own unit, and a few
hundred accounts are one walk; an account disabled or given other roles counts within
that time. The walk is by subject (JetStream's direct get, adapters/timeline.py): the
notifier may read the bucket's keys but not open a consumer on it, which listing its
keys would (chidao/nats_permissions.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from time import monotonic

from nats.js import JetStreamContext
from pydantic import ValidationError

from services.notifier.adapters.timeline import REMOVED, walk
from shared import topology
from shared.auth.accounts import CACHE_SECONDS, KEY_PREFIX, Account
from shared.auth.roles import Role

log = logging.getLogger(__name__)

Leader = tuple[str, str]  # (name, address), as a mail's copies are


ACCOUNTS_STREAM = topology.stream_name(topology.ACCOUNTS)
ACCOUNT_KEYS = f"$KV.{topology.ACCOUNTS.name}.{KEY_PREFIX}>"


async def accounts(js: JetStreamContext) -> list[Account]:
    """Every account in the bucket (each key's latest; a deleted one left out)."""
    found: dict[str, Account] = {}
    async for msg in walk(js, ACCOUNTS_STREAM, ACCOUNT_KEYS):
        key = msg.subject or ""
        if (msg.headers or {}).get("KV-Operation") in REMOVED or not msg.data:
            found.pop(key, None)
            continue
        try:
            found[key] = Account.model_validate_json(msg.data)
        except ValidationError:
            # one account this version cannot read keeps no leader from being told
            log.warning("staff account unreadable, left out", extra={"key": key})
            found.pop(key, None)
    return list(found.values())


def leaders_by_unit(every: Iterable[Account]) -> dict[str, list[Leader]]:
    """Each unit's enabled accounts with the lãnh đạo role and an e-mail address."""
    found: dict[str, list[Leader]] = {}
    for account in every:
        if account.disabled or not account.email or Role.LANH_DAO not in account.roles:
            continue
        found.setdefault(account.unit_id, []).append((account.display_name, account.email))
    return found


class Leaders:
    def __init__(
        self,
        js: JetStreamContext,
        every: float = CACHE_SECONDS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._js = js
        self._every = every
        self._clock = clock
        self._by_unit: dict[str, list[Leader]] = {}
        self._until: float | None = None  # None: not read yet
        # one reading at a time: timers firing together wait for it, not read again
        self._lock = asyncio.Lock()

    async def of(self, unit_id: str) -> list[Leader]:
        async with self._lock:
            if self._until is None or self._clock() >= self._until:
                self._by_unit = leaders_by_unit(await accounts(self._js))
                self._until = self._clock() + self._every
        return list(self._by_unit.get(unit_id, []))
