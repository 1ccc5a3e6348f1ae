"""The notifier's ledger (KV bucket ``notifier_ledger``): one entry per (event, unit) mail,
so that a mail goes once across redeliveries, replays, restarts and replicas.

A notifier claims a mail before sending it: a compare-and-set write of a ``claimed`` entry
naming the claimant (its replica id) with a lease, renewed while the mail is being sent.
After the server's answer the claimant writes ``sent``, ``rejected`` (5xx) or ``failed``
(transient: nothing was accepted). Whoever meets a live claim waits until it is resolved
or expires, so a redelivery to another replica while the first is still sending sends
nothing. A claim that expired belongs to a notifier that died while sending: the server
may or may not have accepted the mail. So may a mail whose end-of-DATA reply never came
(``uncertain``). Such a mail is "possibly sent": with the ``resend`` policy it is claimed
again (by compare-and-set on the revision, so one taker wins) and sent again with the same
Message-ID, which lets the recipient's mail client drop the copy; with ``skip`` it is
recorded as ``uncertain`` and not sent again."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel

from shared.availability import until_available
from shared.kv import get_entry
from shared.retry import on_conflict_retry

log = logging.getLogger(__name__)

Status = Literal["claimed", "sent", "rejected", "failed", "uncertain"]
Policy = Literal["resend", "skip"]
# Why a mail is not sent: the server accepted it, or it possibly did and the policy skips.
Skip = Literal["already_sent", "possibly_sent"]
# Races lost in a row on one mail's entry before the event is handed back (Busy, for a
# redelivery); each loss means another replica moved the entry on, so a few are plenty.
CLAIM_ATTEMPTS = 20


class _LostRace(Exception):
    """Another writer changed the entry between our read and our compare-and-set."""


class LedgerEntry(BaseModel):
    status: Status
    at: AwareDatetime  # on the chidao clock
    template: str
    recipients: list[str]
    detail: str = ""
    claimant: str | None = None  # the notifier process that claimed (and then sent) it
    claim_id: str | None = None  # one claim of that process (tells its own writes apart)
    lease_until: float | None = None  # unix time (real clock) the claim expires unless renewed
    possibly_sent: bool = False  # an earlier attempt may have been accepted by the server


def replica_id() -> str:
    """This process among the notifier's replicas: host name and pid, plus a random part,
    because a container restarted in the same pod keeps both (often pid 1)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class Claim:
    """A mail this process holds the claim on; ``revision`` follows its renewals."""

    key: str
    entry: LedgerEntry
    revision: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    done: bool = False  # resolved (sent, failed...): no more renewals

    @property
    def possibly_sent(self) -> bool:
        return self.entry.possibly_sent


