"""Requests for more time (xin gia hạn) through the aggregator's real subscriber, on the
test's real nats-server: ExtensionChanged events as the reporter publishes them in the
REPORTS stream, one of them stale (a request's event after its answer). Đảng ủy Khối's
directive, already past its deadline, assigns three chi bộ of Đảng ủy A: chi bộ 1 was
granted until 2099, chi bộ 2 still waits for an answer, chi bộ 3 asked nothing. The
directive page, the lateness ranking and the synthesis judge each by the deadline in
force, the totals count the extension up the tree, and applying it all again changes
no node."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import docx
import pytest
from nats.js import JetStreamContext

from services.aggregator.app import create_service
from services.aggregator.domain.nodes import Node
from services.aggregator.handlers import rollup
from shared import subjects, topology
from shared.clock import VN_TZ
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    Extension,
    ExtensionChanged,
    Extensions,
    ReportingRequirement,
    Unit,
)
from shared.forms import DEFAULT_FORM, builtin
from shared.settings import Settings
from tests.inprocess import Running, serving
from tests.support import consumer_caught_up, eventually

pytestmark = pytest.mark.integration

TODAY = datetime.now(VN_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
DUE = TODAY - timedelta(days=2)  # the deadline assigned: already past
ASKED = DUE - timedelta(days=1)
GRANTED = datetime.fromisoformat("2099-06-01T00:00:00+07:00")
WANTED = datetime.fromisoformat("2099-07-01T00:00:00+07:00")  # the leader granted less
TOP, COMMITTEE = "duk-top", "du-a"
CB1, CB2, CB3 = (f"{COMMITTEE}-cb{i}" for i in (1, 2, 3))
UNITS = [
    Unit(id=TOP, name="Đảng ủy Khối Thử", kind="bloc_committee"),
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee", parent=TOP),
    *(
        Unit(id=cb, name=f"Chi bộ số {i}", kind="chi_bo", parent=COMMITTEE)
        for i, cb in enumerate((CB1, CB2, CB3), start=1)
    ),
]
REASON = "Chi bộ đang chuẩn bị đại hội nhiệm kỳ, chưa kịp tổng hợp số liệu."
REQUIREMENT = ReportingRequirement(
    id="r1", action="báo cáo kết quả thực hiện", due_before=DUE, form=DEFAULT_FORM
)
DIRECTIVE = Directive(
    kind="KH", ref="9-KH/ĐUK", issued_on=ASKED.date() - timedelta(days=30), place="Hưng Yên",
    issuer_unit=TOP, issuer="Đảng ủy Khối Thử", title="Triển khai đợt sinh hoạt chính trị",
    requirements=[REQUIREMENT],
)  # fmt: skip
D = DIRECTIVE.id


def _deadline(at: datetime) -> str:
    return f"trước ngày {at.day:02d}/{at.month:02d}/{at.year}"


async def _publish(js: JetStreamContext, stream: str, subject: str, event) -> None:
    data = event.model_dump_json(by_alias=True).encode()
    await js.publish(subject, data, stream=stream, headers={"Nats-Msg-Id": event.event_id})


async def _issue_and_assign(js: JetStreamContext) -> None:
    issued = DirectiveIssued(
        event_id=subjects.directive_issued_id(D), occurred_at=ASKED, directive_id=D,
        directive=DIRECTIVE, assignment_count=3, forms={DEFAULT_FORM: builtin()[DEFAULT_FORM]},
    )  # fmt: skip
    await _publish(js, topology.DIRECTIVES.name, subjects.directive_issued(D), issued)
    for unit in (CB1, CB2, CB3):
        assignment = Assignment(
            directive_id=D, directive_kind="KH", directive_ref=DIRECTIVE.ref,
            directive_title=DIRECTIVE.title, directive_issued_on=DIRECTIVE.issued_on,
            issuer_unit=TOP, issuer=DIRECTIVE.issuer, unit_id=unit, requirement=REQUIREMENT,
            assigned_at=ASKED,
        )  # fmt: skip
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(D, unit, "r1"),
            occurred_at=ASKED,
            assignment=assignment,
        )
        subject = subjects.assignment_created(D, unit, "r1")
        await _publish(js, topology.ASSIGNMENTS.name, subject, event)


def _story(unit: str, status: str = "pending") -> Extensions:
    answer = (
        {"granted_due": GRANTED, "decided_at": ASKED, "decided_by": "Lãnh đạo (lanhdao.a)"}
        if status == "granted"
        else {}
    )
    request = Extension(
        number=1, previous_due=DUE, requested_due=WANTED, reason=REASON, asked_at=ASKED,
        status=status, **answer,
    )  # fmt: skip
    return Extensions(
        directive_id=D, unit_id=unit, requirement_id="r1", original_due=DUE, requests=[request]
    )


async def _tell(js: JetStreamContext, story: Extensions) -> None:
    current = story.current
    assert current is not None
    event = ExtensionChanged(
        event_id=subjects.extension_id(D, story.unit_id, "r1", current.number, current.status),
        occurred_at=ASKED,
        extensions=story,
    )
    subject = subjects.extension(D, story.unit_id, "r1")
    await _publish(js, topology.REPORTS.name, subject, event)


@pytest.fixture
async def aggregator(js: JetStreamContext, settings: Settings) -> AsyncIterator[Running]:
    async with serving(create_service, settings, UNITS) as running:
        await _issue_and_assign(js)
        await _tell(js, _story(CB1))  # chi bộ 1 asks,
        await _tell(js, _story(CB1, "granted"))  # is granted,
        await _tell(js, _story(CB2))  # chi bộ 2 asks and waits
        # and chi bộ 1's request comes again after its answer (a redelivery, a replay)
        stale = _story(CB1)
        event_id = subjects.extension_id(D, CB1, "r1", 1, "pending") + ".again"
        subject = subjects.extension(D, CB1, "r1")
        event = ExtensionChanged(event_id=event_id, occurred_at=ASKED, extensions=stale)
        await _publish(js, topology.REPORTS.name, subject, event)
        await _settled(js, running)
        yield running


async def _settled(js: JetStreamContext, running: Running) -> None:
    """Every event applied: the three assignments counted at the root, and every
    extension event acknowledged by the aggregator's consumer (what they did is for the
    tests to say, so a wrong result fails an assertion, not this wait)."""
    deps = running.service.deps

    async def assigned() -> bool:
        root = await deps.rollup.get(D, "r1", TOP)
        return root is not None and root.totals.expected == 3

    await eventually(assigned, within=20, what="the assignments rolled up")
    for spec in (topology.AGGREGATOR_EXTENSIONS, topology.AGGREGATOR_ASSIGNMENTS):
        await eventually(
            lambda spec=spec: consumer_caught_up(js, spec.stream, spec.durable),
            within=20,
            what=f"{spec.durable} caught up",
        )


def _row(page: str, unit: str) -> str:
    found = re.search(rf'<tr data-unit="{re.escape(unit)}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {unit}"
    return found.group(1)


async def test_the_grant_stays_however_late_the_request_s_own_event_comes(aggregator):
    node = await aggregator.service.deps.rollup.get(D, "r1", CB1)
    assert node is not None and node.own is not None and node.own.extensions is not None
    assert [e.status for e in node.own.extensions.requests] == ["granted"]
    assert node.own.due == GRANTED and node.own.due_before == DUE


async def test_the_directive_page_judges_each_unit_by_the_deadline_in_force(aggregator):
    answer = await aggregator.http.get(f"/directives/{D}", params={"unit": COMMITTEE})
    assert answer.status_code == 200, answer.text
    page = answer.text
    granted, waiting, plain = _row(page, CB1), _row(page, CB2), _row(page, CB3)
    assert f"Được gia hạn đến {_deadline(GRANTED)}" in granted
    assert "Chưa đến hạn" in granted and "Quá hạn chưa nộp" not in granted
    # asking moves no deadline: chi bộ 2 is overdue, and its request shows with its date
    assert f"Xin gia hạn đến {_deadline(WANTED)}" in waiting and "Quá hạn chưa nộp" in waiting
    assert "Quá hạn chưa nộp" in plain and "gia hạn" not in plain
    assert "0/3 báo cáo đã nộp: 0 đúng hạn, 0 nộp muộn, 2 quá hạn chưa nộp, 1 chưa đến hạn" in page
    for words, count in (("Quá hạn chưa nộp", 2), ("Được gia hạn", 1), ("Xin gia hạn", 1)):
        assert f"{words} ({count})</a>" in page, words
    overdue = await aggregator.http.get(
        f"/directives/{D}", params={"unit": COMMITTEE, "status": "overdue"}
    )
    assert re.findall(r'<tr data-unit="([^"]+)"', overdue.text) == [CB2, CB3]


async def test_the_lateness_ranking_leaves_out_the_unit_granted_more_time(aggregator):
    answer = await aggregator.http.get("/units/lateness", params={"unit": TOP})
    assert answer.status_code == 200, answer.text
    ranked = re.findall(r'class="rank-name">([^<]+)<', answer.text)
    assert sorted(ranked) == ["Chi bộ số 2", "Chi bộ số 3"]


async def test_the_synthesis_lists_the_extension_and_the_parent_counts_it(aggregator):
    url = f"/api/directives/{D}/synthesis"
    for unit in (TOP, COMMITTEE):  # the issuer, and the committee between it and the chi bộ
        body = (await aggregator.http.get(url, params={"unit": unit})).json()
        [r] = body["requirements"]
        assert (r["totals"]["extended"], r["totals"]["overdue"], r["totals"]["pending"]) == (
            1,
            2,
            1,
        ), unit
        assert [(e["unit_id"], e["reason"]) for e in r["extended"]] == [(CB1, REASON)]
    top = (await aggregator.http.get(url)).json()["requirements"][0]
    [committee] = top["children"]
    assert (committee["unit_id"], committee["extended"]) == (COMMITTEE, 1)
    line = (
        f"Được gia hạn (1): Chi bộ số 1 (hạn ban đầu {_deadline(DUE)}, gia hạn đến "
        f"{_deadline(GRANTED)}; lý do: {REASON.rstrip('.')})."
    )
    md = (await aggregator.http.get(url, params={"format": "md"})).text
    assert "Được gia hạn (1): Chi bộ số 1" in md and _deadline(GRANTED) in md
    raw = (await aggregator.http.get(url, params={"format": "docx"})).content
    paragraphs = [p.text for p in docx.Document(io.BytesIO(raw)).paragraphs]
    assert f"- {line}" in paragraphs
    status = (await aggregator.http.get(f"/directives/{D}/status")).text
    assert "Được gia hạn (1)" in status and "Chi bộ số 1 (hạn ban đầu" in status


async def test_applying_every_story_again_changes_no_node(aggregator):
    deps = aggregator.service.deps
    units = (TOP, COMMITTEE, CB1, CB2, CB3)

    async def nodes() -> list[Node | None]:
        return [await deps.rollup.get(D, "r1", u) for u in units]

    before = await nodes()
    stories = [_story(CB1), _story(CB1, "granted"), _story(CB2), _story(CB1)]
    await rollup.extensions_changed(deps, stories)
    await rollup.extensions_changed(deps, stories[::-1])
    assert await nodes() == before
