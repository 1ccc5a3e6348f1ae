"""The notifier's ledger on a real KV bucket: a mail is claimed by compare-and-set before
it is sent, so two replicas never send it both; a live claim makes the other wait; a claim
left by a dead notifier is taken over once its lease runs out, as "possibly sent", which
the policy resends or skips. The leases run on a clock the tests move."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.notifier.adapters.ledger import Claim, Ledger, LedgerEntry
from shared import topology
from shared.settings import Settings

KEY = "assignment-created.1-kh-du--du-a.du-a-cb1.r1.du-a-cb1"
LEASE = 10.0


class Wall:
    """Real-clock seconds as the ledgers see them, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
async def kv(js, nats_server):
    await topology.ensure_buckets(
        js, Settings(nats_url=nats_server.url), (topology.NOTIFIER_LEDGER,)
    )
    return await js.key_value(topology.NOTIFIER_LEDGER.name)


@pytest.fixture
def replica(kv, wall):
    def make(name: str, policy: str = "resend") -> Ledger:
        return Ledger(
            kv,
            claimant=name,
            lease=LEASE,
            policy=policy,  # type: ignore[arg-type]
            now=lambda: datetime.now(UTC),
            wall=wall,
            poll=0.01,
        )

    return make


async def claim(ledger: Ledger, key: str = KEY) -> Claim | str:
    return await ledger.claim(key, "assignment", ["cb1@test.example.org"])


async def still_waiting(task: asyncio.Task) -> bool:
    """True if ``task`` has not finished within a moment (it is waiting on a claim)."""
    done, _ = await asyncio.wait({task}, timeout=0.3)
    return not done


async def test_two_replicas_claiming_one_mail_at_once_only_one_sends_it(replica):
    a, b = replica("a"), replica("b")
    first, second = asyncio.create_task(claim(a)), asyncio.create_task(claim(b))
    done, pending = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
    (winner_task,) = done
    winner = winner_task.result()
    assert isinstance(winner, Claim)
    (loser,) = pending
    assert await still_waiting(loser)  # the other replica waits while the claim is live

    await (a if winner.entry.claimant == "a" else b).resolve(winner, "sent")
    assert await loser == "already_sent"


async def test_a_redelivery_while_the_mail_is_being_sent_waits_and_then_sends_nothing(replica):
    sender, other = replica("a"), replica("b")
    held = await claim(sender)
    assert isinstance(held, Claim)
    entry, _ = await sender.get(KEY)
    assert entry is not None and entry.status == "claimed" and entry.claimant == "a"

    waiting = asyncio.create_task(other.settled(KEY))
    assert await still_waiting(waiting)
    await sender.resolve(held, "sent")
    assert await waiting == "already_sent"
    assert await claim(other) == "already_sent"


async def test_a_claim_kept_renewed_outlives_its_first_lease(replica, wall):
    sender, other = replica("a"), replica("b")
    held = await claim(sender)
    assert isinstance(held, Claim)
    wall.now += LEASE * 0.9
    assert await sender.renew(held)
    wall.now += LEASE * 0.5  # past the first lease, within the renewed one

    waiting = asyncio.create_task(claim(other))
    assert await still_waiting(waiting)
    await sender.resolve(held, "failed", "421 try again later")  # nothing was accepted
    taken = await waiting
    assert isinstance(taken, Claim)
    assert not taken.possibly_sent  # a failure the server answered is not uncertain


async def test_a_claim_left_by_a_dead_notifier_is_taken_over_once_as_possibly_sent(replica, wall):
    dead = replica("dead")
    assert isinstance(await claim(dead), Claim)
    wall.now += LEASE + 1  # it never renewed: its process is gone

    b, c = replica("b"), replica("c")
    first, second = asyncio.create_task(claim(b)), asyncio.create_task(claim(c))
    done, pending = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
    (winner_task,) = done
    winner = winner_task.result()
    assert isinstance(winner, Claim) and winner.possibly_sent  # resend policy: sent again
    entry, _ = await b.get(KEY)
    assert entry is not None and entry.claimant == winner.entry.claimant
    assert entry.possibly_sent
    (loser,) = pending
    assert await still_waiting(loser)  # the taker's claim is live: one takeover only

    await b.resolve(winner, "sent")
    assert await loser == "already_sent"


async def test_the_dead_notifiers_renewal_fails_once_its_claim_was_taken_over(replica, wall):
    stalled, other = replica("stalled"), replica("b")
    held = await claim(stalled)
    assert isinstance(held, Claim)
    wall.now += LEASE + 1
    taken = await claim(other)
    assert isinstance(taken, Claim)
    assert not await stalled.renew(held)
    entry, _ = await other.get(KEY)
    assert entry is not None and entry.claimant == "b" and entry.status == "claimed"


async def test_under_the_skip_policy_a_possibly_sent_mail_is_recorded_and_not_sent_again(
    replica, wall
):
    dead = replica("dead")
    assert isinstance(await claim(dead), Claim)
    wall.now += LEASE + 1

    skipping = replica("b", policy="skip")
    assert await skipping.settled(KEY) is None  # an expired claim: decided at the claim
    assert await claim(skipping) == "possibly_sent"
    entry, _ = await skipping.get(KEY)
    assert entry is not None and entry.status == "uncertain" and entry.possibly_sent
    assert await skipping.settled(KEY) == "possibly_sent"


async def test_a_mail_whose_end_of_data_went_unanswered_is_resent_only_under_resend(replica):
    sender = replica("a")
    held = await claim(sender)
    assert isinstance(held, Claim)
    await sender.resolve(held, "uncertain", "no reply to the end of the message")

    assert await claim(replica("b", policy="skip")) == "possibly_sent"
    again = await claim(replica("c", policy="resend"))
    assert isinstance(again, Claim) and again.possibly_sent


async def test_failed_and_refused_mails_may_be_claimed_again_sent_ones_never(replica, kv):
    a = replica("a")
    for status in ("failed", "rejected"):
        key = f"{KEY}.{status}"
        held = await claim(a, key)
        assert isinstance(held, Claim)
        await a.resolve(held, status, "550 mailbox unavailable")  # type: ignore[arg-type]
        assert await a.settled(key) is None
        again = await claim(replica("b"), key)
        assert isinstance(again, Claim) and not again.possibly_sent

    # an entry written before claims existed
    legacy = LedgerEntry(
        status="sent", at=datetime.now(UTC), template="assignment", recipients=["x@y.org"]
    )
    await kv.put(f"{KEY}.legacy", legacy.model_dump_json(exclude_defaults=True).encode())
    assert await a.settled(f"{KEY}.legacy") == "already_sent"
    assert await claim(a, f"{KEY}.legacy") == "already_sent"
