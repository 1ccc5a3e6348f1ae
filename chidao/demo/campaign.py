"""The demo campaign (``make demo``) on the embedded runtime, with a simulated clock
running four days per second from the day Kế hoạch 101-KH/ĐU was signed.

Two levels of one cascade. Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh Hưng Yên issues
Kế hoạch 153-KH/ĐUK to its grassroots committees; the five seed documents are read from
their files and issued, and seed 003, Kế hoạch 101-KH/ĐU of Đảng ủy Sở Nội vụ, implements
153-KH/ĐUK. 101-KH/ĐU is followed to its nine chi bộ: six report on time (one is returned
for correction and sent again), two after the deadline, one never; the three that have
not reported get reminders and the overdue notice, and Đảng ủy Sở Nội vụ the digest of
its late units. Its synthesis is written, approved and sent up as its own report on
153-KH/ĐUK, beside two other committees' reports, and the synthesis of Đảng ủy Khối
closes the demo. Both syntheses are written as .docx, .html and .md under var/reports/.

Every step is a staff member's, signed in with a named account (chidao.runtime.accounts
DEMO_ACCOUNTS, each with a personal API token as `chidao login` gets one): the clerk of
Đảng ủy Sở Nội vụ issues its plan, its specialist returns a report, its leader approves
the synthesis, Đảng ủy Khối's leader accepts it. What the demo's units without an
account do (the other committees' documents and reports, the chi bộ that report through
the API rather than their signed links) is done with the operators' token, and the audit
trail (`chidao audit`) shows who did which.
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
from chidao.demo.script import (
    CHI_BO_REPORTS,
    COMMITTEE_REPORTS,
    PARENT,
    PARENT_ID,
    RETURNED,
)
from chidao.documents import cascade_lines, summary_lines
from chidao.runtime.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_accounts
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared.clock import parse_clock
from shared.directory import load_file
from shared.vietnamese import format_instant

HERE = Path(__file__).parent
DIRECTORY = HERE / "directory.yaml"
SEEDS = HERE / "seeds"
FOLLOWED = "003_e88aeaad7985e01b.txt"  # the plan whose reports the demo follows
# What an operator adds for a document that lacks it (seed 000 has no number and no date;
# seed 001 is a scan whose restored requirement the clerk confirms, "Quy 11" being Quý II).
OPERATOR = {
    "000_190f0edc151fbb06.txt": {
        "issuer": "duk-cqdn-son-ha",
        "ref": "01-KH/ĐUK",
        "issued_on": "2024-03-27",
    },
    "001_ec79a5c3036ac224.txt": {"set": "requirement.1.text=Hoàn thành trong Quý II/2024"},
}
CLOCK_START = "2024-06-19T08:00:00+07:00"
DAYS_PER_SECOND = 4


# The Authorization header of each demo account once signed in, and of the operator.
STAFF: dict[str, dict[str, str]] = {}
OPERATOR_KEY = "operator"
# Who acts for a unit when a step is a unit's own (issuing, reporting): its clerk.
CLERKS = {a.unit_id: a.username for a in DEMO_ACCOUNTS if "van_thu" in a.roles}


def as_(username: str) -> dict[str, str]:
    return STAFF[username]


def clerk_of(unit_id: str | None) -> dict[str, str]:
    """The unit's clerk, or the operator for a unit of the demo without accounts."""
    return STAFF[CLERKS.get(unit_id or "", OPERATOR_KEY)]


def _sign_in(stack: Stack) -> None:
    """The demo's named accounts, created and each signed in for a token."""
    asyncio.run(ensure_accounts(stack.admin_nats_url, DEMO_ACCOUNTS, DEMO_PASSWORD))
    STAFF[OPERATOR_KEY] = stack.operator_headers
    for account in DEMO_ACCOUNTS:
        token = call(
            "POST",
            f"{stack.url('issuer')}/api/auth/tokens",
            json={"username": account.username, "password": DEMO_PASSWORD, "name": "demo"},
        ).json()["token"]
        STAFF[account.username] = {"Authorization": f"Bearer {token}"}
    names = ", ".join(f"{a.username} ({a.display_name})" for a in DEMO_ACCOUNTS)
    say(f"Staff accounts signed in: {names}")


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


