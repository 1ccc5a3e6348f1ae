"""The notifier SIGKILLed again and again while it mails a directive's assignments.

On the embedded runtime (nats-server, the mail sink, the issuer and the notifier as
processes): one directive to N chi bộ, and the notifier killed K times, each time once the
sink has received another N/(K+1) mails, and started again at once. At each kill the
ledger's live claims of the killed process are the mails it had in flight (claimed, not
yet recorded). Then, once everything is delivered: which mails are missing, which came
twice, whether each of those was in flight at a kill and kept its Message-ID.

``chidao bench notify --mails 2000 --kills 10`` prints the report; the end-to-end test
(tests/e2e/test_mail_kills.py) runs it smaller and asserts on it."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js import JetStreamContext

from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from services.notifier.adapters.ledger import LedgerEntry
from shared import topology
from shared.contracts import Unit
from shared.settings import Settings

PARENT = "du-bench-kills"

# Small enough that a killed notifier's events and claims come back within seconds.
ENV = {"CHIDAO_JS_ACK_WAIT": "3", "CHIDAO_MAIL_CLAIM_LEASE": "3", "CHIDAO_SMTP_RATE": "0"}


def units(count: int, parent: str = PARENT) -> list[Unit]:
    committee = Unit(
        id=parent,
        name=f"Đảng ủy {parent}",
        kind="grassroots_committee",
        emails=[f"{parent}@bench.example.org"],
    )
    return [committee] + [
        Unit(
            id=f"{parent}-cb{i}",
            name=f"Chi bộ số {i}",
            kind="chi_bo",
            parent=parent,
            emails=[f"{parent}-cb{i}@bench.example.org"],
        )
        for i in range(1, count + 1)
    ]


def directive(parent: str = PARENT) -> dict[str, Any]:
    return {
        "kind": "KH",
        "ref": "9-KH/ĐU",
        "issued_on": "2024-06-19",
        "issuer_unit": parent,
        "issuer": f"Đảng ủy {parent}",
        "title": "Thử gửi thư khi dịch vụ gửi thư bị dừng đột ngột",
        "addressees": [{"under": parent, "kinds": ["chi_bo"]}],
        "requirements": [
            {
                "id": "r1",
                "action": "báo cáo kết quả thực hiện",
                "due_before": "2099-12-10T00:00:00+07:00",
            }
        ],
    }


async def until(condition: Callable[[], Any | Awaitable[Any]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.05)


class LedgerMirror:
    """The latest entry of every ledger key, followed through a KV watch."""

    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}
        self.revision = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self, js: JetStreamContext) -> None:
        kv = await js.key_value(topology.NOTIFIER_LEDGER.name)
        watcher = await kv.watchall()

        async def follow() -> None:
            async for entry in watcher:
                if entry is None or not entry.value:
                    continue
                self.entries[entry.key] = LedgerEntry.model_validate_json(entry.value)
                self.revision = max(self.revision, entry.revision or 0)

        self._task = asyncio.create_task(follow())

    async def caught_up(self, js: JetStreamContext) -> None:
        info = await js.stream_info(f"KV_{topology.NOTIFIER_LEDGER.name}")
        last = info.state.last_seq
        await until(lambda: self.revision >= last, 30, "the ledger watch to catch up")

    def claimed_by(self, pid: int) -> set[str]:
        """Keys claimed, and not resolved, by the process ``pid`` (any host: one here)."""
        return {
            key
            for key, entry in self.entries.items()
            if entry.status == "claimed" and (entry.claimant or "").split(":")[1:2] == [str(pid)]
        }

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


@dataclass
class KillReport:
    mails: int
    kills: int
    seconds: float = 0.0
    received: int = 0  # messages the sink accepted
    missing: list[str] = field(default_factory=list)  # units that got no assignment mail
    copies: dict[str, int] = field(default_factory=dict)  # ledger key -> copies, when > 1
    in_flight: set[str] = field(default_factory=set)  # claimed by a killed process at a kill
    in_flight_per_kill: list[int] = field(default_factory=list)
    other_message_id: list[str] = field(default_factory=list)  # copies with another id
    possibly_sent: int = 0  # ledger entries resent after a claim expired or went unanswered

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.copies.values())

    @property
    def duplicates_not_in_flight(self) -> list[str]:
        return sorted(set(self.copies) - self.in_flight)

    def summary(self) -> dict[str, Any]:
        return {
            "mails": self.mails,
            "kills": self.kills,
            "seconds": round(self.seconds, 1),
            "received": self.received,
            "missing": len(self.missing),
            "duplicates": self.duplicates,
            "duplicated_mails": len(self.copies),
            "in_flight_at_kills": self.in_flight_per_kill,
            "duplicates_not_in_flight": len(self.duplicates_not_in_flight),
            "duplicates_with_another_message_id": len(self.other_message_id),
            "resent_as_possibly_sent": self.possibly_sent,
        }


def _assignment_mails(stack: Stack, parent: str) -> list[Any]:
    assert stack.mail is not None
    return [
        m
        for m in list(stack.mail.messages)
        if _header(m, "X-Chidao-Template") == "assignment"
        and f"--{parent}." in _header(m, "X-Chidao-Event")
    ]


def _distinct(stack: Stack, parent: str) -> int:
    return len({_header(m, "X-Chidao-Unit") for m in _assignment_mails(stack, parent)})


async def kill_campaign(
    stack: Stack, mails: int, kills: int, parent: str = PARENT, within: float = 120
) -> KillReport:
    """Run the campaign on a started ``stack`` whose directory holds ``units(mails)``."""
    assert stack.nats is not None
    report = KillReport(mails, kills)
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    mirror = LedgerMirror()
    started = time.perf_counter()
    try:
        await mirror.start(js)
        async with httpx.AsyncClient(timeout=60, headers=stack.operator_headers) as http:
            response = await http.post(
                f"{stack.url('issuer')}/api/directives", json=directive(parent)
            )
            response.raise_for_status()
        for i in range(1, kills + 1):
            target = mails * i // (kills + 1)
            await until(lambda t=target: _distinct(stack, parent) >= t, within, f"{target} mails")
            notifier = stack.procs["notifier"]
            assert notifier.process is not None
            pid = notifier.process.pid
            notifier.kill()
            if _distinct(stack, parent) >= mails:
                raise RuntimeError(f"kill {i} came after the last mail: nothing was in flight")
            await mirror.caught_up(js)  # the killed process writes nothing more
            in_flight = mirror.claimed_by(pid)
            report.in_flight |= in_flight
            report.in_flight_per_kill.append(len(in_flight))
            await asyncio.to_thread(stack.start_service, "notifier")
        await until(lambda: _distinct(stack, parent) >= mails, within, "every mail")
        await until(lambda: _caught_up(js), within, "the notifier to have nothing left to do")
        report.seconds = time.perf_counter() - started
        await mirror.caught_up(js)
        report.possibly_sent = sum(
            1 for key, e in mirror.entries.items() if parent in key and e.possibly_sent
        )
    finally:
        mirror.stop()
        await nc.close()
    _count(stack, parent, report)
    return report


async def _caught_up(js: JetStreamContext) -> bool:
    spec = topology.NOTIFIER_ASSIGNMENTS
    info = await js.consumer_info(spec.stream, spec.durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


def _header(m: Any, name: str) -> str:
    return str(m.message[name] or "").strip()  # a long value is folded onto the next line


def _ledger_key(m: Any) -> str:
    """The (event, unit) key of a received mail, as the ledger writes it."""
    return f"{_header(m, 'X-Chidao-Event')}.{_header(m, 'X-Chidao-Unit')}"


def _count(stack: Stack, parent: str, report: KillReport) -> None:
    received = _assignment_mails(stack, parent)
    report.received = len(received)
    copies = Counter(_ledger_key(m) for m in received)
    report.copies = {key: n for key, n in copies.items() if n > 1}
    got = {_header(m, "X-Chidao-Unit") for m in received}
    report.missing = sorted(u.id for u in units(report.mails, parent)[1:] if u.id not in got)
    for key in report.copies:
        ids = {m.message["Message-ID"] for m in received if _ledger_key(m) == key}
        if len(ids) != 1:
            report.other_message_id.append(key)


async def declare_streams(nats_url: str) -> None:
    """Every stream, as the admin declares them: the notifier waits for the reporter's,
    which does not run here."""
    nc = await nats.connect(nats_url)
    try:
        await topology.ensure_streams(nc.jetstream(), Settings(nats_url=nats_url))
    finally:
        await nc.close()


def run(mails: int, kills: int, var: Path) -> dict[str, Any]:
    """``chidao bench notify --mails N --kills K``."""
    scratch = var / f"notify-kills-{mails}"
    shutil.rmtree(scratch, ignore_errors=True)
    stack = Stack(var_dir=scratch, services=("issuer", "notifier"), extra_env=dict(ENV))
    try:
        stack.start_infrastructure()
        assert stack.nats is not None
        asyncio.run(declare_streams(stack.nats.url))
        asyncio.run(store_directory(stack.nats.url, units(mails)))
        stack.start(ready_timeout=120)
        report = asyncio.run(kill_campaign(stack, mails, kills, within=600))
    finally:
        stack.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return report.summary()
