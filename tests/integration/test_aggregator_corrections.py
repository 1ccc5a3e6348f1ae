"""A directive corrected (đính chính) or replaced (thay thế) by its issuer, on the
aggregator, in this process on a real nats-server, fed the events the issuer and the
reporter publish.

Đảng ủy A issued D to its chi bộ 1, 2 and 3, due two days ago; chi bộ 3 reported on
time, 1 and 2 are overdue. Correction 1 moves the deadline ten days ahead, takes chi bộ
2 (not reported) and 3 (reported) off and adds chi bộ 4, each assignment published
again as the issuer does before the correction itself; correction 2 changes the title.
Chi bộ 1 then reports, on time by the new deadline. Correction 1 and an assignment as
issued come again afterwards (a redelivery): nothing changes. Đảng ủy Khối Thử's P,
which Đảng ủy A implements with E (approved by itself before P's deadline), is
corrected too, and so is its Q, taking Đảng ủy A off (its chi bộ 1 stays). Đảng ủy A
replaces OLD (chi bộ 1 reported under it) by NEW, and chi bộ 1's own plan implements
OLD; it recalls REC, still due."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import lxml.html
import nats
import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.aggregator.adapters.directives import corrections_key, replaces_key
from services.aggregator.app import create_service
from services.aggregator.domain.approval import AutoApproval
from shared import subjects, topology
from shared.auth.tokens import ApiToken, new_secret, token_hash, write_token
from shared.clock import VN_TZ
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Change,
    Correction,
    Directive,
    DirectiveCorrected,
    DirectiveIssued,
    DirectiveRecalled,
    Recall,
    ReportingRequirement,
    ReportSubmitted,
    Submission,
    Unit,
)
from shared.forms import DEFAULT_FORM, builtin
from shared.settings import Settings
from shared.vietnamese import format_instant
from shared.web import CSRF_FIELD
from tests.accounts import add_account_async
from tests.inprocess import Running, anonymous_client, serving
from tests.support import eventually, handled_up_to

pytestmark = pytest.mark.integration

TOP, COMMITTEE = "duk-top", "du-a"
CB1, CB2, CB3, CB4 = (f"{COMMITTEE}-cb{i}" for i in (1, 2, 3, 4))
UNITS = [
    Unit(id=TOP, name="Đảng ủy Khối Thử", kind="bloc_committee"),
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee", parent=TOP),
    *(
        Unit(id=cb, name=f"Chi bộ số {i}", kind="chi_bo", parent=COMMITTEE)
        for i, cb in enumerate((CB1, CB2, CB3, CB4), start=1)
    ),
]
ACCOUNTS = {
    "lanhdao.a": (COMMITTEE, "lanh_dao"),
    "chuyenvien.a": (COMMITTEE, "chuyen_vien"),
}
NOW = datetime.now(VN_TZ).replace(microsecond=0)
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0)
DUE = MIDNIGHT - timedelta(days=2)  # D's deadline as issued: passed
LATER = MIDNIGHT + timedelta(days=10)  # as corrected
ISSUED_AT = NOW - timedelta(days=20)
CORRECTED_AT = NOW - timedelta(hours=1)
BY = "Lê Quang Thành (lanhdao.a)"
REASON = "Ghi nhầm thời hạn <b>báo cáo</b> & đơn vị thực hiện"
TITLE_2 = "Triển khai đợt sinh hoạt chính trị năm 2025"
CHANGE = Change(
    label="Hạn báo cáo “Báo cáo kết quả thực hiện”",
    before="trước ngày 01/01/2025 <i>cũ</i>",
    after="trước ngày 11/01/2025",
)
P_DUE, P_LATER = MIDNIGHT + timedelta(days=5), MIDNIGHT + timedelta(days=8)


def _requirement(due: datetime, auto: bool = False) -> ReportingRequirement:
    return ReportingRequirement(
        id="r1", action="báo cáo kết quả thực hiện", due_before=due, form=DEFAULT_FORM,
        auto_approve=auto,
    )  # fmt: skip


def _issued(
    ref: str, unit: str, due: datetime, parents: tuple[str, ...] = (), auto: bool = False
) -> DirectiveIssued:
    directive = Directive(
        kind="KH", ref=ref, issued_on=ISSUED_AT.date(), place="Hưng Yên", issuer_unit=unit,
        issuer={TOP: "Đảng ủy Khối Thử", COMMITTEE: "Đảng ủy A"}.get(unit, "Chi bộ số 1"),
        title="Triển khai đợt sinh hoạt chính trị", requirements=[_requirement(due, auto)],
    )  # fmt: skip
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id), occurred_at=ISSUED_AT,
        directive_id=directive.id, directive=directive, assignment_count=0,
        parents=list(parents), forms={DEFAULT_FORM: builtin()[DEFAULT_FORM]},
    )  # fmt: skip


D = _issued("101-KH/ĐU", COMMITTEE, DUE)
P = _issued("9-KH/ĐUK", TOP, P_DUE)
E = _issued("102-KH/ĐU", COMMITTEE, P_DUE, (P.directive_id,), auto=True)
OLD = _issued("103-KH/ĐU", COMMITTEE, LATER)
NEW = _issued("104-KH/ĐU", COMMITTEE, LATER)
PLAN = _issued("5-KH/CB", CB1, LATER, (OLD.directive_id,))
REC = _issued("105-KH/ĐU", COMMITTEE, LATER)
Q = _issued("10-KH/ĐUK", TOP, DUE)


def _corrected(issued: DirectiveIssued, title: str | None, due: datetime | None) -> Directive:
    d = issued.directive
    requirements = [_requirement(due)] if due else d.requirements
    return d.model_copy(update={"title": title or d.title, "requirements": requirements})


async def _publish(js: JetStreamContext, stream: str, subject: str, event, msg_id: str = ""):
    data = event.model_dump_json(by_alias=True).encode()
    headers = {"Nats-Msg-Id": msg_id or event.event_id}
    return await js.publish(subject, data, stream=stream, headers=headers)


async def _assign(
    js: JetStreamContext,
    d: Directive,
    unit: str,
    correction: int = 0,
    cancelled: bool = False,
    msg_id: str = "",
):
    a = Assignment(
        directive_id=d.id, directive_kind=d.kind, directive_ref=d.ref,
        directive_title=d.title, directive_issued_on=d.issued_on, issuer_unit=d.issuer_unit,
        issuer=d.issuer, unit_id=unit, requirement=d.requirements[0], assigned_at=ISSUED_AT,
        correction=correction, added_in=correction if unit == CB4 else 0, cancelled=cancelled,
    )  # fmt: skip
    event = AssignmentCreated(
        event_id=subjects.assignment_created_id(d.id, unit, "r1", correction),
        occurred_at=NOW,
        assignment=a,
    )
    subject = subjects.assignment_created(d.id, unit, "r1")
    return await _publish(js, topology.ASSIGNMENTS.name, subject, event, msg_id)


async def _issue(js: JetStreamContext, issued: DirectiveIssued, *units: str) -> None:
    subject = subjects.directive_issued(issued.directive_id)
    await _publish(js, topology.DIRECTIVES.name, subject, issued)
    for unit in units:
        await _assign(js, issued.directive, unit)


async def _report(js: JetStreamContext, directive_id: str, unit: str, at: datetime, due: datetime):
    submission = Submission(
        directive_id=directive_id, unit_id=unit, requirement_id="r1", values={"sessions": 2},
        version=1, received_at=at, first_received_at=at, due_before=due, on_time=at < due,
    )  # fmt: skip
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(directive_id, unit, "r1", 1),
        occurred_at=at,
        submission=submission,
    )
    subject = subjects.report_submitted(directive_id, unit, "r1")
    return await _publish(js, topology.REPORTS.name, subject, event)


def _correction(
    issued: DirectiveIssued,
    number: int,
    directive: Directive,
    added: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
    implementing: tuple[str, ...] = (),
) -> DirectiveCorrected:
    correction = Correction(
        number=number, reason=REASON, corrected_at=CORRECTED_AT + timedelta(minutes=number),
        corrected_by=BY, changes=[CHANGE], added=list(added), removed=list(removed),
    )  # fmt: skip
    return DirectiveCorrected(
        event_id=subjects.directive_corrected_id(issued.directive_id, number),
        occurred_at=correction.corrected_at, directive_id=issued.directive_id,
        directive=directive, correction=correction, implementing=list(implementing),
    )  # fmt: skip


async def correct(js: JetStreamContext, event: DirectiveCorrected, msg_id: str = ""):
    subject = subjects.directive_corrected(event.directive_id)
    return await _publish(js, topology.DIRECTIVES.name, subject, event, msg_id)


def _recall(issued: DirectiveIssued, by: DirectiveIssued | None = None) -> DirectiveRecalled:
    recall = Recall(
        reason="Ban hành văn bản mới thay thế", recalled_at=CORRECTED_AT, recalled_by=BY,
        replaced_by=by.directive_id if by else None,
        replaced_by_ref=by.directive.ref if by else None,
    )  # fmt: skip
    return DirectiveRecalled(
        event_id=subjects.directive_recalled_id(issued.directive_id), occurred_at=CORRECTED_AT,
        directive_id=issued.directive_id, directive=issued.directive, recall=recall,
    )  # fmt: skip


async def recall(js: JetStreamContext, event: DirectiveRecalled, msg_id: str = ""):
    subject = subjects.directive_recalled(event.directive_id)
    return await _publish(js, topology.DIRECTIVES.name, subject, event, msg_id)


async def _token(js: JetStreamContext, username: str) -> dict[str, str]:
    secret = new_secret()
    token = ApiToken(
        token_id=token_hash(secret)[:12],
        username=username,
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    await write_token(js, token_hash(secret), token)
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Site:
    running: Running
    js: JetStreamContext
    staff: httpx.AsyncClient
    tokens: dict[str, dict[str, str]]
    before: dict[str, str] = field(default_factory=dict)  # D's pages before its correction
    # D's synthesis and the lateness ranking once corrected, before chi bộ 1 reports
    corrected: dict[str, Any] = field(default_factory=dict)

    @property
    def http(self) -> httpx.AsyncClient:
        return self.running.http

    @property
    def deps(self):
        return self.running.service.deps

    async def page(self, path: str, who: str | None = None) -> str:
        if who is None:
            answer = await self.http.get(path)
        else:
            self.staff.cookies.clear()
            answer = await self.staff.get(path, headers=self.tokens[who])
        assert answer.status_code == 200, answer.text[-2000:]
        return answer.text

    async def totals(self, issued: DirectiveIssued) -> dict:
        return (await self.synthesis(issued))["requirements"][0]["totals"]

    async def synthesis(self, issued: DirectiveIssued) -> dict:
        answer = await self.http.get(f"/api/directives/{issued.directive_id}/synthesis")
        assert answer.status_code == 200, answer.text
        return answer.json()


async def _caught_up(js: JetStreamContext, spec: topology.ConsumerSpec, seq: int) -> bool:
    return await handled_up_to(js, spec.stream, spec.durable, seq)


async def _rolled_up(s: Site, issued: DirectiveIssued, expected: int, submitted: int) -> None:
    async def reached() -> bool:
        root = await s.deps.rollup.get(issued.directive_id, "r1", issued.directive.issuer_unit)
        return root is not None and (root.totals.expected, root.totals.submitted) == (
            expected,
            submitted,
        )

    await eventually(reached, 30, f"{issued.directive.ref} rolled up to {expected}/{submitted}")


async def _kept(s: Site, issued: DirectiveIssued, number: int) -> bool:
    kept = await s.deps.book.corrections(issued.directive_id)
    return kept is not None and number in [c.number for c in kept.corrections]


@pytest_asyncio.fixture(scope="module")
async def site(nats_url) -> AsyncIterator[Site]:
    settings = Settings(nats_url=nats_url)
    async with serving(create_service, settings, UNITS) as running:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        async with anonymous_client(running.service) as staff:
            tokens = {}
            for username, (unit, roles) in ACCOUNTS.items():
                await add_account_async(nats_url, username, unit, roles)
                tokens[username] = await _token(js, username)
            s = Site(running, js, staff, tokens)
            await _campaign(s)
            yield s
        await nc.close()


async def _campaign(s: Site) -> None:
    await _issue(s.js, D, CB1, CB2, CB3)
    await _report(s.js, D.directive_id, CB3, DUE - timedelta(days=1), DUE)
    await _rolled_up(s, D, 3, 1)
    s.before = {
        "page": await s.page(f"/directives/{D.directive_id}", "lanhdao.a"),
        "lateness": await s.page(f"/units/lateness?unit={COMMITTEE}"),
    }
    await _correct_d(s)
    s.corrected = {
        "synthesis": await s.synthesis(D),
        "lateness": await s.page(f"/units/lateness?unit={COMMITTEE}"),
    }
    ack = await _report(s.js, D.directive_id, CB1, NOW, LATER)  # on time by the new deadline
    spec = topology.AGGREGATOR_REPORTS
    await eventually(lambda: _caught_up(s.js, spec, ack.seq), 20, "chi bộ 1's report")
    await _basis_corrected(s)
    await _replaced(s)
    await _committee_taken_off(s)


async def _correct_d(s: Site) -> None:
    """As the issuer does: the assignments again, then the correction."""
    first = _corrected(D, None, LATER)
    for unit, cancelled in ((CB1, False), (CB2, True), (CB3, True), (CB4, False)):
        ack = await _assign(s.js, first, unit, correction=1, cancelled=cancelled)
    await correct(s.js, _correction(D, 1, first, added=(CB4,), removed=(CB2, CB3)))
    await eventually(lambda: _kept(s, D, 1), what="correction 1 kept")
    # every assignment as corrected applied (the totals alone were 3/1 before as well)
    spec = topology.AGGREGATOR_ASSIGNMENTS
    await eventually(lambda: _caught_up(s.js, spec, ack.seq), 20, "the assignments again")
    await correct(s.js, _correction(D, 2, _corrected(D, TITLE_2, LATER)))
    await eventually(lambda: _kept(s, D, 2), what="correction 2 kept")


async def _basis_corrected(s: Site) -> None:
    await _issue(s.js, P, COMMITTEE)
    await _issue(s.js, E, CB1)
    await _rolled_up(s, E, 1, 0)
    await _rolled_up(s, P, 1, 0)
    corrected = _corrected(P, None, P_LATER)
    await _assign(s.js, corrected, COMMITTEE, correction=1)
    await correct(s.js, _correction(P, 1, corrected, implementing=(E.directive_id,)))
    await eventually(lambda: _kept(s, P, 1), what="P's correction kept")


async def _replaced(s: Site) -> None:
    await _issue(s.js, OLD, CB1, CB2)
    await _issue(s.js, NEW, CB1, CB2)
    await _issue(s.js, PLAN)
    await _issue(s.js, REC, CB1)
    await _report(s.js, OLD.directive_id, CB1, NOW, LATER)
    await _rolled_up(s, OLD, 2, 1)
    await _rolled_up(s, REC, 1, 0)
    await recall(s.js, _recall(OLD, by=NEW))
    ack = await recall(s.js, _recall(REC))
    spec = topology.AGGREGATOR_RECALLS
    await eventually(lambda: _caught_up(s.js, spec, ack.seq), 20, "the recalls")


async def _committee_taken_off(s: Site) -> None:
    """Q asks Đảng ủy A and its chi bộ 1 each for a report, overdue; a correction takes
    Đảng ủy A off (chi bộ 1 stays)."""
    await _issue(s.js, Q, COMMITTEE, CB1)
    await _rolled_up(s, Q, 2, 0)
    ack = await _assign(s.js, Q.directive, COMMITTEE, correction=1, cancelled=True)
    await correct(s.js, _correction(Q, 1, Q.directive, removed=(COMMITTEE,)))
    spec = topology.AGGREGATOR_ASSIGNMENTS
    await eventually(lambda: _caught_up(s.js, spec, ack.seq), 20, "Q's assignment again")
    await eventually(lambda: _kept(s, Q, 1), what="Q's correction kept")


def _tree(page: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _row(page: str, unit: str) -> str:
    [row] = _tree(page).xpath(f"//section[@aria-labelledby='req-r1']//tr[@data-unit='{unit}']")
    return _text(row)


def _ranked(page: str) -> list[str]:
    return re.findall(r'class="rank-name">([^<]+)<', page)


# -- (a) a deadline moved later ---------------------------------------------------------------


async def test_a_unit_overdue_before_the_correction_is_not_after_it(site):
    assert "Quá hạn chưa nộp" in _row(site.before["page"], CB1)  # by the deadline as issued
    assert "Chi bộ số 1" in _ranked(site.before["lateness"])
    totals = site.corrected["synthesis"]["requirements"][0]["totals"]
    assert (totals["overdue"], totals["pending"], totals["missing"]) == (0, 2, 2)
    assert _ranked(site.corrected["lateness"]) == []
    node = await site.deps.rollup.get(D.directive_id, "r1", CB4)
    assert node is not None and node.own is not None and node.own.due == LATER


async def test_its_later_report_is_on_time_by_the_corrected_deadline(site):
    totals = await site.totals(D)
    assert (totals["submitted"], totals["on_time"], totals["late"]) == (2, 2, 0)
    assert "Đã nộp đúng hạn" in _row(await site.page(f"/directives/{D.directive_id}"), CB1)
    [r] = (await site.synthesis(D))["requirements"]
    assert r["due_before"] == LATER.isoformat()  # the directive as corrected


# -- (b) units taken off ----------------------------------------------------------------------


async def test_a_unit_taken_off_before_it_reported_counts_for_nothing(site):
    before = site.before["page"]
    assert "Quá hạn chưa nộp" in _row(before, CB2)
    [r] = site.corrected["synthesis"]["requirements"]
    # chi bộ 1 and 4 expected and missing; 3 reported; 2 nowhere
    assert (r["totals"]["expected"], r["totals"]["submitted"]) == (3, 1)
    assert [m["unit_id"] for m in r["missing"]] == [CB1, CB4]
    page = await site.page(f"/directives/{D.directive_id}", "lanhdao.a")
    row = _row(page, CB2)
    assert "Không còn phải báo cáo (đính chính lần 1)" in row
    assert "Quá hạn" not in row and "Chưa đến hạn" not in row
    assert "Chi bộ số 2" not in _ranked(await site.page(f"/units/lateness?unit={COMMITTEE}"))


async def test_a_unit_taken_off_with_units_below_is_neither_missing_nor_late(site):
    """Đảng ủy A, taken off Q, still passes chi bộ 1's report up: its node is walked,
    its own part owes nothing."""
    [r] = (await site.synthesis(Q))["requirements"]
    assert [m["unit_id"] for m in r["missing"]] == [CB1]
    assert (r["totals"]["expected"], r["totals"]["overdue"]) == (1, 1)
    ranked = _ranked(await site.page(f"/units/lateness?unit={TOP}"))
    assert "Chi bộ số 1" in ranked and "Đảng ủy A" not in ranked


async def test_a_unit_taken_off_after_it_reported_stays_counted(site):
    [r] = (await site.synthesis(D))["requirements"]
    assert CB3 in [u["unit_id"] for u in r["on_time"]]
    assert r["totals"]["expected"] == 3 and r["totals"]["on_time"] == 2
    row = _row(await site.page(f"/directives/{D.directive_id}"), CB3)
    assert "Đã nộp đúng hạn" in row and "Không còn phải báo cáo (đính chính lần 1)" in row


async def test_an_older_assignment_or_correction_delivered_again_changes_nothing(site):
    deps, js = site.deps, site.js
    nodes = [await deps.rollup.get(D.directive_id, "r1", u) for u in (COMMITTEE, CB2)]
    kv = await js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name)
    kept = await kv.get(corrections_key(D.directive_id))
    # chi bộ 2's assignment as issued, and correction 1, after correction 2 (new message ids)
    ack = await _assign(js, D.directive, CB2, msg_id="assigned-again")
    first = _correction(D, 1, _corrected(D, None, LATER), added=(CB4,), removed=(CB2, CB3))
    again = await correct(js, first, msg_id="corrected-again")
    for spec, seq in ((topology.AGGREGATOR_ASSIGNMENTS, ack.seq),
                      (topology.AGGREGATOR_CORRECTIONS, again.seq)):  # fmt: skip
        await eventually(lambda s=spec, q=seq: _caught_up(js, s, q), 20, spec.durable)
    assert [await deps.rollup.get(D.directive_id, "r1", u) for u in (COMMITTEE, CB2)] == nodes
    entry = await kv.get(corrections_key(D.directive_id))
    assert (entry.revision, entry.value) == (kept.revision, kept.value)
    issued = await deps.book.get(D.directive_id)
    assert issued is not None and issued.directive.title == TITLE_2  # still correction 2's
    # correction 3 of Q consumed before its correction 2 (out of order): both are listed,
    # Q stays as the newest left it
    for number in (3, 2):
        ack = await correct(js, _correction(Q, number, _corrected(Q, f"Tiêu đề {number}", None)))
    await eventually(lambda: _caught_up(js, topology.AGGREGATOR_CORRECTIONS, ack.seq), 20, "Q")
    q = await deps.book.corrections(Q.directive_id)
    assert q is not None and [c.number for c in q.corrections] == [1, 2, 3]
    assert (q.number, q.directive.title) == (3, "Tiêu đề 3")
    # what is kept beside the directives is not one
    assert D.directive_id in await deps.book.ids()
    assert not [i for i in await deps.book.ids() if "." in i]


# -- (c) the directive page, and the pages of what implements it ------------------------------


async def test_the_directive_page_lists_its_corrections(site):
    tree = _tree(await site.page(f"/directives/{D.directive_id}", "chuyenvien.a"))
    assert TITLE_2 in _text(tree.xpath("//p[contains(@class, 'doc-title')]")[0])
    [section] = tree.xpath("//section[@id='corrections']")
    assert section.xpath(".//h2")[0].text == "Đính chính"
    first, second = section.xpath(".//article[contains(@class, 'correction')]")
    at = format_instant(CORRECTED_AT + timedelta(minutes=1))
    assert _text(first.xpath(".//h3")[0]) == f"Đính chính lần 1 — lúc {at}, người đính chính: {BY}"
    assert f"Lý do: {REASON}" in _text(first)  # the markup as typed, not tags
    assert first.xpath(".//b | .//i") == []
    header = [_text(th) for th in first.xpath(".//table//thead//th")]
    assert header == ["Nội dung", "Trước", "Sau"]
    [row] = first.xpath(".//table//tbody/tr")
    assert [_text(c) for c in row] == [CHANGE.label, CHANGE.before, CHANGE.after]
    assert "Đơn vị được giao thêm: Chi bộ số 4." in _text(first)
    assert "Đơn vị không còn phải thực hiện: Chi bộ số 2, Chi bộ số 3." in _text(first)
    assert _text(second.xpath(".//h3")[0]).startswith("Đính chính lần 2 — lúc ")


async def test_a_page_just_corrected_says_so(site):
    page = await site.page(f"/directives/{D.directive_id}?corrected=2", "lanhdao.a")
    [message] = _tree(page).xpath("//*[@id='message']")
    assert _text(message) == (
        "Đã đính chính văn bản (lần 2); các đơn vị đang được thông báo qua thư."
    )
    assert not _tree(await site.page(f"/directives/{D.directive_id}")).xpath("//*[@id='message']")


async def test_a_directive_implementing_a_corrected_one_is_warned(site):
    day = CORRECTED_AT.astimezone(VN_TZ).strftime("%d/%m/%Y")
    warning = (
        f"Văn bản căn cứ Kế hoạch số 9-KH/ĐUK đã được đính chính (lần 1, ngày {day}): xem "
        "lại văn bản của đơn vị."
    )
    tree = _tree(await site.page(f"/directives/{E.directive_id}", "lanhdao.a"))
    assert [_text(p) for p in tree.xpath("//*[contains(@class, 'basis-corrected')]")] == [warning]
    # P's own page lists the correction, and D implements nothing corrected
    p = _tree(await site.page(f"/directives/{P.directive_id}"))
    assert p.xpath("//section[@id='corrections']") and not p.xpath(
        "//*[contains(@class, 'basis-corrected')]"
    )
    assert not _tree(await site.page(f"/directives/{D.directive_id}")).xpath(
        "//*[contains(@class, 'basis-corrected')]"
    )


async def test_what_approves_by_itself_before_a_corrected_deadline_is_scheduled_again(site):
    subject = subjects.timer("aggregator", "approve", E.directive_id, "r1")

    async def moved() -> bool:
        try:
            msg = await site.js.get_last_msg(topology.TIMERS.name, subject)
        except NotFoundError:
            return False
        return AutoApproval.model_validate_json(msg.data).at == P_LATER - timedelta(hours=1)

    await eventually(moved, 20, "E's approval timer moved to P's corrected deadline")


# -- (d) the forms, for the issuing unit's leader only --------------------------------------


def _form(page: str, action: str) -> list:
    return _tree(page).xpath(f"//form[@method='post'][@action='{action}']")


async def test_the_leader_of_the_issuing_unit_gets_the_correction_form(site):
    page = await site.page(f"/directives/{D.directive_id}", "lanhdao.a")
    [form] = _form(page, f"/directives/{D.directive_id}/correct")
    first = form.xpath(".//input")[0]
    assert (first.get("type"), first.get("name")) == ("hidden", CSRF_FIELD)
    [reason] = form.xpath(".//textarea[@name='reason']")
    assert reason.get("required") is not None
    [title] = form.xpath(".//input[@name='title']")
    assert title.get("value") == TITLE_2
    [due] = form.xpath(".//input[@type='date'][@name='due.r1']")
    assert due.get("value") == LATER.date().isoformat()
    label = form.xpath(f".//label[@for='{due.get('id')}']")[0]
    assert _text(label).startswith("Báo cáo kết quả thực hiện")
    # the units assigned now: chi bộ 1 and 4, not those taken off
    removable = form.xpath(".//input[@type='checkbox'][@name='remove']/@value")
    assert sorted(removable) == [CB1, CB4]
    assert "Chi bộ số 4" in _text(form) and "Chi bộ số 2" not in _text(form)
    assert form.xpath(".//textarea[@name='add']")


async def test_the_leader_gets_the_replacement_form_with_the_unit_s_other_directives(site):
    page = await site.page(f"/directives/{D.directive_id}", "lanhdao.a")
    [form] = _form(page, f"/directives/{D.directive_id}/replace")
    assert form.xpath(".//input")[0].get("name") == CSRF_FIELD
    assert form.xpath(".//textarea[@name='reason'][@required]")
    options = form.xpath(".//select[@name='by']/option/@value")
    # the others issued by Đảng ủy A that stand (OLD and REC were recalled)
    assert sorted(o for o in options if o) == sorted([E.directive_id, NEW.directive_id])


async def test_no_form_for_a_chuyen_vien_nor_on_a_recalled_directive(site):
    staff = await site.page(f"/directives/{D.directive_id}", "chuyenvien.a")
    for action in ("correct", "replace", "recall"):
        assert _form(staff, f"/directives/{D.directive_id}/{action}") == []
    old = await site.page(f"/directives/{OLD.directive_id}", "lanhdao.a")
    for action in ("correct", "replace", "recall"):
        assert _form(old, f"/directives/{OLD.directive_id}/{action}") == []


# -- (e) replaced -----------------------------------------------------------------------------


async def test_the_replaced_directive_links_to_the_new_one(site):
    tree = _tree(await site.page(f"/directives/{OLD.directive_id}", "lanhdao.a"))
    [notice] = tree.xpath("//*[@id='recalled']")
    assert _text(notice.xpath(".//p[@class='headline']")[0]) == (
        "Đã được thay thế bằng văn bản 104-KH/ĐU"
    )
    assert notice.xpath(".//a/@href") == [f"/directives/{NEW.directive_id}"]
    assert f"người thay thế: {BY}" in _text(notice)
    assert "thu hồi" not in _text(notice)


async def test_the_new_directive_links_back_to_the_one_it_replaced(site):
    tree = _tree(await site.page(f"/directives/{NEW.directive_id}", "lanhdao.a"))
    [line] = tree.xpath("//*[@id='replaces']")
    assert _text(line) == "Văn bản này thay thế văn bản Kế hoạch số 103-KH/ĐU."
    assert line.xpath(".//a/@href") == [f"/directives/{OLD.directive_id}"]


async def test_what_implements_the_replaced_one_says_its_basis_was_replaced(site):
    page = _tree(await site.page(f"/directives/{PLAN.directive_id}"))
    [basis] = [_text(p) for p in page.xpath("//*[contains(@class, 'basis-recalled')]")]
    assert basis.startswith(
        "Văn bản căn cứ (Kế hoạch số 103-KH/ĐU) đã được thay thế bằng văn bản 104-KH/ĐU ngày "
    )


async def test_the_replaced_directive_s_documents_and_status_page_say_so(site):
    url = f"/api/directives/{OLD.directive_id}/synthesis"
    s = (await site.http.get(url)).json()
    assert s["directive"]["recalled"]["replaced_by"] == NEW.directive_id
    assert (
        "replaced_by"
        not in (await site.http.get(f"/api/directives/{REC.directive_id}/synthesis")).json()[
            "directive"
        ]["recalled"]
    )
    first = (await site.http.get(url, params={"format": "md"})).text.splitlines()[0]
    assert first.startswith("**Văn bản đã được thay thế bằng văn bản 104-KH/ĐU ngày ")
    status = _tree(await site.page(f"/directives/{OLD.directive_id}/status"))
    [notice] = status.xpath("//*[@id='recalled']")
    assert notice.xpath(".//a/@href") == [f"/directives/{NEW.directive_id}"]


async def test_a_replacement_delivered_again_keeps_one_way_back(site):
    kv = await site.js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name)
    kept = await kv.get(replaces_key(NEW.directive_id))
    ack = await recall(site.js, _recall(OLD, by=NEW), msg_id="recalled-again")
    await eventually(lambda: _caught_up(site.js, topology.AGGREGATOR_RECALLS, ack.seq), 20, "it")
    again = await kv.get(replaces_key(NEW.directive_id))
    assert (again.revision, again.value) == (kept.revision, kept.value)


# -- (f) a recalled directive's rows ----------------------------------------------------------


async def test_a_recalled_directive_s_units_are_never_waiting(site):
    rec = _row(await site.page(f"/directives/{REC.directive_id}", "lanhdao.a"), CB1)
    assert "Đã thu hồi" in rec and "Chưa đến hạn" not in rec
    old = await site.page(f"/directives/{OLD.directive_id}", "lanhdao.a")
    assert "Đã thay thế" in _row(old, CB2) and "Chưa đến hạn" not in _row(old, CB2)
    assert "Đã nộp đúng hạn" in _row(old, CB1)  # a report made under it stays
    # and on the directives standing, a unit still waiting says so
    assert "Chưa đến hạn" in _row(await site.page(f"/directives/{NEW.directive_id}"), CB1)
