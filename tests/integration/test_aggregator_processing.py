"""Each unit's processing status (tình trạng xử lý) on its parent's directive page, in
the national document exchange's words, and days late counted as the requirement's form
counts them, through the aggregator's real subscribers on a real nats-server, fed the
events the notifier and the reporter publish.

Đảng ủy A issued D to its nine chi bộ, due two days ago: chi bộ 1 was not mailed yet, 2's
mail was accepted by its server, 3 opened its link, 4 confirmed "Đã nhận" (and opened it
later), 5 saved a draft, 6 asked for more time, 7, 8 and 9 reported (8's accepted,
9's returned). Its M, due in ten days, assigns chi bộ 1 alone, which a test walks through
mailed, drafted (twice: the first counts), reported and accepted. Its R, recalled, had
mailed chi bộ 1, chi bộ 2 reported under it, and a correction took chi bộ 3 off.

Đảng ủy B issued W, whose form counts days late in working days, and C, counting them in
calendar days, both due before 17:00 on Friday 24/01/2025, the last working day before Tết
Ất Tỵ; Tuesday 04/02/2025 is a day off the operator loaded. Its chi bộ 1 reported under
both on Monday 03/02 (1 working day late, 10 calendar days), chi bộ 2 under W on Wednesday
05/02 (2 working days: 3 on the statutory calendar alone), chi bộ 3 under C on Monday."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import lxml.html
import nats
import pytest
import pytest_asyncio
from nats.js import JetStreamContext

from services.aggregator.app import create_service
from shared import subjects, topology
from shared.clock import VN_TZ
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    DirectiveRecalled,
    Extension,
    ExtensionChanged,
    Extensions,
    Recall,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
    Review,
    Submission,
    Unit,
    UnitContacted,
)
from shared.forms import DEFAULT_FORM, Form, builtin
from shared.settings import Settings
from shared.vietnamese import format_instant
from shared.workdays import WorkCalendar, store_calendar
from tests.inprocess import Running, serving
from tests.support import eventually, handled_up_to

pytestmark = pytest.mark.integration

A, B = "du-a", "du-b"
CB = {i: f"{A}-cb{i}" for i in range(1, 10)}
B1, B2, B3 = (f"{B}-cb{i}" for i in (1, 2, 3))
UNITS = [
    Unit(id=A, name="Đảng ủy A", kind="grassroots_committee"),
    *(Unit(id=u, name=f"Chi bộ số {i}", kind="chi_bo", parent=A) for i, u in CB.items()),
    Unit(id=B, name="Đảng ủy B", kind="grassroots_committee"),
    *(
        Unit(id=u, name=f"Chi bộ khu {i}", kind="chi_bo", parent=B)
        for i, u in enumerate((B1, B2, B3), start=1)
    ),
]

NOW = datetime.now(VN_TZ).replace(microsecond=0)
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0)
DUE = MIDNIGHT - timedelta(days=2)  # D's deadline: passed
LATER = MIDNIGHT + timedelta(days=10)  # M's: ahead
BASE = MIDNIGHT - timedelta(days=9)
ISSUED_AT = BASE - timedelta(days=1)


def at(day: int, hour: int, minute: int) -> datetime:
    return BASE + timedelta(days=day, hours=hour, minutes=minute)


MAILED = at(0, 8, 5)
OPENED = {3: at(1, 10, 15), 4: at(2, 14, 0), 5: at(1, 8, 30), 6: at(1, 9, 0)}
CONFIRMED = at(1, 9, 40)  # chi bộ 4, before it opened its link
DRAFTED = at(2, 16, 20)  # chi bộ 5's draft
ASKED = at(2, 11, 0)  # chi bộ 6's request for more time
REPORTED = {7: at(3, 15, 0), 8: at(4, 9, 0), 9: DUE + timedelta(hours=9)}

# W and C: calendar or working days
W_DUE = datetime.fromisoformat("2025-01-24T17:00:00+07:00")
MONDAY = datetime.fromisoformat("2025-02-03T09:30:00+07:00")
WEDNESDAY = datetime.fromisoformat("2025-02-05T10:00:00+07:00")
DAY_OFF = WorkCalendar(days_off={date(2025, 2, 4): "Nghỉ bù (thông báo của tỉnh)"})
WORKING_FORM = builtin()[DEFAULT_FORM].model_copy(
    update={"id": "sinh-hoat-ngay-lam-viec", "days_late": "working"}
)
CALENDAR_FORM = builtin()[DEFAULT_FORM]


def _issued(ref: str, unit: str, due: datetime, form: Form, issued: datetime) -> DirectiveIssued:
    requirement = ReportingRequirement(
        id="r1", action="báo cáo kết quả thực hiện", due_before=due, form=form.id
    )
    directive = Directive(
        kind="KH", ref=ref, issued_on=issued.date(), place="Hưng Yên", issuer_unit=unit,
        issuer={A: "Đảng ủy A", B: "Đảng ủy B"}[unit],
        title="Triển khai đợt sinh hoạt chính trị", requirements=[requirement],
    )  # fmt: skip
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id), occurred_at=issued,
        directive_id=directive.id, directive=directive, assignment_count=0,
        forms={form.id: form},
    )  # fmt: skip


D = _issued("201-KH/ĐU", A, DUE, CALENDAR_FORM, ISSUED_AT)
M = _issued("202-KH/ĐU", A, LATER, CALENDAR_FORM, ISSUED_AT)
R = _issued("203-KH/ĐU", A, LATER, CALENDAR_FORM, ISSUED_AT)
W_ISSUED = datetime.fromisoformat("2025-01-10T08:00:00+07:00")
W = _issued("11-KH/ĐU", B, W_DUE, WORKING_FORM, W_ISSUED)
C = _issued("12-KH/ĐU", B, W_DUE, CALENDAR_FORM, W_ISSUED)


@dataclass
class Site:
    running: Running
    js: JetStreamContext
    # the stream sequence of the last event published for each aggregator consumer
    last: dict[str, int] = field(default_factory=dict)

    async def publish(self, spec: topology.ConsumerSpec, subject: str, event, msg_id: str = ""):
        data = event.model_dump_json(by_alias=True).encode()
        headers = {"Nats-Msg-Id": msg_id or event.event_id}
        ack = await self.js.publish(subject, data, stream=spec.stream, headers=headers)
        self.last[spec.durable] = max(self.last.get(spec.durable, 0), ack.seq)

    async def settled(self) -> None:
        """Every event published so far applied by the consumer it is for."""
        specs = {
            s.durable: s
            for s in (
                topology.AGGREGATOR_DIRECTIVES, topology.AGGREGATOR_ASSIGNMENTS,
                topology.AGGREGATOR_CONTACTS, topology.AGGREGATOR_REPORTS,
                topology.AGGREGATOR_REVIEWS, topology.AGGREGATOR_EXTENSIONS,
                topology.AGGREGATOR_RECALLS,
            )
        }  # fmt: skip
        for durable, seq in self.last.items():
            spec = specs[durable]

            await eventually(
                lambda spec=spec, seq=seq: handled_up_to(self.js, spec.stream, spec.durable, seq),
                30,
                f"{durable} caught up to {seq}",
            )

    async def page(self, path: str, **params: str) -> str:
        answer = await self.running.http.get(path, params=params)
        assert answer.status_code == 200, answer.text[-2000:]
        return answer.text

    async def issue(self, issued: DirectiveIssued, *units: str) -> None:
        subject = subjects.directive_issued(issued.directive_id)
        await self.publish(topology.AGGREGATOR_DIRECTIVES, subject, issued)
        for unit in units:
            await self.assign(issued, unit)

    async def assign(
        self, issued: DirectiveIssued, unit: str, correction: int = 0, cancelled: bool = False
    ) -> None:
        """As the issuer assigns it, or a correction publishes it again (taking it off)."""
        d = issued.directive
        a = Assignment(
            directive_id=d.id, directive_kind=d.kind, directive_ref=d.ref,
            directive_title=d.title, directive_issued_on=d.issued_on,
            issuer_unit=d.issuer_unit, issuer=d.issuer, unit_id=unit,
            requirement=d.requirements[0], assigned_at=issued.occurred_at,
            correction=correction, cancelled=cancelled,
        )  # fmt: skip
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(d.id, unit, "r1", correction),
            occurred_at=issued.occurred_at,
            assignment=a,
        )
        subject = subjects.assignment_created(d.id, unit, "r1")
        await self.publish(topology.AGGREGATOR_ASSIGNMENTS, subject, event)

    async def recall(self, issued: DirectiveIssued, when: datetime) -> None:
        recall = Recall(
            reason="Ban hành nhầm", recalled_at=when, recalled_by="Lãnh đạo (lanhdao.a)"
        )
        event = DirectiveRecalled(
            event_id=subjects.directive_recalled_id(issued.directive_id), occurred_at=when,
            directive_id=issued.directive_id, directive=issued.directive, recall=recall,
        )  # fmt: skip
        subject = subjects.directive_recalled(issued.directive_id)
        await self.publish(topology.AGGREGATOR_RECALLS, subject, event)

    async def contact(self, how: str, d: DirectiveIssued, unit: str, when: datetime) -> None:
        """As the notifier (mailed) and the reporter (opened, received, drafted) tell it;
        ``when`` tells one occasion from another, as a resend's nonce does."""
        ids = (d.directive_id, unit, "r1")
        event = UnitContacted(
            event_id=subjects.contact_id(how, *ids, occasion=when.strftime("%Y%m%d%H%M")),
            occurred_at=when, how=how, directive_id=d.directive_id, unit_id=unit,
            requirement_id="r1", at=when,
        )  # fmt: skip
        await self.publish(topology.AGGREGATOR_CONTACTS, subjects.contact(how, *ids), event)

    async def report(self, d: DirectiveIssued, unit: str, when: datetime) -> None:
        due = d.directive.requirements[0].due_before
        assert due is not None
        submission = Submission(
            directive_id=d.directive_id, unit_id=unit, requirement_id="r1",
            values={"sessions": 2}, version=1, received_at=when, first_received_at=when,
            due_before=due, on_time=when < due,
        )  # fmt: skip
        event = ReportSubmitted(
            event_id=subjects.report_submitted_id(d.directive_id, unit, "r1", 1),
            occurred_at=when,
            submission=submission,
        )
        subject = subjects.report_submitted(d.directive_id, unit, "r1")
        await self.publish(topology.AGGREGATOR_REPORTS, subject, event)

    async def review(self, d: DirectiveIssued, unit: str, decision: str, when: datetime) -> None:
        review = Review(
            directive_id=d.directive_id, unit_id=unit, requirement_id="r1", version=1,
            decision=decision, reason="" if decision == "accepted" else "Thiếu số liệu.",
            reviewed_at=when,
        )  # fmt: skip
        event = ReportReviewed(
            event_id=subjects.report_reviewed_id(d.directive_id, unit, "r1", 1, decision, 0),
            occurred_at=when,
            review=review,
        )
        subject = subjects.report_reviewed(d.directive_id, unit, "r1")
        await self.publish(topology.AGGREGATOR_REVIEWS, subject, event)

    async def ask_more_time(self, d: DirectiveIssued, unit: str, when: datetime) -> None:
        request = Extension(
            number=1, previous_due=DUE, requested_due=LATER, asked_at=when,
            reason="Chi bộ đang chuẩn bị đại hội, chưa kịp tổng hợp số liệu.",
        )  # fmt: skip
        story = Extensions(
            directive_id=d.directive_id, unit_id=unit, requirement_id="r1", original_due=DUE,
            requests=[request],
        )  # fmt: skip
        event = ExtensionChanged(
            event_id=subjects.extension_id(d.directive_id, unit, "r1", 1, "pending"),
            occurred_at=when,
            extensions=story,
        )
        subject = subjects.extension(d.directive_id, unit, "r1")
        await self.publish(topology.AGGREGATOR_EXTENSIONS, subject, event)


