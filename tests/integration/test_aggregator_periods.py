"""A recurring requirement on the aggregator's pages, in this process on a real
nats-server, fed the events the issuer and the reporter publish: Đảng ủy A asks its two
chi bộ for a quarterly report (r1, first due 20/03/2025) and a one-off one (r2). On the
aggregator's clock (10/04/2025) Quý I and Quý II are assigned; one chi bộ reported on
Quý I, none on Quý II. The directive's page, the status page and the synthesis page show
Quý II by default and Quý I when asked (``?period=2025-q1``), each with its own counts,
the one-off requirement always; the status and synthesis pages have the trend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import lxml.html
import nats
import pytest
import pytest_asyncio
from nats.js import JetStreamContext

from services.aggregator.app import create_service
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    ReportingRequirement,
    ReportSubmitted,
    Submission,
    Unit,
)
from shared.forms import DEFAULT_FORM, builtin
from shared.periods import instance, periods
from shared.settings import Settings
from tests.inprocess import Running, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

ISSUED = datetime.fromisoformat("2025-02-10T09:00:00+07:00")
CLOCK = "sim:2025-04-10T09:00:00+07:00@1"  # Quý II opened on 20/03, Quý III not yet
COMMITTEE, TOP = "du-a", "duk-top"
CB1, CB2 = "du-a-cb1", "du-a-cb2"
UNITS = [
    Unit(id=TOP, name="Đảng ủy Khối Thử", kind="bloc_committee"),
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee", parent=TOP),
    Unit(id=CB1, name="Chi bộ số 1", kind="chi_bo", parent=COMMITTEE),
    Unit(id=CB2, name="Chi bộ số 2", kind="chi_bo", parent=COMMITTEE),
]
QUARTERLY = ReportingRequirement(
    id="r1",
    action="báo cáo kết quả thực hiện",
    due_before=datetime.fromisoformat("2025-03-20T00:00:00+07:00"),
    recurrence="quarterly",
    form=DEFAULT_FORM,
)
ONCE = ReportingRequirement(
    id="r2",
    action="báo cáo sơ kết",
    due_before=datetime.fromisoformat("2025-05-01T00:00:00+07:00"),
    form=DEFAULT_FORM,
)
Q1, Q2 = (instance(QUARTERLY, p) for p in list(periods(QUARTERLY))[:2])
D = "15-kh-du--du-a"


def _issued() -> DirectiveIssued:
    directive = Directive(
        kind="KH", ref="15-KH/ĐU", issued_on=ISSUED.date(), place="Hưng Yên",
        issuer_unit=COMMITTEE, issuer="Đảng ủy A", title="Báo cáo hằng quý",
        requirements=[QUARTERLY, ONCE],
    )  # fmt: skip
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id),
        occurred_at=ISSUED,
        directive_id=directive.id,
        directive=directive,
        assignment_count=0,
        forms={DEFAULT_FORM: builtin()[DEFAULT_FORM]},
    )


async def _publish(js: JetStreamContext, stream: str, subject: str, event) -> None:
    data = event.model_dump_json(by_alias=True).encode()
    await js.publish(subject, data, stream=stream, headers={"Nats-Msg-Id": event.event_id})


async def _assign(js: JetStreamContext, d: Directive, unit: str, r: ReportingRequirement) -> None:
    # a period is assigned when the one before it is due (the first, at issue)
    at = Q1.due_before if r.id == Q2.id else ISSUED
    assert at is not None
    assignment = Assignment(
        directive_id=D, directive_kind=d.kind, directive_ref=d.ref,
        directive_title=d.title, directive_issued_on=d.issued_on, issuer_unit=d.issuer_unit,
        issuer=d.issuer, unit_id=unit, requirement=r, assigned_at=at,
    )  # fmt: skip
    event = AssignmentCreated(
        event_id=subjects.assignment_created_id(D, unit, r.id),
        occurred_at=at,
        assignment=assignment,
    )
    subject = subjects.assignment_created(D, unit, r.id)
    await _publish(js, topology.ASSIGNMENTS.name, subject, event)


async def _report(js: JetStreamContext, unit: str, r: ReportingRequirement, at: str) -> None:
    received = datetime.fromisoformat(at)
    submission = Submission(
        directive_id=D, unit_id=unit, requirement_id=r.id, values={"sessions": 2},
        version=1, received_at=received, first_received_at=received,
        due_before=r.due_before, on_time=True,
    )  # fmt: skip
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(D, unit, r.id, 1),
        occurred_at=received,
        submission=submission,
    )
    await _publish(js, topology.REPORTS.name, subjects.report_submitted(D, unit, r.id), event)


async def _rolled_up(aggregator: Running) -> bool:
    answer = await aggregator.http.get(f"/api/directives/{D}/synthesis")
    if answer.status_code != 200:
        return False
    totals = {r["id"]: r["totals"] for r in answer.json()["requirements"]}
    want = {Q1.id: (2, 1), Q2.id: (2, 0), ONCE.id: (2, 1)}
    return {k: (t["expected"], t["submitted"]) for k, t in totals.items()} == want


@pytest_asyncio.fixture(scope="module")
async def aggregator(nats_url) -> AsyncIterator[Running]:
    settings = Settings(nats_url=nats_url, clock=CLOCK)
    async with serving(create_service, settings, UNITS) as running:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        issued = _issued()
        assert issued.directive_id == D
        await _publish(js, topology.DIRECTIVES.name, subjects.directive_issued(D), issued)
        for r in (Q1, Q2, ONCE):
            for unit in (CB1, CB2):
                await _assign(js, issued.directive, unit, r)
        await _report(js, CB1, Q1, "2025-03-01T10:00:00+07:00")
        await _report(js, CB2, ONCE, "2025-04-01T10:00:00+07:00")
        await nc.close()
        await eventually(lambda: _rolled_up(running), 30, "both periods rolled up")
        yield running


@dataclass
class Page:
    status: int
    tree: lxml.html.HtmlElement

    def texts(self, xpath: str) -> list[str]:
        return [" ".join(e.text_content().split()) for e in self.tree.xpath(xpath)]

    def periods(self) -> list[tuple[str, bool]]:
        """The period selector's links: (key, current)."""
        links = self.tree.xpath("//nav[@class='periods']/a")
        return [(a.get("data-period"), a.get("aria-current") == "page") for a in links]

    def trend(self) -> dict[str, list[str]]:
        """The trend table: period key -> its cells (the label first)."""
        rows = self.tree.xpath("//table[contains(@class, 'trend')]/tbody/tr")
        return {r.get("data-period"): [" ".join(c.text_content().split()) for c in r] for r in rows}