def _wait_for_instant(clock, instant: datetime, meanwhile: Callable[[], None]) -> None:
    """Until the simulated clock reaches ``instant``: polled while it is far, then slept
    to the exact real moment, so that what follows is stamped just after it however
    slow the machine's polling is."""
    wait_until(
        lambda: clock.real_seconds_until(instant) < 0.2,
        120,
        "the simulated deadline",
        meanwhile=meanwhile,
    )
    time.sleep(max(0.0, clock.real_seconds_until(instant)))


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
        say(f"The staff console, while the demo runs: {stack.console_url}/")
        _sign_in(stack)
        _issue_parent(stack)
        directive_id = _ingest_seeds(stack)
        _campaign(stack, clock, directive_id, var)
        _upper_level(stack, clock, directive_id, var)
        _recurring(stack, clock)
        _how_to_sign_in(stack)
    finally:
        stack.stop()


def _how_to_sign_in(stack: Stack) -> None:
    say()
    say(
        "The staff console: `chidao dev` runs the same services with these accounts and "
        "prints the console's address; sign in there (or with `chidao login`) as e.g. "
        f"chuyenvien.snv, password {DEMO_PASSWORD}. `chidao audit` lists what each "
        "account did."
    )


def _upload(url: str, path: Path, headers: dict[str, str], **form: str) -> dict:
    """A seed issued as its office issued it; on the demo's fast clock some of the seeds'
    2024 deadlines are already past when it runs, which the demo replays knowingly
    (a deadline still ahead keeps its reminders)."""
    return call(
        "POST",
        f"{url}/api/directives/upload",
        files={"file": (path.name, path.read_bytes())},
        data={"allow_past": "true", **form},
        headers=headers,
    ).json()


def _issue_parent(stack: Stack) -> None:
    # 153-KH/ĐUK's plan was due 01/07/2024: by the time the services are up the fast
    # clock is past it, and the demo replays that campaign knowingly (no reminders for it)
    result = call(
        "POST",
        f"{stack.url('issuer')}/api/directives",
        json=PARENT,
        params={"allow_past": "true"},
        headers=as_("vanthu.duk"),
    ).json()
    say(
        f"Services ready. The level above: {PARENT['issuer']} issues {PARENT['ref']} to its "
        f"grassroots committees ({result['assignments']} assignments: a plan to issue, and "
        "results to report)."
    )


def _ingest_seeds(stack: Stack) -> str:
    """Read every seed, show it, issue it; return the id of the plan the demo follows."""
    issuer = stack.url("issuer")
    say()
    say(f"Reading the {len(list(SEEDS.glob('*.txt')))} seed documents:")
    followed = ""
    for path in sorted(SEEDS.glob("*.txt")):
        extra = OPERATOR.get(path.name, {})
        shown = _upload(
            issuer,
            path,
            as_("chuyenvien.snv"),  # any staff may read a document to see what it says
            preview="true",
            **({"issuer": extra["issuer"]} if "issuer" in extra else {}),
        )
        doc = shown["document"]
        say()
        say("\n".join(summary_lines(path.name, doc, shown["issuer_unit"])))
        if "set" in extra:
            say(f"   -> a scan, its diacritics restored: the clerk confirms {extra['set']}")
        elif extra:
            say(
                f"   -> no number or date in the text: the operator issues it as {extra['ref']} "
                f"of {extra['issued_on']}"
            )
        by = clerk_of(shown["issuer_unit"])
        result = _upload(issuer, path, by, **extra)
        who = next((n for n, h in STAFF.items() if h == by), OPERATOR_KEY)
        say(
            f"   -> issued by {who}: {result['assignments']} assignments, "
            f"{result['notices']} units receive it for information"
        )
        if path.name == FOLLOWED:
            followed = result["directive_id"]
    say()
    say("The cascade (chidao cascade):")
    for tree in call("GET", f"{issuer}/api/cascade", headers=as_("lanhdao.duk")).json()["trees"]:
        say("\n".join("   " + line for line in cascade_lines(tree)))
    return followed