@pytest_asyncio.fixture(scope="module")
async def site(nats_url) -> AsyncIterator[Site]:
    settings = Settings(nats_url=nats_url)
    async with serving(create_service, settings, UNITS) as running:
        nc = await nats.connect(nats_url)
        s = Site(running, nc.jetstream())
        await store_calendar(s.js, DAY_OFF)  # as `chidao calendar load` does, before any count
        await _campaign_d(s)
        await s.issue(M, CB[1])
        await _campaign_r(s)
        await _campaign_b(s)
        await s.settled()
        yield s
        await nc.close()


async def _campaign_d(s: Site) -> None:
    await s.issue(D, *CB.values())
    for i in range(2, 10):
        await s.contact("mailed", D, CB[i], MAILED)
    for i, when in OPENED.items():
        await s.contact("opened", D, CB[i], when)
    await s.contact("received", D, CB[4], CONFIRMED)
    await s.contact("drafted", D, CB[5], DRAFTED)
    await s.ask_more_time(D, CB[6], ASKED)
    for i, when in REPORTED.items():
        await s.report(D, CB[i], when)
    await s.review(D, CB[8], "accepted", REPORTED[8] + timedelta(hours=2))
    await s.review(D, CB[9], "returned", REPORTED[9] + timedelta(hours=2))