async def _page(aggregator: Running, path: str, **params: str) -> Page:
    answer = await aggregator.http.get(path, params=params)
    tree = lxml.html.document_fromstring(answer.text or "<html></html>")
    return Page(answer.status_code, tree)


HEADING = "Báo cáo kết quả thực hiện — {}"


def _bars(page: Page, within: str) -> list[str]:
    """The words of the progress bars (console/macros.html.j2) inside ``within``."""
    return page.tree.xpath(f"{within}//figure[@class='progress']/svg/@aria-label")


async def test_the_directive_page_shows_the_latest_period_and_the_first_when_asked(aggregator):
    page = await _page(aggregator, f"/directives/{D}")
    assert page.status == 200
    assert page.periods() == [("2025-q1", False), ("2025-q2", True)]
    headings = page.texts("//section/h2[starts-with(@id, 'req-')]")
    assert headings == [HEADING.format("Quý II/2025"), "Báo cáo sơ kết"]
    assert _bars(page, f"//section[h2/@id='req-{Q2.id}']")[0].startswith("0/2 báo cáo đã nộp")

    first = await _page(aggregator, f"/directives/{D}", period="2025-q1")
    assert first.periods() == [("2025-q1", True), ("2025-q2", False)]
    headings = first.texts("//section/h2[starts-with(@id, 'req-')]")
    assert headings == [HEADING.format("Quý I/2025"), "Báo cáo sơ kết"]
    [bar] = _bars(first, f"//section[h2/@id='req-{Q1.id}']")
    assert bar == "1/2 báo cáo đã nộp: 1 đúng hạn, 0 nộp muộn, 1 quá hạn chưa nộp, 0 chưa đến hạn"
    # the earlier period's report is still there to read, on the reporter's page
    report = f"/reports/{D}/{CB1}/{Q1.id}"
    assert first.tree.xpath(f"//a[@href='{report}']")
    # the filters count the sections shown and keep the period
    filters = first.texts("//nav[@class='filters']/a")
    assert "Đã nộp đúng hạn (2)" in filters  # a Quý I report and the one-off's
    hrefs = first.tree.xpath("//nav[@class='filters']/a/@href")
    assert "?status=on_time&period=2025-q1" in hrefs
    assert first.tree.xpath(f"//a[@href='/directives/{D}/status?period=2025-q1']")