def _campaign(stack: Stack, clock, directive_id: str, var: Path) -> None:
    assert stack.mail is not None
    issuer, reporter = stack.url("issuer"), stack.url("reporter")
    record = call(
        "GET", f"{issuer}/api/directives/{directive_id}", headers=as_("chuyenvien.snv")
    ).json()
    directive = record["directive"]
    say()
    say(
        f"1. Following {directive['ref']} of {directive['issuer']}; simulated time is "
        f"{format_instant(clock.now())}."
    )
    again = _upload(issuer, SEEDS / FOLLOWED, as_("vanthu.snv"))
    say(f"   issued again: status {again['status']}, {again['new_assignments']} new assignments")
    plan = _wait_report(reporter, PARENT_ID, "du-so-noi-vu-hy", "plan", as_("chuyenvien.snv"))
    say(
        f"   {PARENT['ref']} asked Đảng ủy Sở Nội vụ to issue a plan: {directive['ref']} was "
        f"filed as that report ({plan['values']['document_ref']}, "
        f"{'on time' if plan['on_time'] else 'LATE'})."
    )
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
    for unit_id, when, values in CHI_BO_REPORTS:
        if when == "on_time":
            _submit(reporter, directive_id, unit_id, values)
    _return_and_correct(stack, clock, directive_id, tag)
    say(
        "   ... the others have not reported; the notifier reminds them before the deadline, "
        "chases them after it, and tells Đảng ủy Sở Nội vụ who is late:"
    )
    chasing = Chasing(stack, clock, tag)
    for unit_id, when, values in CHI_BO_REPORTS:
        if when.startswith("late+"):
            # One hour into the day after N whole days late: a report counts as late by
            # the days it has started, so it reads "N+1 days late" while it lands within
            # the next 23 simulated hours (0.24 s at four days per second).
            target = due + timedelta(days=int(when.split("+")[1]), hours=1)
            _wait_for_instant(clock, target, chasing.show_new)
            _submit(reporter, directive_id, unit_id, values)
    wait_until(lambda: chasing.digest() is not None, 30, "the digest", chasing.show_new)
    say()
    say(f"   The digest to Đảng ủy Sở Nội vụ ({chasing.digest().subject}):")
    body = chasing.digest().text().split("\n\n")
    say("\n".join("   | " + line for line in _digest_lists(body)))

    _wait_rolled_up(stack, directive_id, None, "r1", len(CHI_BO_REPORTS))
    paths = _write_synthesis(stack, directive_id, None, var)
    say()
    say(f"4. The synthesis of Đảng ủy Sở Nội vụ on {directive['ref']} ({paths['md'].name}):")
    say()
    say(paths["md"].read_text(encoding="utf-8"))
    say(f"   written as {', '.join(str(p) for p in paths.values())}")


def _return_and_correct(stack: Stack, clock, directive_id: str, tag: str) -> None:
    """The committee's staff return one report for correction; the chi bộ is mailed the
    reason and sends it again (a new version, still on time)."""
    assert stack.mail is not None
    reporter = stack.url("reporter")
    unit_id, reason, added = RETURNED
    call(
        "POST",
        f"{reporter}/api/submissions/{directive_id}/{unit_id}/r1/review",
        json={"decision": "return", "reason": reason},
        headers=as_("chuyenvien.snv"),
    )
    say(f"   chuyenvien.snv of Đảng ủy Sở Nội vụ returns the report of {unit_id}: “{reason}”")

    def returned_mail():
        return next(
            (
                m
                for m in stack.mail.messages
                if m.subject.startswith(tag) and m.message["X-Chidao-Template"] == "returned"
            ),
            None,
        )

    wait_until(lambda: returned_mail() is not None, 30, "the returned-report mail")
    say(f"   ✉ {', '.join(returned_mail().envelope_to)}: {returned_mail().subject}")
    values = {**next(v for u, _, v in CHI_BO_REPORTS if u == unit_id), **added}
    _submit(reporter, directive_id, unit_id, values)


