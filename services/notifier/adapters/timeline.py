"""Reading back one directive's mails (the ledger) and assignments (the ASSIGNMENTS
stream) for the console's timeline.

The notifier may read both by subject (JetStream's direct get) but may not open a
consumer on either (chidao/nats_permissions.py, ACCESS["notifier"]: its ledger is in
``reads`` and ``writes``, not ``follows``), so listing a bucket's keys is not open to
it. It needs no second key either: every ledger key already names its directive at a
fixed token (``<event kind>.<directive>.…`` for the events' mails, the resends included,
``timer.<kind>.<directive>.…`` for the timers'), so a subject filter on that token
walks exactly one directive's mails, the server finding each next match, never a scan
of the whole bucket by this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from services.notifier.adapters.ledger import LedgerEntry
from shared import subjects, topology
from shared.availability import until_available
from shared.contracts import AssignmentCreated

LEDGER_STREAM = topology.stream_name(topology.NOTIFIER_LEDGER)
LEDGER_PREFIX = f"$KV.{topology.NOTIFIER_LEDGER.name}."
# A directive's mails: events' (the directive id second) and timers' (third).
EVENT_KEYS = "*.{directive}.>"
TIMER_KEYS = "timer.*.{directive}.>"
REMOVED = ("DEL", "PURGE")  # a KV-Operation header: the key is gone


@dataclass(frozen=True)
class LedgerRecord:
    key: str
    entry: LedgerEntry


async def _next(js: JetStreamContext, stream: str, subject: str, seq: int) -> RawStreamMsg | None:
    """The first message on ``subject`` at or after ``seq``, or None."""
    try:
        return await until_available(
            lambda: js.get_msg(stream, seq=seq, subject=subject, direct=True, next=True),
            f"reading {stream} {subject}",
        )
    except NotFoundError:
        return None


async def walk(js: JetStreamContext, stream: str, subject: str) -> AsyncIterator[RawStreamMsg]:
    """Every message of ``stream`` on ``subject`` (wildcards allowed), oldest first."""
    seq = 1
    while (msg := await _next(js, stream, subject, seq)) is not None:
        yield msg
        seq = (msg.seq or seq) + 1


async def directive_mails(js: JetStreamContext, directive_id: str) -> list[LedgerRecord]:
    """The ledger's entries of one directive's mails (each key's latest)."""
    found: dict[str, LedgerEntry] = {}
    for pattern in (EVENT_KEYS, TIMER_KEYS):
        subject = LEDGER_PREFIX + pattern.format(directive=directive_id)
        async for msg in walk(js, LEDGER_STREAM, subject):
            key = (msg.subject or "").removeprefix(LEDGER_PREFIX)
            if (msg.headers or {}).get("KV-Operation") in REMOVED or not msg.data:
                found.pop(key, None)
                continue
            found[key] = LedgerEntry.model_validate_json(msg.data)
    return [LedgerRecord(key, entry) for key, entry in found.items()]


async def directive_assignments(js: JetStreamContext, directive_id: str) -> list[AssignmentCreated]:
    """Every assignment of the directive (the latest event of each unit and requirement)."""
    histories = await assignment_histories(js, directive_id)
    return [events[-1] for events in histories.values()]


async def assignment_histories(
    js: JetStreamContext, directive_id: str
) -> dict[str, list[AssignmentCreated]]:
    """Every assignment event of the directive, by assignment, each one's oldest first:
    what the assignment consumer is handed, in its order (the issue's, then each
    correction's published again)."""
    subject = subjects.all_of(f"{subjects.ASSIGNMENT_CREATED}.{directive_id}")
    found: dict[str, list[AssignmentCreated]] = {}
    async for msg in walk(js, topology.ASSIGNMENTS.name, subject):
        event = AssignmentCreated.model_validate_json(msg.data or b"")
        found.setdefault(event.assignment.id, []).append(event)
    return found


async def first_assignment(js: JetStreamContext, directive_id: str) -> AssignmentCreated | None:
    """Any one assignment of the directive: it names the directive's issuer (the notifier
    may not read the DIRECTIVES stream by subject, only consume it)."""
    subject = subjects.all_of(f"{subjects.ASSIGNMENT_CREATED}.{directive_id}")
    async for msg in walk(js, topology.ASSIGNMENTS.name, subject):
        return AssignmentCreated.model_validate_json(msg.data or b"")
    return None


async def assignment_event(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> AssignmentCreated | None:
    """The event that assigned it (its mail is what a resend sends again)."""
    subject = subjects.assignment_created(directive_id, unit_id, requirement_id)
    try:
        msg = await until_available(
            lambda: js.get_last_msg(topology.ASSIGNMENTS.name, subject, direct=True),
            f"reading {subject}",
        )
    except NotFoundError:
        return None
    return AssignmentCreated.model_validate_json(msg.data or b"")
