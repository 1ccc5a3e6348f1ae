"""The demo campaign (``make demo``) on the embedded runtime, with a simulated clock
running four days per second from the day Kế hoạch 101-KH/ĐU was signed.

The five seed documents are read from their files (what was read, and the warnings),
issued, and linked into their cascade; then Kế hoạch 101-KH/ĐU of Đảng ủy Sở Nội vụ
(seed 003) is followed to its nine chi bộ: six report on time, two after the deadline, one
never. The three that have not reported get reminders before the deadline and the overdue
notice at it, Đảng ủy Sở Nội vụ gets the digest of its late units two days after, and the
synthesis names them.
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
from chidao.documents import cascade_lines, summary_lines
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared.clock import parse_clock
from shared.directory import load_file
from shared.vietnamese import format_instant

HERE = Path(__file__).parent
DIRECTORY = HERE / "directory.yaml"
SEEDS = HERE / "seeds"
FOLLOWED = "003_e88aeaad7985e01b.txt"  # the plan whose reports the demo follows
# What an operator adds for a document that lacks it (seed 000 has no number and no date).
OPERATOR = {
    "000_190f0edc151fbb06.txt": {
        "issuer": "duk-cqdn-son-ha",
        "ref": "01-KH/ĐUK",
        "issued_on": "2024-03-27",
    }
}
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


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if meanwhile is not None:
            meanwhile()
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:g}s")
        time.sleep(0.1)
    if meanwhile is not None:
        meanwhile()


CHASING = ("reminder", "overdue", "digest")  # the mails timers send


class Chasing:
    """Shows the followed plan's reminders, overdue notices and digest as they arrive."""

    def __init__(self, stack: Stack, clock, tag: str) -> None:
        self.stack, self.clock, self.tag = stack, clock, tag
        self.seen = 0
        self.mails: list = []

    def show_new(self) -> None:
        assert self.stack.mail is not None
        arrived = list(self.stack.mail.messages)
        for mail in arrived[self.seen :]:
            template = mail.message["X-Chidao-Template"]
            if mail.subject.startswith(self.tag) and template in CHASING:
                self.mails.append(mail)
                when = format_instant(self.clock.at_real(mail.received_at))
                say(f"   {when}  ✉ {mail.message['X-Chidao-Unit']}: {mail.subject}")
        self.seen = len(arrived)

    def digest(self):
        return next((m for m in self.mails if m.message["X-Chidao-Template"] == "digest"), None)


def _reset(var: Path) -> None:
    for part in ("jetstream", "mail", "reports", "logs"):
        shutil.rmtree(var / part, ignore_errors=True)


def run(var: Path) -> None:
    _reset(var)
    units = load_file(DIRECTORY)
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
        directive_id = _ingest_seeds(stack)
        _campaign(stack, clock, directive_id, var)
    finally:
        stack.stop()


def _upload(url: str, path: Path, **form: str) -> dict:
    return call(
        "POST",
        f"{url}/api/directives/upload",
        files={"file": (path.name, path.read_bytes())},
        data=form,
    ).json()


def _ingest_seeds(stack: Stack) -> str:
    """Read every seed, show it, issue it; return the id of the plan the demo follows."""
    issuer = stack.url("issuer")
    say(f"Services ready. Reading the {len(list(SEEDS.glob('*.txt')))} seed documents:")
    followed = ""
    for path in sorted(SEEDS.glob("*.txt")):
        extra = OPERATOR.get(path.name, {})
        shown = _upload(
            issuer, path, preview="true", **({"issuer": extra["issuer"]} if extra else {})
        )
        doc = shown["document"]
        say()
        say("\n".join(summary_lines(path.name, doc, shown["issuer_unit"])))
        if extra:
            say(
                f"   -> no number or date in the text: the operator issues it as {extra['ref']} "
                f"of {extra['issued_on']}"
            )
        result = _upload(issuer, path, **extra)
        say(
            f"   -> issued: {result['assignments']} assignments, {result['notices']} units "
            "receive it for information"
        )
        if path.name == FOLLOWED:
            followed = result["directive_id"]
    say()
    say("The cascade (chidao cascade):")
    for tree in call("GET", f"{issuer}/api/cascade").json()["trees"]:
        say("\n".join("   " + line for line in cascade_lines(tree)))
    return followed


def _campaign(stack: Stack, clock, directive_id: str, var: Path) -> None:
    assert stack.mail is not None
    issuer, reporter, aggregator = (stack.url(n) for n in ("issuer", "reporter", "aggregator"))
    record = call("GET", f"{issuer}/api/directives/{directive_id}").json()
    directive = record["directive"]
    say()
    say(
        f"1. Following {directive['ref']} of {directive['issuer']}; simulated time is "
        f"{format_instant(clock.now())}."
    )
    again = _upload(issuer, SEEDS / FOLLOWED)
    say(f"   issued again: status {again['status']}, {again['new_assignments']} new assignments")
    issued = {"assignments": record["assignment_count"], "notices": len(record["notices"])}
    expected_mails = issued["assignments"] + issued["notices"]
    tag = f"[{directive['ref']}]"

    def followed_mails() -> list:
        return [
            m
            for m in stack.mail.messages
            if m.subject.startswith(tag) and m.message["X-Chidao-Template"] not in CHASING
        ]

    wait_until(lambda: len(followed_mails()) >= expected_mails, 60, "the mails")
    say()
    say(
        f"2. {len(followed_mails())} mails of {directive['ref']} arrived at the mail server, "
        "each with the original document attached:"
    )
    for mail in followed_mails():
        say(f"   ✉ {', '.join(mail.envelope_to)}")
        say(f"     {mail.subject}")

    due = datetime.fromisoformat(directive["requirements"][0]["due_before"])
    say()
    say(f"3. Units report (deadline {format_instant(due)}):")
    for unit_id, when, figures, narrative in REPORTS:
        if when == "on_time":
            _submit(reporter, directive_id, unit_id, figures, narrative, clock)
    say(
        "   ... the others have not reported; the notifier reminds them before the deadline, "
        "chases them after it, and tells Đảng ủy Sở Nội vụ who is late:"
    )
    chasing = Chasing(stack, clock, tag)
    for unit_id, when, figures, narrative in REPORTS:
        if when.startswith("late+"):
            late_by = timedelta(days=int(when.split("+")[1]), hours=9)
            target = due + late_by
            wait_until(
                lambda t=target: clock.now() >= t,
                120,
                "the simulated deadline",
                meanwhile=chasing.show_new,
            )
            _submit(reporter, directive_id, unit_id, figures, narrative, clock)
    wait_until(lambda: chasing.digest() is not None, 30, "the digest", chasing.show_new)
    say()
    say(f"   The digest to Đảng ủy Sở Nội vụ ({chasing.digest().subject}):")
    body = chasing.digest().text().split("\n\n")
    say("\n".join("   | " + line for line in _digest_lists(body)))

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
        f"Mails:     {mail_dir}/ ({len(list(mail_dir.glob('*.eml')))} messages: the "
        "directives, the assignments, the reminders and overdue notices, the digests)"
    )
    say(f"Synthesis: {md_path} and {json_path}")
    say(f"Logs:      {var / 'logs'}/")


def _digest_lists(paragraphs: list[str]) -> list[str]:
    """The digest's lists of missing and late units, as the parent reads them."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph.strip().startswith("Đơn vị"):
            lines.extend(paragraph.strip().splitlines())
    return lines


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
