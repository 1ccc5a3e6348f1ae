"""Days late in working days, through the aggregator's real subscribers on the test's
real nats-server: Đảng ủy A issues two directives to its two chi bộ with the same
deadline, before 17:00 on Friday 24/01/2025, the last working day before Tết Ất Tỵ. One
requirement's form counts days late in working days, the other's in calendar days (as
every form did before). Both chi bộ report late, on the same instants, after Tết: chi bộ
1 on Monday 03/02/2025, chi bộ 2 on Wednesday 05/02/2025, Tuesday 04/02 being a day off
the operator loaded (``chidao calendar load``), which the aggregator reads."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime

import docx
import pytest
from nats.js import JetStreamContext

from services.aggregator.app import create_service
from services.aggregator.domain.nodes import Node
from services.aggregator.handlers import rollup
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
from shared.forms import DEFAULT_FORM, Form, builtin
from shared.settings import Settings
from shared.workdays import WorkCalendar, store_calendar
from tests.inprocess import Running, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

ISSUED = datetime.fromisoformat("2025-01-10T08:00:00+07:00")
DUE = datetime.fromisoformat("2025-01-24T17:00:00+07:00")  # Friday, before Tết
COMMITTEE = "du-a"
CB1, CB2 = f"{COMMITTEE}-cb1", f"{COMMITTEE}-cb2"
UNITS = [
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee"),
    Unit(id=CB1, name="Chi bộ số 1", kind="chi_bo", parent=COMMITTEE),
    Unit(id=CB2, name="Chi bộ số 2", kind="chi_bo", parent=COMMITTEE),
]
RECEIVED = {
    # Friday's 7 hours after 17:00 and Monday's 9 and a half: one started working day
    # (10 calendar days)
    CB1: datetime.fromisoformat("2025-02-03T09:30:00+07:00"),
    # Friday's 7, Monday's 24, Tuesday off, Wednesday's 10: two (12 calendar days; three
    # working days on the statutory calendar alone)
    CB2: datetime.fromisoformat("2025-02-05T10:00:00+07:00"),
}
DAY_OFF = WorkCalendar(days_off={date(2025, 2, 4): "Nghỉ bù (thông báo của tỉnh)"})
WORKING_FORM = builtin()[DEFAULT_FORM].model_copy(
    update={"id": "sinh-hoat-ngay-lam-viec", "days_late": "working"}
)
FORMS = {"working": WORKING_FORM, "calendar": builtin()[DEFAULT_FORM]}


def _directive(ref: str, form_id: str) -> Directive:
    requirement = ReportingRequirement(
        id="r1", action="báo cáo kết quả thực hiện", due_before=DUE, form=form_id
    )
    return Directive(
        kind="KH", ref=ref, issued_on=ISSUED.date(), place="Hưng Yên", issuer_unit=COMMITTEE,
        issuer="Đảng ủy A", title="Triển khai đợt sinh hoạt chính trị",
        requirements=[requirement],
    )  # fmt: skip


DIRECTIVES = {
    "working": _directive("1-KH/ĐU", WORKING_FORM.id),
    "calendar": _directive("2-KH/ĐU", DEFAULT_FORM),
}


async def _publish(js: JetStreamContext, stream: str, subject: str, event) -> None:
    data = event.model_dump_json(by_alias=True).encode()
    await js.publish(subject, data, stream=stream, headers={"Nats-Msg-Id": event.event_id})


async def _issue_and_assign(js: JetStreamContext, d: Directive, form: Form) -> None:
    issued = DirectiveIssued(
        event_id=subjects.directive_issued_id(d.id), occurred_at=ISSUED, directive_id=d.id,
        directive=d, assignment_count=2, forms={form.id: form},
    )  # fmt: skip
    await _publish(js, topology.DIRECTIVES.name, subjects.directive_issued(d.id), issued)
    for unit in RECEIVED:
        assignment = Assignment(
            directive_id=d.id, directive_kind=d.kind, directive_ref=d.ref,
            directive_title=d.title, directive_issued_on=d.issued_on, issuer_unit=COMMITTEE,
            issuer=d.issuer, unit_id=unit, requirement=d.requirements[0], assigned_at=ISSUED,
        )  # fmt: skip
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(d.id, unit, "r1"),
            occurred_at=ISSUED,
            assignment=assignment,
        )
        subject = subjects.assignment_created(d.id, unit, "r1")
        await _publish(js, topology.ASSIGNMENTS.name, subject, event)


def _submission(directive_id: str, unit: str) -> Submission:
    received = RECEIVED[unit]
    return Submission(
        directive_id=directive_id, unit_id=unit, requirement_id="r1", values={"sessions": 2},
        version=1, received_at=received, first_received_at=received, due_before=DUE,
        on_time=False,
    )  # fmt: skip


async def _report(js: JetStreamContext, directive_id: str, unit: str) -> None:
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(directive_id, unit, "r1", 1),
        occurred_at=RECEIVED[unit],
        submission=_submission(directive_id, unit),
    )
    subject = subjects.report_submitted(directive_id, unit, "r1")
    await _publish(js, topology.REPORTS.name, subject, event)


@pytest.fixture
async def aggregator(js: JetStreamContext, settings: Settings) -> AsyncIterator[Running]:
    async with serving(create_service, settings, UNITS) as running:
        await store_calendar(js, DAY_OFF)  # as `chidao calendar load` does
        for way, d in DIRECTIVES.items():
            await _issue_and_assign(js, d, FORMS[way])
            for unit in RECEIVED:
                await _report(js, d.id, unit)
        deps = running.service.deps

        async def reported(directive_id: str) -> bool:
            root = await deps.rollup.get(directive_id, "r1", COMMITTEE)
            return root is not None and root.totals.submitted == 2

        for d in DIRECTIVES.values():
            await eventually(lambda d=d: reported(d.id), within=20, what=f"{d.ref} rolled up")
        yield running


async def _synthesis(a: Running, way: str, fmt: str | None = None):
    params = {"format": fmt} if fmt else {}
    answer = await a.http.get(f"/api/directives/{DIRECTIVES[way].id}/synthesis", params=params)
    assert answer.status_code == 200, answer.text
    return answer


async def test_the_synthesis_counts_working_days_when_its_form_says_so(aggregator):
    [r] = (await _synthesis(aggregator, "working")).json()["requirements"]
    assert r["form"]["days_late"] == "working"
    assert [(e["unit_id"], e["days_late"]) for e in r["late"]] == [(CB1, 1), (CB2, 2)]
    assert (r["totals"]["days_late"], r["totals"]["average_days_late"]) == (3, 1.5)
    assert {c["unit_id"]: c["days_late"] for c in r["children"]} == {CB1: 1, CB2: 2}
    [r] = (await _synthesis(aggregator, "calendar")).json()["requirements"]
    assert "days_late" not in r["form"]
    assert [(e["unit_id"], e["days_late"]) for e in r["late"]] == [(CB1, 10), (CB2, 12)]
    assert (r["totals"]["days_late"], r["totals"]["average_days_late"]) == (22, 11.0)


async def test_the_report_and_the_status_page_say_working_days(aggregator):
    md = (await _synthesis(aggregator, "working", "md")).text
    assert "Chi bộ số 1 (muộn 1 ngày làm việc); Chi bộ số 2 (muộn 2 ngày làm việc)" in md
    assert "(bình quân muộn 1,5 ngày làm việc)" in md
    raw = (await _synthesis(aggregator, "working", "docx")).content
    document = docx.Document(io.BytesIO(raw))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Muộn 1 ngày làm việc" in cells and "Muộn 2 ngày làm việc" in cells
    page = (await aggregator.http.get(f"/directives/{DIRECTIVES['working'].id}/status")).text
    assert "muộn 1 ngày làm việc" in page and "bình quân muộn 1,5 ngày làm việc" in page


async def test_the_same_reports_under_a_calendar_day_form_say_calendar_days(aggregator):
    md = (await _synthesis(aggregator, "calendar", "md")).text
    assert "Chi bộ số 1 (muộn 10 ngày); Chi bộ số 2 (muộn 12 ngày)" in md
    assert "(bình quân muộn 11 ngày)" in md
    page = (await aggregator.http.get(f"/directives/{DIRECTIVES['calendar'].id}/status")).text
    assert "bình quân muộn 11 ngày" in page
    assert "ngày làm việc" not in md and "ngày làm việc" not in page


async def test_applying_the_reports_again_changes_no_node(aggregator):
    deps = aggregator.service.deps
    keys = [(d.id, u) for d in DIRECTIVES.values() for u in (COMMITTEE, *RECEIVED)]

    async def nodes() -> list[Node | None]:
        return [await deps.rollup.get(d, "r1", u) for d, u in keys]

    before = await nodes()
    again = [_submission(d.id, u) for d in DIRECTIVES.values() for u in RECEIVED]
    await rollup.reports_submitted(deps, again)
    await rollup.reports_submitted(deps, again[::-1])
    assert await nodes() == before