async def _campaign_r(s: Site) -> None:
    await s.issue(R, CB[1], CB[2], CB[3])
    await s.contact("mailed", R, CB[1], MAILED)
    await s.report(R, CB[2], REPORTED[7])
    await s.assign(R, CB[3], correction=1, cancelled=True)
    await s.recall(R, at(5, 10, 0))


async def _campaign_b(s: Site) -> None:
    await s.issue(W, B1, B2)
    await s.issue(C, B1, B3)
    await s.report(W, B1, MONDAY)
    await s.report(W, B2, WEDNESDAY)
    await s.report(C, B1, MONDAY)
    await s.report(C, B3, MONDAY)


def _rows(page: str) -> dict[str, lxml.html.HtmlElement]:
    tree = lxml.html.fromstring(page)
    return {tr.get("data-unit"): tr for tr in tree.xpath("//table[@class='units']//tr[@data-unit]")}


def _processing(row: lxml.html.HtmlElement) -> str:
    [cell] = row.xpath("./td[@data-label='Tình trạng xử lý']")
    return cell.text_content().strip()


def _status(row: lxml.html.HtmlElement) -> str:
    [cell] = row.xpath("./td[@data-label='Trạng thái']")
    return " ".join(cell.text_content().split())


def _shown(page: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', page)


def _link(page: str, nav: str, words: str) -> lxml.html.HtmlElement:
    tree = lxml.html.fromstring(page)
    [link] = [
        a
        for a in tree.xpath(f"//nav[@aria-label='{nav}']/a")
        if a.text_content().startswith(f"{words} (")
    ]
    return link


BY_STATUS = "Lọc đơn vị theo trạng thái báo cáo"
BY_PROCESSING = "Lọc đơn vị theo tình trạng xử lý"


async def test_each_unit_reads_its_processing_status_from_when_it_began(site):
    rows = _rows(await site.page(f"/directives/{D.directive_id}"))
    expected = {
        1: "Chưa gửi được",
        2: f"Đã đến — {format_instant(MAILED)}",
        3: f"Đã nhận — {format_instant(OPENED[3])}",
        4: f"Đã nhận — {format_instant(CONFIRMED)}",  # confirmed before it opened its link
        5: f"Đang xử lý — {format_instant(DRAFTED)}",
        6: f"Đang xử lý — {format_instant(ASKED)}",
        7: f"Hoàn thành (chờ duyệt) — {format_instant(REPORTED[7])}",
        8: f"Hoàn thành (đã duyệt) — {format_instant(REPORTED[8])}",
        9: f"Hoàn thành (bị trả lại) — {format_instant(REPORTED[9])}",
    }
    assert {i: _processing(rows[CB[i]]) for i in CB} == expected
    # beside the deadline status, not instead of it: at work on it, and overdue
    assert "Quá hạn chưa nộp" in _status(rows[CB[5]]) and "Quá hạn chưa nộp" in _status(rows[CB[6]])
    assert "Nộp muộn 1 ngày" in _status(rows[CB[9]]) and "Bị trả lại" in _status(rows[CB[9]])


async def test_the_table_says_how_many_units_are_at_each_step(site):
    page = await site.page(f"/directives/{D.directive_id}")
    tree = lxml.html.fromstring(page)
    [summary] = tree.xpath("//p[@class='processing-summary']")
    assert " ".join(summary.text_content().split()) == (
        "Tình trạng xử lý: Chưa gửi được 1 · Đã đến 1 · Đã nhận 2 · Đang xử lý 2 · Hoàn thành 3"
    )
    [table] = tree.xpath("//table[@class='units']")
    assert table.get("aria-describedby") == summary.get("id")
    headers = [th.text_content() for th in table.xpath("./thead//th")]
    assert headers == ["Đơn vị", "Trạng thái", "Tình trạng xử lý", "Thời điểm nộp", "Xem"]
    counts = {a.text_content() for a in tree.xpath(f"//nav[@aria-label='{BY_PROCESSING}']/a")}
    assert counts == {
        "Tất cả (9)", "Chưa gửi được (1)", "Đã đến (1)", "Đã nhận (2)", "Đang xử lý (2)",
        "Hoàn thành (3)",
    }  # fmt: skip


async def test_the_processing_filter_narrows_the_rows_and_keeps_the_other_filter(site):
    path = f"/directives/{D.directive_id}"
    received = await site.page(path, processing="received")
    assert _shown(received) == [CB[3], CB[4]]
    assert _link(received, BY_PROCESSING, "Đã nhận").get("aria-current") == "true"
    assert "tình trạng xử lý: Đã nhận" in received  # the table's caption says so
    # the status filter's links keep the step, and count under it
    overdue = _link(received, BY_STATUS, "Quá hạn chưa nộp")
    assert overdue.get("href") == "?status=overdue&processing=received"
    assert overdue.text_content() == "Quá hạn chưa nộp (2)"
    both = await site.page(path, status="overdue", processing="in_progress")
    assert _shown(both) == [CB[5], CB[6]]
    assert _link(both, BY_PROCESSING, "Hoàn thành").text_content() == "Hoàn thành (0)"
    assert _shown(await site.page(path, processing="completed", status="returned")) == [CB[9]]
    assert len(_shown(await site.page(path, processing="nonsense"))) == 9  # unknown: all


async def test_a_unit_moves_through_the_words_as_it_goes(site):
    path, row = f"/directives/{M.directive_id}", CB[1]
    states = _rows(await site.page(path))
    assert _processing(states[row]) == "Chưa gửi được"
    mailed, drafted, reported = at(8, 8, 0), at(8, 9, 30), at(8, 15, 45)
    steps = [
        (("mailed", mailed), f"Đã đến — {format_instant(mailed)}"),
        (("drafted", drafted), f"Đang xử lý — {format_instant(drafted)}"),
        (("drafted", drafted + timedelta(hours=1)), f"Đang xử lý — {format_instant(drafted)}"),
    ]
    for (how, when), words in steps:
        await site.contact(how, M, row, when)
        await site.settled()
        states = _rows(await site.page(path))
        assert _processing(states[row]) == words, how
        assert "Chưa đến hạn" in _status(states[row])
    await site.report(M, row, reported)
    await site.settled()
    states = _rows(await site.page(path))
    assert _processing(states[row]) == f"Hoàn thành (chờ duyệt) — {format_instant(reported)}"
    await site.review(M, row, "accepted", reported + timedelta(hours=1))
    await site.settled()
    states = _rows(await site.page(path))
    assert _processing(states[row]) == f"Hoàn thành (đã duyệt) — {format_instant(reported)}"
    node = await site.running.service.deps.rollup.get(M.directive_id, "r1", row)
    assert node is not None and node.own is not None and node.own.drafted_at == drafted


async def test_units_of_a_recalled_or_corrected_directive_keep_their_words(site):
    page = await site.page(f"/directives/{R.directive_id}")
    rows = _rows(page)
    assert _processing(rows[CB[1]]) == "Đã thu hồi"  # mailed, but nothing is asked any more
    assert _processing(rows[CB[2]]) == f"Hoàn thành (chờ duyệt) — {format_instant(REPORTED[7])}"
    assert _processing(rows[CB[3]]) == "Không còn phải báo cáo (đính chính lần 1)"
    [summary] = lxml.html.fromstring(page).xpath("//p[@class='processing-summary']")
    assert " ".join(summary.text_content().split()) == (
        "Tình trạng xử lý: Đã đến 0 · Đã nhận 0 · Đang xử lý 0 · Hoàn thành 1"
    )


async def test_the_page_counts_days_late_as_the_form_does(site):
    working = _rows(await site.page(f"/directives/{W.directive_id}"))
    # Friday after 17:00 to Monday: one working day; Tuesday is off on the operator's
    # calendar, so Wednesday is the second (the third on the statutory one alone)
    assert "Nộp muộn 1 ngày làm việc" in _status(working[B1])
    assert "Nộp muộn 2 ngày làm việc" in _status(working[B2])
    synthesis = await site.running.http.get(f"/api/directives/{W.directive_id}/synthesis")
    [r] = synthesis.json()["requirements"]
    assert [(e["unit_id"], e["days_late"]) for e in r["late"]] == [(B1, 1), (B2, 2)]  # the same
    calendar = _rows(await site.page(f"/directives/{C.directive_id}"))
    for unit in (B1, B3):
        assert "Nộp muộn 10 ngày" in _status(calendar[unit])
        assert "ngày làm việc" not in _status(calendar[unit])


async def test_the_lateness_ranking_counts_days_late_as_each_form_does(site):
    page = await site.page("/units/lateness", unit=B)
    tree = lxml.html.fromstring(page)
    average = {}
    for row in tree.xpath("//li[contains(@class, 'rank-row')]"):
        [name] = row.xpath(".//*[contains(@class, 'rank-name')]")
        [dd] = [d for d in row.xpath(".//dl[@class='figures']/div") if "trung bình" in d[0].text]
        average[name.text_content()] = dd[1].text_content()
    assert average == {
        "Chi bộ khu 1": "10 ngày; 1 ngày làm việc",  # late under both, each counted its way
        "Chi bộ khu 2": "2 ngày làm việc",
        "Chi bộ khu 3": "10 ngày",
    }
