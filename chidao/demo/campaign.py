"""The demo campaign (``make demo``): Kế hoạch 101-KH/ĐU of Đảng ủy Sở Nội vụ (seed 003)
travels to its nine chi bộ on the embedded runtime, with a simulated clock running four
days per second from the day the plan was signed.

Six chi bộ report on time, two after the deadline, one never; the synthesis names them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from chidao.client import call
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared.clock import parse_clock
from shared.directory import load_file
from shared.vietnamese import format_instant

HERE = Path(__file__).parent
DIRECTORY = HERE / "directory.yaml"
DIRECTIVE = HERE / "directive-101-KH-DU.json"
CLOCK_START = "2024-06-19T08:00:00+07:00"
DAYS_PER_SECOND = 4

# (unit, when it reports, figures, what it writes). "late+N" reports N days after the deadline.
REPORTS = [
    (
        "cb-snv-van-phong",
        "on_time",
        dict(sessions=3, participants=42, members_attending=18, members_total=19, articles=4),
        "Đề nghị Đảng ủy cấp thêm tài liệu sinh hoạt bản in.",
    ),
    (
        "cb-snv-to-chuc-bien-che",
        "on_time",
        dict(sessions=2, participants=25, members_attending=12, members_total=12, articles=1),
        "",
    ),
    (
        "cb-snv-xdcq-ctn",
        "on_time",
        dict(sessions=2, participants=30, members_attending=14, members_total=15, articles=2),
        "",
    ),
    (
        "cb-snv-thanh-tra",
        "on_time",
        dict(sessions=1, participants=11, members_attending=8, members_total=9),
        "Một đảng viên đi công tác dài ngày, sẽ sinh hoạt bù.",
    ),
    (
        "cb-snv-thi-dua-khen-thuong",
        "on_time",
        dict(sessions=2, participants=16, members_attending=10, members_total=10, articles=1),
        "",
    ),
    (
        "cb-snv-ton-giao",
        "on_time",
        dict(sessions=1, participants=12, members_attending=7, members_total=7),
        "",
    ),
    (
        "cb-snv-van-thu-luu-tru",
        "late+0",
        dict(sessions=1, participants=20, members_attending=9, members_total=11),
        "Khó khăn: đơn vị thiếu phòng họp đủ chỗ cho toàn thể đảng viên.",
    ),
    (
        "cb-snv-cchc",
        "late+3",
        dict(sessions=1, participants=9, members_attending=6, members_total=6),
        "",
    ),
    # cb-snv-tt-luu-tru never reports.
]


def say(text: str = "") -> None:
    print(text, flush=True)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:g}s")
        time.sleep(0.1)


def _reset(var: Path) -> None:
    for part in ("jetstream", "mail", "reports", "logs"):
        shutil.rmtree(var / part, ignore_errors=True)


def run(var: Path) -> None:
    _reset(var)
    units = load_file(DIRECTORY)
    directive = json.loads(DIRECTIVE.read_text(encoding="utf-8"))
    stack = Stack(var_dir=var, clock=f"sim:{CLOCK_START}@{DAYS_PER_SECOND * 86400}")
    stack.clock_anchor = time.time()
    clock = parse_clock(stack.clock, stack.clock_anchor)
    say(
        "chidao demo: Kế hoạch 101-KH/ĐU of Đảng ủy Sở Nội vụ, on a simulated clock "
        f"({DAYS_PER_SECOND} days per second)"
    )
    say("Starting nats-server, the mail sink and the four services ...")
    try:
        stack.start_infrastructure()
        counts = asyncio.run(store_directory(stack.nats.url, units))
        say(f"Directory: {counts['added']} units loaded from {DIRECTORY.name}")
        stack.start(ready_timeout=90)
        _campaign(stack, clock, directive, var)
    finally:
        stack.stop()


def _campaign(stack: Stack, clock, directive: dict, var: Path) -> None:
    assert stack.mail is not None
    issuer, reporter, aggregator = (stack.url(n) for n in ("issuer", "reporter", "aggregator"))
    say(f"Services ready; simulated time is {format_instant(clock.now())}.")
    say()
    say(f"1. Issuing {directive['ref']} ({directive['issuer']}) ...")
    issued = call("POST", f"{issuer}/api/directives", json=directive).json()
    directive_id = issued["directive_id"]
    say(
        f"   {issued['assignments']} assignments fanned out, {issued['notices']} units "
        f"receive it for information; warnings: {issued['warnings'] or 'none'}"
    )
    again = call("POST", f"{issuer}/api/directives", json=directive).json()
    say(f"   issued again: status {again['status']}, {again['new_assignments']} new assignments")

    expected_mails = issued["assignments"] + issued["notices"]
    wait_until(lambda: len(stack.mail.messages) >= expected_mails, 60, "the mails")
    say()
    say(f"2. {len(stack.mail.messages)} mails arrived at the mail server:")
    for mail in stack.mail.messages:
        say(f"   ✉ {', '.join(mail.envelope_to)}")
        say(f"     {mail.subject}")

    due = datetime.fromisoformat(directive["requirements"][0]["due_before"])
    say()
    say(f"3. Units report (deadline {format_instant(due)}):")
    for unit_id, when, figures, narrative in REPORTS:
        if when == "on_time":
            _submit(reporter, directive_id, unit_id, figures, narrative, clock)
    for unit_id, when, figures, narrative in REPORTS:
        if when.startswith("late+"):
            late_by = timedelta(days=int(when.split("+")[1]), hours=9)
            target = due + late_by
            say(f"   ... waiting for the simulated clock to reach {format_instant(target)}")
            wait_until(lambda t=target: clock.now() >= t, 120, "the simulated deadline")
            _submit(reporter, directive_id, unit_id, figures, narrative, clock)

    reported = len(REPORTS)

    def rolled_up() -> bool:
        body = httpx.get(f"{aggregator}/api/directives/{directive_id}/synthesis", timeout=5)
        return (
            body.status_code == 200
            and body.json()["requirements"][0]["totals"]["submitted"] == reported
        )

    wait_until(rolled_up, 30, "the roll-up of every report")
    synthesis_md = call(
        "GET", f"{aggregator}/api/directives/{directive_id}/synthesis", params={"format": "md"}
    ).text
    synthesis_json = call("GET", f"{aggregator}/api/directives/{directive_id}/synthesis").json()
    reports = var / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    md_path = reports / f"{directive_id}.md"
    json_path = reports / f"{directive_id}.json"
    md_path.write_text(synthesis_md, encoding="utf-8")
    json_path.write_text(json.dumps(synthesis_json, ensure_ascii=False, indent=2), "utf-8")
    say()
    say("4. The synthesis for Đảng ủy Sở Nội vụ:")
    say()
    say(synthesis_md)
    mail_dir = var / "mail"
    say(
        f"Mails:     {mail_dir}/ ({len(list(mail_dir.glob('*.eml')))} messages, one per "
        "addressed unit)"
    )
    say(f"Synthesis: {md_path} and {json_path}")
    say(f"Logs:      {var / 'logs'}/")


def _submit(
    reporter: str, directive_id: str, unit_id: str, figures: dict, narrative: str, clock
) -> None:
    receipt = call(
        "POST",
        f"{reporter}/api/submissions",
        json={
            "directive_id": directive_id,
            "unit_id": unit_id,
            "requirement_id": "r1",
            "figures": figures,
            "narrative": narrative,
        },
    ).json()
    received = datetime.fromisoformat(receipt["received_at"])
    status = "on time" if receipt["on_time"] else "LATE"
    say(f"   {unit_id:<30} received {format_instant(received)}  {status}")
