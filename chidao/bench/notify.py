"""``chidao bench notify --mails N``: the notifier's mail path, timed.

N assignment mails (Vietnamese, text and HTML parts) are composed and sent through the
notifier's Mailer (a pool of C reused aiosmtplib connections, no rate limit) to an SMTP
sink in a separate process. ``--baseline`` sends the same messages with a plain aiosmtplib
loop over the same number of connections, for comparison.

``chidao bench notify --mails N --kills K``: the notifier as a process (chidao.bench.kills)
SIGKILLed K times while it mails N assignments; how many mails went twice, and whether
each of those was in flight at a kill."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime

import aiosmtplib

from chidao.runtime.ports import free_port, wait_for_port
from services.notifier.adapters.mailer import Mailer
from services.notifier.domain.mails import Link, assignment_mail
from shared import subjects
from shared.contracts import Assignment, AssignmentCreated, ReportingRequirement, Unit
from shared.directory import Directory
from shared.settings import Settings

ISSUER = Unit(
    id="du-bench",
    name="Đảng ủy Sở Nội vụ",
    kind="grassroots_committee",
    emails=["danguy@bench.example.org"],
)


def _messages(count: int, mail_from: str) -> list:
    directory = Directory([ISSUER])
    requirement = ReportingRequirement(
        id="r1",
        action="báo cáo kết quả thực hiện",
        to_unit="du-bench",
        due_before="2024-12-10T00:00:00+07:00",
        text="báo cáo kết quả thực hiện trước ngày 10/12/2024",
    )
    messages = []
    for i in range(count):
        unit = Unit(
            id=f"cb-{i}",
            name=f"Chi bộ số {i}",
            kind="chi_bo",
            parent="du-bench",
            emails=[f"chibo{i}@bench.example.org"],
        )
        assignment = Assignment(
            directive_id="101-kh-du--du-bench",
            directive_kind="KH",
            directive_ref="101-KH/ĐU",
            directive_title="Triển khai đợt sinh hoạt chính trị, tư tưởng",
            directive_issued_on="2024-06-19",
            issuer_unit="du-bench",
            issuer=ISSUER.name,
            unit_id=unit.id,
            requirement=requirement,
            assigned_at=datetime.now(UTC),
        )
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(
                assignment.directive_id, assignment.unit_id, assignment.requirement.id
            ),
            occurred_at=assignment.assigned_at,
            assignment=assignment,
        )
        link = Link("http://127.0.0.1:8083/r/token", datetime(2025, 1, 9, tzinfo=UTC))
        messages.append(assignment_mail(event, unit, directory, link).to_message(mail_from))
    return messages


async def _with_mailer(settings: Settings, messages: list) -> float:
    mailer = Mailer(settings)
    started = time.perf_counter()
    await asyncio.gather(*(mailer.send(m) for m in messages))
    seconds = time.perf_counter() - started
    await mailer.close()
    return seconds


async def _plain_loop(settings: Settings, messages: list) -> float:
    async def worker(share: list) -> None:
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, start_tls=False
        )
        await client.connect()
        for message in share:
            await client.send_message(message)
        await client.quit()

    connections = settings.smtp_connections
    started = time.perf_counter()
    await asyncio.gather(*(worker(messages[i::connections]) for i in range(connections)))
    return time.perf_counter() - started


def run(
    mails: int, connections: int, smtp_host: str | None, smtp_port: int | None, baseline: bool
) -> dict:
    sink = None
    if smtp_host is None:
        smtp_host, smtp_port = "127.0.0.1", free_port()
        sink = subprocess.Popen(
            [sys.executable, "-m", "chidao.runtime.mailsink", "--port", str(smtp_port)],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(smtp_port, 20, "the mail sink")
    settings = Settings(
        smtp_host=smtp_host, smtp_port=smtp_port or 25, smtp_connections=connections, smtp_rate=0
    )
    try:
        messages = _messages(mails, settings.mail_from)
        send = _plain_loop if baseline else _with_mailer
        seconds = asyncio.run(send(settings, messages))
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait(10)
    return {
        "mails": mails,
        "connections": connections,
        "seconds": round(seconds, 3),
        "mails_per_second": round(mails / seconds),
    }