class Ledger:
    def __init__(
        self,
        kv: KeyValue,
        *,
        claimant: str,
        lease: float,
        policy: Policy,
        now: Callable[[], datetime],
        wall: Callable[[], float] = time.time,
        poll: float = 0.25,
    ) -> None:
        self._kv = kv
        self.claimant = claimant
        self._lease = lease
        self._policy = policy
        self._now = now  # the chidao clock, for ``at``
        self._wall = wall  # the real clock, for leases (compared across replicas)
        self._poll = poll
        self._claims = 0

    # --- reading ---------------------------------------------------------------------

    async def get(self, key: str) -> tuple[LedgerEntry | None, int]:
        """The entry (None when there is none) and the revision a compare-and-set names."""
        value, revision = await until_available(
            lambda: get_entry(self._kv, key), f"reading ledger {key}"
        )
        return (LedgerEntry.model_validate_json(value) if value else None), revision

    def _live(self, entry: LedgerEntry) -> bool:
        return entry.status == "claimed" and (entry.lease_until or 0) > self._wall()

    def _skip(self, entry: LedgerEntry | None) -> Skip | None:
        """Why this entry says not to send, if it does (a live claim aside)."""
        if entry is None:
            return None
        if entry.status == "sent":
            return "already_sent"
        if entry.status == "uncertain" and self._policy == "skip":
            return "possibly_sent"
        return None

    async def _wait_while_claimed(self, entry: LedgerEntry) -> None:
        left = (entry.lease_until or 0) - self._wall()
        await asyncio.sleep(min(self._poll, max(left, 0.01)))

    async def settled(self, key: str) -> Skip | None:
        """Before taking a connection: why the mail must not be sent, or None when it may
        be. While another claim on it is live, waits for it to be resolved or to expire."""
        entry, _ = await self._unclaimed(key)
        return self._skip(entry)

    # --- claiming --------------------------------------------------------------------

    async def claim(self, key: str, template: str, recipients: list[str]) -> Claim | Skip:
        """Claim the mail by compare-and-set, just before sending it. Waits while another
        live claim holds it; takes over an expired one (or an ``uncertain`` entry) as
        possibly sent, or under the ``skip`` policy records it ``uncertain`` and skips."""
        self._claims += 1
        claim_id = f"{self.claimant}#{self._claims}"

        def claimed(possibly_sent: bool) -> LedgerEntry:
            return LedgerEntry(
                status="claimed",
                at=self._now(),
                template=template,
                recipients=recipients,
                claimant=self.claimant,
                claim_id=claim_id,
                lease_until=self._wall() + self._lease,
                possibly_sent=possibly_sent,
            )

        # Most mails are new: try to create the key before reading it (one request).
        fresh = claimed(possibly_sent=False)
        if written := await self._compare_and_set(key, fresh, 0):
            return Claim(key, fresh, written)

        async def attempt(_: int) -> Claim | Skip:
            entry, revision = await self._unclaimed(key, claim_id)
            if entry is not None and entry.claim_id == claim_id:
                # our own write, which got through although its answer was lost
                return Claim(key, entry, revision)
            skip = self._skip(entry)
            if skip is not None:
                return skip
            possibly_sent = entry is not None and (
                entry.possibly_sent or entry.status in ("claimed", "uncertain")
            )
            if possibly_sent and self._policy == "skip":
                assert entry is not None
                return await self._record_uncertain(key, entry, revision)
            taking = claimed(possibly_sent)
            if not (written := await self._compare_and_set(key, taking, revision)):
                raise _LostRace(key)
            return Claim(key, taking, written)

        return await on_conflict_retry(
            attempt,
            conflicts=_LostRace,
            attempts=CLAIM_ATTEMPTS,
            busy=f"mail {key}: another notifier keeps changing its ledger entry",
        )

    async def _unclaimed(
        self, key: str, claim_id: str | None = None
    ) -> tuple[LedgerEntry | None, int]:
        """The entry once no live claim holds it but ``claim_id``'s (ours, when the answer
        to our own write was lost)."""
        while True:
            entry, revision = await self.get(key)
            theirs = entry is not None and (claim_id is None or entry.claim_id != claim_id)
            if entry is not None and theirs and self._live(entry):
                await self._wait_while_claimed(entry)
                continue
            return entry, revision

    async def _record_uncertain(self, key: str, entry: LedgerEntry, revision: int) -> Skip:
        """Under the ``skip`` policy: the mail a stopped notifier may have sent is not sent
        again, and its entry says so."""
        uncertain = entry.model_copy(
            update={"status": "uncertain", "at": self._now(), "possibly_sent": True}
        )
        if not await self._compare_and_set(key, uncertain, revision):
            raise _LostRace(key)
        log.warning(
            "mail possibly sent by a notifier that stopped; not sent again",
            extra={"key": key, "claimant": entry.claimant},
        )
        return "possibly_sent"

    async def _compare_and_set(self, key: str, entry: LedgerEntry, revision: int) -> int:
        """Write ``entry`` if ``revision`` is still the key's last; its new revision, or 0
        when another writer came first."""
        data = entry.model_dump_json().encode()

        async def write() -> int:
            if revision == 0:
                return await self._kv.create(key, data)
            return await self._kv.update(key, data, last=revision)

        try:
            return await until_available(write, f"claiming {key}")
        except KeyWrongLastSequenceError:
            return 0

    # --- while sending -----------------------------------------------------------------

    async def renew(self, claim: Claim) -> bool:
        """Push the lease further out; False when the claim is no longer ours (resolved, or
        taken over after it expired, e.g. while this process was stalled)."""
        async with claim.lock:
            if claim.done:
                return False
            renewed = claim.entry.model_copy(update={"lease_until": self._wall() + self._lease})
            revision = await self._compare_and_set(claim.key, renewed, claim.revision)
            if not revision:
                current, current_revision = await self.get(claim.key)
                if current is None or current.claim_id != claim.entry.claim_id:
                    log.warning(
                        "claim on a mail taken over while it was being sent",
                        extra={"key": claim.key, "by": current.claimant if current else None},
                    )
                    claim.done = True
                    return False
                renewed, revision = current, current_revision  # our write got through
            claim.entry, claim.revision = renewed, revision
            return True

    async def keep(self, claim: Claim) -> None:
        """Renew the claim every third of the lease until it is resolved (run as a task)."""
        while not claim.done:
            await asyncio.sleep(self._lease / 3)
            try:
                if not await self.renew(claim):
                    return
            except Exception as exc:  # NATS away a while: the next renewal may get through
                log.warning("claim renewal failed", extra={"key": claim.key, "error": repr(exc)})

    # --- resolving ---------------------------------------------------------------------

    async def resolve(self, claim: Claim, status: Status, detail: str = "") -> None:
        """Record what the server answered. ``sent`` and ``rejected`` are facts and are
        written whatever happened to the claim, retried for up to 60 s so that they outlast
        a lost NATS node (the mail is already accepted); ``failed`` and ``uncertain`` only
        if the claim is still ours."""
        async with claim.lock:
            claim.done = True
            entry = claim.entry.model_copy(
                update={"status": status, "at": self._now(), "detail": detail, "lease_until": None}
            )
            data = entry.model_dump_json().encode()
            if status in ("sent", "rejected"):
                await until_available(
                    lambda: self._kv.put(claim.key, data), f"recording {claim.key}", within=60
                )
            elif not await self._compare_and_set(claim.key, entry, claim.revision):
                current, _ = await self.get(claim.key)
                if current is None or (current.claim_id, current.status) != (
                    entry.claim_id,
                    status,
                ):  # not merely our own write whose answer was lost
                    log.warning(
                        "claim on a mail taken over before its outcome was recorded",
                        extra={"key": claim.key, "status": status},
                    )