def _upper_level(stack: Stack, clock, directive_id: str, var: Path) -> None:
    """Đảng ủy Sở Nội vụ approves its synthesis: it goes up as its report on 153-KH/ĐUK,
    beside the other committees' reports, and Đảng ủy Khối's synthesis closes the demo."""
    reporter, aggregator = stack.url("reporter"), stack.url("aggregator")
    approved = call(
        "POST",
        f"{aggregator}/api/directives/{directive_id}/synthesis/approve",
        headers=as_("lanhdao.snv"),
    ).json()
    say()
    say(
        "5. lanhdao.snv, for Đảng ủy Sở Nội vụ, approves its synthesis: it goes up as its "
        "report on "
        f"{PARENT['ref']} (requirement '{approved['target_requirement_id']}'), carrying its "
        f"figures: {approved['values']['sessions']} sessions, "
        f"{approved['values']['members_attending']}/{approved['values']['members_total']} "
        "party members."
    )
    forwarded = _wait_report(reporter, PARENT_ID, "du-so-noi-vu-hy", "report", as_("lanhdao.duk"))
    say(
        f"   filed by the reporter as version {forwarded['version']}, received "
        f"{format_instant(datetime.fromisoformat(forwarded['received_at']))}, "
        f"{'on time' if forwarded['on_time'] else 'LATE'}"
    )
    for unit_id, values in COMMITTEE_REPORTS:
        _submit(reporter, PARENT_ID, unit_id, values, requirement="report")
    call(
        "POST",
        f"{reporter}/api/submissions/{PARENT_ID}/du-so-noi-vu-hy/report/review",
        json={"decision": "accept"},
        headers=as_("lanhdao.duk"),
    )
    say(
        "   lanhdao.duk of Đảng ủy Khối accepts the report of Đảng ủy Sở Nội vụ; "
        "db-bhxh-hy has not reported."
    )
    _wait_rolled_up(stack, PARENT_ID, None, "report", 1 + len(COMMITTEE_REPORTS), accepted=1)
    paths = _write_synthesis(stack, PARENT_ID, None, var)
    say()
    say(f"6. The synthesis of {PARENT['issuer']} on {PARENT['ref']} ({paths['md'].name}):")
    say()
    say(paths["md"].read_text(encoding="utf-8"))
    reports = var / "reports"
    status_paths = []
    for did in (directive_id, PARENT_ID):
        reader = as_("chuyenvien.snv" if did == directive_id else "lanhdao.duk")
        # the page's own "Lưu bản chụp thành tệp": a snapshot that works as a file
        saved = f"{aggregator}/directives/{did}/status?saved=true"
        page = call("GET", saved, headers=reader).text
        path = reports / f"status-{did}.html"
        path.write_text(page, encoding="utf-8")
        status_paths.append(path)
    mail_dir = var / "mail"
    say(f"Reports:     {reports}/ (.docx, .html, .md and .json of both syntheses)")
    say(
        f"Status page: /directives/{PARENT_ID}/status on the console (live while the "
        f"services run: chidao dev); saved snapshots {', '.join(p.name for p in status_paths)}"
    )
    say(
        f"Mails:       {mail_dir}/ ({len(list(mail_dir.glob('*.eml')))} messages: the "
        "directives, the assignments, the reminders and overdue notices, the digests)"
    )
    say(f"Logs:        {var / 'logs'}/")


# Seed 000 (01-KH/ĐUK as the demo issues it) asks a report "hằng năm vào tháng 12".
YEARLY_ID = "01-kh-duk--duk-cqdn-son-ha"