async def test_a_period_the_directive_has_not_is_the_latest_and_a_malformed_one_refused(
    aggregator,
):
    later = await _page(aggregator, f"/directives/{D}", period="2025-q3")  # not open yet
    assert later.status == 200
    assert ("2025-q2", True) in later.periods()
    for path in (f"/directives/{D}", f"/directives/{D}/status", f"/directives/{D}/synthesis"):
        for bad in ("2025-q5", "<b>x</b>", "2025-q1" * 3):
            refused = await _page(aggregator, path, period=bad)
            assert refused.status == 422, (path, bad)
            assert "Yêu cầu không hợp lệ" in refused.tree.text_content()


TREND = {
    # period, deadline, expected, reported, on time, late, overdue, rate
    "2025-q1": ["Quý I/2025", "trước ngày 20/03/2025", "2", "1", "1", "0", "1", "50%"],
    "2025-q2": ["Quý II/2025", "trước ngày 20/06/2025", "2", "0", "0", "0", "0", "0%"],
}


def _reported(page: Page, r: ReportingRequirement) -> list[str]:
    """The status page's "Đã báo cáo" card of a requirement's section."""
    card = f"//section[@id='yeu-cau-{r.id}']//div[contains(@class, 'submitted')]"
    return page.texts(card + "//span[@class='value']")


async def test_the_status_page_shows_a_period_and_the_trend_across_them(aggregator):
    page = await _page(aggregator, f"/directives/{D}/status")
    assert page.status == 200
    assert page.texts("//section/h2") == [
        "1. " + HEADING.format("Quý II/2025"),
        "2. Báo cáo sơ kết",
    ]
    assert page.periods() == [("2025-q1", False), ("2025-q2", True)]
    assert page.trend() == TREND
    bars = page.tree.xpath("//svg[contains(@class, 'trend')]/g[@class='bar']")
    assert [(b.get("data-period"), b.get("data-submitted"), b.get("data-share")) for b in bars] == [
        ("2025-q1", "1", "50"),
        ("2025-q2", "0", "0"),
    ]
    assert _reported(page, Q2) == ["0/2"]

    first = await _page(aggregator, f"/directives/{D}/status", period="2025-q1")
    assert first.texts("//section/h2")[0] == "1. " + HEADING.format("Quý I/2025")
    assert first.periods() == [("2025-q1", True), ("2025-q2", False)]
    assert first.trend() == TREND
    assert _reported(first, Q1) == ["1/2"]
    # a unit below, the snapshot: the period asked for goes along
    assert first.tree.xpath("//a[contains(@href, 'saved=true') and contains(@href, '2025-q1')]")


async def test_the_synthesis_page_shows_a_period_and_the_trend_across_them(aggregator):
    where = "//section[@aria-labelledby='where']"
    page = await _page(aggregator, f"/directives/{D}/synthesis")
    assert page.status == 200
    assert page.texts(f"{where}/h3") == [HEADING.format("Quý II/2025"), "Báo cáo sơ kết"]
    assert page.periods() == [("2025-q1", False), ("2025-q2", True)]
    assert page.trend() == TREND

    first = await _page(aggregator, f"/directives/{D}/synthesis", period="2025-q1")
    assert first.texts(f"{where}/h3") == [HEADING.format("Quý I/2025"), "Báo cáo sơ kết"]
    assert first.periods() == [("2025-q1", True), ("2025-q2", False)]
    assert _bars(first, where) == ["1/2 đơn vị đã báo cáo", "1/2 đơn vị đã báo cáo"]
    assert _bars(page, where) == ["0/2 đơn vị đã báo cáo", "1/2 đơn vị đã báo cáo"]
    links = first.tree.xpath("//nav[@class='periods']/a/@href")
    assert links == [
        f"/directives/{D}/synthesis?unit={COMMITTEE}&period=2025-q1",
        f"/directives/{D}/synthesis?unit={COMMITTEE}&period=2025-q2",
    ]