def _recurring(stack: Stack, clock) -> None:
    """A yearly requirement over two periods: Năm 2024 assigned at issue, Năm 2025 by the
    issuer's timer when Năm 2024's deadline passes (the demo's clock runs to it)."""
    url = f"{stack.url('aggregator')}/api/directives/{YEARLY_ID}/synthesis"
    headers = STAFF[OPERATOR_KEY]  # the demo has no account for 01-KH/ĐUK's issuer

    def sections() -> list[dict]:
        answer = httpx.get(url, headers=headers, timeout=30)
        return answer.json().get("requirements", []) if answer.status_code == 200 else []

    def periodic() -> list[dict]:
        return [r for r in sections() if r.get("period")]

    say()
    say("7. A yearly report: 01-KH/ĐUK (seed 000) asks for one each December.")
    wait_until(lambda: len(periodic()) >= 2 and periodic()[-1]["totals"]["expected"] > 0,
               120, "the second year's assignments")  # fmt: skip
    for r in periodic():
        say(
            f"   {r['period']}: {r['totals']['expected']} units assigned, due "
            f"{r['deadline']} (requirement {r['id']})"
        )
    say(
        f"   simulated time is {format_instant(clock.now())}: the next year was assigned by "
        "the issuer's durable timer when the previous year's deadline passed."
    )


def _wait_rolled_up(
    stack: Stack,
    directive_id: str,
    unit: str | None,
    requirement: str,
    submitted: int,
    accepted: int = 0,
) -> None:
    url = f"{stack.url('aggregator')}/api/directives/{directive_id}/synthesis"
    reader = as_("lanhdao.duk")  # the level above reads both levels' roll-ups

    def rolled_up() -> bool:
        params = {"unit": unit} if unit else None
        body = httpx.get(url, params=params, timeout=5, headers=reader)
        if body.status_code != 200:
            return False
        totals = next(r for r in body.json()["requirements"] if r["id"] == requirement)
        t = totals["totals"]
        return t["submitted"] == submitted and t["accepted"] >= accepted

    wait_until(rolled_up, 30, f"the roll-up of {directive_id}")


def _write_synthesis(stack: Stack, directive_id: str, unit: str | None, var: Path) -> dict:
    """The báo cáo tổng hợp as .docx, .html, .md and its data as .json, under reports/."""
    reports = var / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    url = f"{stack.url('aggregator')}/api/directives/{directive_id}/synthesis"
    paths = {}
    for fmt in ("docx", "html", "md", "json"):
        params = {"format": fmt, **({"unit": unit} if unit else {})}
        paths[fmt] = reports / f"{directive_id}.{fmt}"
        content = call("GET", url, params=params, headers=as_("lanhdao.duk")).content
        if fmt == "json":
            content = json.dumps(json.loads(content), ensure_ascii=False, indent=2).encode()
        paths[fmt].write_bytes(content)
    return paths


def _digest_lists(paragraphs: list[str]) -> list[str]:
    """The digest's lists of missing and late units, as the parent reads them."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph.strip().startswith("Đơn vị"):
            lines.extend(paragraph.strip().splitlines())
    return lines


def _wait_report(
    reporter: str, directive_id: str, unit_id: str, requirement: str, headers: dict[str, str]
) -> dict:
    """The latest version of a report chidao files by itself, once it is there."""
    url = f"{reporter}/api/submissions/{directive_id}/{unit_id}/{requirement}"
    found: dict = {}

    def filed() -> bool:
        response = httpx.get(url, timeout=5, headers=headers)
        if response.status_code == 200:
            found.update(response.json()["versions"][-1])
        return bool(found)

    wait_until(filed, 30, f"the report of {unit_id} on {directive_id}")
    return found


def _submit(
    reporter: str, directive_id: str, unit_id: str, values: dict, requirement: str = "r1"
) -> None:
    receipt = call(
        "POST",
        f"{reporter}/api/submissions",
        json={
            "directive_id": directive_id,
            "unit_id": unit_id,
            "requirement_id": requirement,
            "values": values,
        },
        headers=clerk_of(unit_id),
    ).json()
    received = datetime.fromisoformat(receipt["received_at"])
    status = "on time" if receipt["on_time"] else "LATE"
    version = f" (version {receipt['version']})" if receipt["version"] > 1 else ""
    say(f"   {unit_id:<30} received {format_instant(received)}  {status}{version}")
