"""The aggregator's handlers in-process, on the test's real nats-server: each consumed
event (directive issued, assignments, reports, reviews, a timer), each use case (the
synthesis, its approval by staff, by the status page's button, automatically) and the
dashboards' progress, through the service's real subscribers, routes and buckets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.aggregator.app import create_service
from services.aggregator.domain.approval import AutoApproval
from services.aggregator.domain.notes import FIELDS, MAX_CHARS, StoredNotes
from services.aggregator.domain.synthesis import Synthesis, Written
from services.aggregator.entrypoints.pages import NOT_SENT, PAGE_NOT_FOUND, SENT
from services.aggregator.handlers import rollup, synthesis
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
    Review,
    Submission,
    SynthesisApproved,
    Unit,
)
from shared.deadletters import list_all
from shared.forms import DEFAULT_FORM, builtin
from shared.settings import Settings
from tests.inprocess import Running, serving
from tests.support import eventually, stream_count

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
NOW = datetime.fromisoformat("2024-06-20T08:00:00+07:00")
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")
TOP, COMMITTEE = "duk-top", "du-a"
CHI_BO = [f"{COMMITTEE}-cb{i}" for i in (1, 2, 3)]
UNITS = [
    Unit(id=TOP, name="Đảng ủy Khối Thử", kind="bloc_committee"),
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee", parent=TOP),
    *(
        Unit(id=cb, name=f"Chi bộ số {i}", kind="chi_bo", parent=COMMITTEE)
        for i, cb in enumerate(CHI_BO, start=1)
    ),
]
FORMS = {DEFAULT_FORM: builtin()[DEFAULT_FORM]}


# -- the events, as the other services publish them ----------------------------------------


def _issued(
    ref: str,
    issuer_unit: str,
    *requirements: ReportingRequirement,
    parents: tuple[str, ...] = (),
) -> DirectiveIssued:
    directive = Directive(
        kind="KH",
        ref=ref,
        issued_on=NOW.date(),
        place="Hưng Yên",
        issuer_unit=issuer_unit,
        issuer="Đảng ủy A" if issuer_unit == COMMITTEE else "Đảng ủy Khối Thử",
        title="Triển khai đợt sinh hoạt chính trị",
        requirements=list(requirements),
    )
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id),
        occurred_at=NOW,
        directive_id=directive.id,
        directive=directive,
        assignment_count=0,
        parents=list(parents),
        forms=FORMS,
    )


def _results(rid: str = "r1", due: datetime | None = DUE, auto: bool = False):
    return ReportingRequirement(
        id=rid,
        action="báo cáo kết quả thực hiện",
        due_before=due,
        form=DEFAULT_FORM,
        auto_approve=auto,
    )


async def _publish(js: JetStreamContext, stream: str, subject: str, event) -> None:
    await js.publish(
        subject,
        event.model_dump_json(by_alias=True).encode(),
        stream=stream,
        headers={"Nats-Msg-Id": event.event_id},
    )


async def _issue(js: JetStreamContext, issued: DirectiveIssued) -> None:
    subject = subjects.directive_issued(issued.directive_id)
    await _publish(js, topology.DIRECTIVES.name, subject, issued)


async def _assign(js: JetStreamContext, issued: DirectiveIssued, unit: str, rid="r1") -> None:
    d = issued.directive
    requirement = next(r for r in d.requirements if r.id == rid)
    event = AssignmentCreated(
        event_id=subjects.assignment_created_id(issued.directive_id, unit, rid),
        occurred_at=NOW,
        assignment=Assignment(
            directive_id=issued.directive_id,
            directive_kind=d.kind,
            directive_ref=d.ref,
            directive_title=d.title,
            directive_issued_on=d.issued_on,
            issuer_unit=d.issuer_unit,
            issuer=d.issuer,
            unit_id=unit,
            requirement=requirement,
            assigned_at=NOW,
        ),
    )
    subject = subjects.assignment_created(issued.directive_id, unit, rid)
    await _publish(js, topology.ASSIGNMENTS.name, subject, event)


async def _report(
    js: JetStreamContext, directive_id: str, unit: str, sessions: int, late: bool = False
) -> None:
    received = DUE + timedelta(days=2) if late else NOW
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(directive_id, unit, "r1", 1),
        occurred_at=received,
        submission=Submission(
            directive_id=directive_id,
            unit_id=unit,
            requirement_id="r1",
            values={"sessions": sessions, "difficulties": f"Khó khăn của {unit}"},
            version=1,
            received_at=received,
            first_received_at=received,
            due_before=DUE,
            on_time=not late,
        ),
    )
    subject = subjects.report_submitted(directive_id, unit, "r1")
    await _publish(js, topology.REPORTS.name, subject, event)


async def _review(js: JetStreamContext, directive_id: str, unit: str, decision: str) -> None:
    event = ReportReviewed(
        event_id=subjects.report_reviewed_id(directive_id, unit, "r1", 1, decision, 0),
        occurred_at=NOW,
        review=Review(
            directive_id=directive_id,
            unit_id=unit,
            requirement_id="r1",
            version=1,
            decision=decision,
            reason="" if decision == "accepted" else "Thiếu số liệu.",
            reviewed_at=NOW,
        ),
    )
    subject = subjects.report_reviewed(directive_id, unit, "r1")
    await _publish(js, topology.REPORTS.name, subject, event)


# -- the aggregator running ------------------------------------------------------------------


@pytest.fixture
async def aggregator(settings: Settings) -> AsyncIterator[Running]:
    async with serving(create_service, settings, UNITS) as running:
        yield running


async def _synthesis(a: Running, directive_id: str, unit: str | None = None) -> dict:
    params = {"unit": unit} if unit else {}
    answer = await a.http.get(f"/api/directives/{directive_id}/synthesis", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _totals_reach(a: Running, directive_id: str, **expected: int) -> dict:
    async def reached() -> dict | None:
        s = await _synthesis(a, directive_id)
        totals = s["requirements"][0]["totals"]
        return s if all(totals[k] == v for k, v in expected.items()) else None

    return await eventually(reached, within=20, what=f"totals {expected}")


async def _levels(js: JetStreamContext, a: Running) -> tuple[DirectiveIssued, DirectiveIssued]:
    """The level above (the bloc committee asks du-a for a results report) and du-a's own
    directive implementing it, sent to its three chi bộ; two of them reported."""
    parent = _issued("9-KH/ĐUK", TOP, _results())
    own = _issued("101-KH/ĐU", COMMITTEE, _results(), parents=(parent.directive_id,))
    await _issue(js, parent)
    await _assign(js, parent, COMMITTEE)
    await _issue(js, own)
    for cb in CHI_BO:
        await _assign(js, own, cb)
    await _report(js, own.directive_id, CHI_BO[0], 2)
    await _report(js, own.directive_id, CHI_BO[1], 3)
    await _totals_reach(a, own.directive_id, expected=3, submitted=2)
    return parent, own


async def _approval(js: JetStreamContext, directive_id: str) -> SynthesisApproved | None:
    """The last synthesis.approved of du-a's synthesis of ``directive_id``, if any."""
    subject = subjects.synthesis_approved(directive_id, COMMITTEE, "r1")
    try:
        msg = await js.get_last_msg(topology.SYNTHESIS.name, subject)
    except NotFoundError:
        return None
    return SynthesisApproved.model_validate_json(msg.data)


# -- the typed synthesis -----------------------------------------------------------------


def test_the_fixture_is_a_synthesis_the_model_reads_and_writes_back_unchanged():
    raw = FIXTURE.read_text(encoding="utf-8")
    model = Synthesis.model_validate_json(raw)
    assert model.model_dump(mode="json") == json.loads(raw)
    # a key the model does not know is drift
    drifted = json.loads(raw)
    drifted["requirements"][0]["totals"]["extra"] = 1
    with pytest.raises(ValueError, match="extra"):
        Synthesis.model_validate(drifted)


# -- consumed events -----------------------------------------------------------------------


async def test_a_directive_issued_is_remembered_and_its_synthesis_starts_empty(js, aggregator):
    issued = _issued("5-KH/ĐU", COMMITTEE, _results())
    await _issue(js, issued)
    deps = aggregator.service.deps
    await eventually(lambda: deps.book.ids(), what="the directive in the book")
    assert await deps.book.ids() == [issued.directive_id]

    s = await _synthesis(aggregator, issued.directive_id)
    assert s["directive"]["ref"] == "5-KH/ĐU" and s["unit"]["id"] == COMMITTEE
    assert s["unit"]["parent"] == {"id": TOP, "name": "Đảng ủy Khối Thử"}
    [r] = s["requirements"]
    assert r["totals"]["expected"] == 0 and r["children"] == [] and r["own"] is None
    assert r["form"]["id"] == DEFAULT_FORM


async def test_assignments_reports_and_reviews_roll_up_and_are_announced(js, aggregator):
    issued = _issued("6-KH/ĐU", COMMITTEE, _results())
    await _issue(js, issued)
    for cb in CHI_BO:
        await _assign(js, issued, cb)
    await _totals_reach(aggregator, issued.directive_id, expected=3, submitted=0)

    await _report(js, issued.directive_id, CHI_BO[0], 4)
    await _report(js, issued.directive_id, CHI_BO[1], 1, late=True)
    await _totals_reach(aggregator, issued.directive_id, submitted=2, on_time=1, late=1)

    await _review(js, issued.directive_id, CHI_BO[0], "accepted")
    await _review(js, issued.directive_id, CHI_BO[1], "returned")

    async def both_reviews_in() -> dict | None:  # the two may land in different batches
        s = await _totals_reach(aggregator, issued.directive_id, accepted=1)
        return s if s["requirements"][0]["returned"] else None

    s = await eventually(both_reviews_in, within=20, what="the returned report shown")
    r = s["requirements"][0]
    assert r["totals"]["sums"]["sessions"] == 5.0
    assert [e["unit_id"] for e in r["missing"]] == [CHI_BO[2]]
    assert [(e["unit_id"], e["days_late"]) for e in r["late"]] == [(CHI_BO[1], 2)]
    assert [(e["unit_id"], e["reason"]) for e in r["returned"]] == [(CHI_BO[1], "Thiếu số liệu.")]
    [difficulties] = [g for g in r["texts"] if g["name"] == "difficulties"]
    assert [e["text"] for e in difficulties["entries"]] == [
        f"Khó khăn của {cb}" for cb in CHI_BO[:2]
    ]
    # every change of the committee's node went out as synthesis.updated
    updated = subjects.synthesis_updated(issued.directive_id, COMMITTEE, "r1")
    assert await stream_count(js, topology.SYNTHESIS.name, updated) >= 3


async def test_the_api_json_is_the_synthesis_model_as_json_and_renders_as_documents(js, aggregator):
    _, own = await _levels(js, aggregator)
    deps = aggregator.service.deps
    model = await synthesis.get_synthesis(deps, own.directive_id)
    answer = await aggregator.http.get(f"/api/directives/{own.directive_id}/synthesis")
    body = answer.json()
    as_of = body["as_of"]
    assert body == {**model.model_dump(mode="json"), "as_of": as_of}
    assert Synthesis.model_validate(body).requirements[0].totals.submitted == 2

    url = f"/api/directives/{own.directive_id}/synthesis"
    md = await aggregator.http.get(url, params={"format": "md"})
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "# BÁO CÁO" in md.text and "Chi bộ số 1" in md.text
    html = await aggregator.http.get(url, params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html") and "Chi bộ số 3" in html.text
    docx = await aggregator.http.get(url, params={"format": "docx"})
    assert docx.content[:2] == b"PK"
    assert docx.headers["content-disposition"] == (
        f'attachment; filename="bao-cao-{own.directive_id}-{COMMITTEE}.docx"'
    )


async def test_an_unknown_directive_or_unit_is_404_in_plain_words(js, aggregator):
    answer = await aggregator.http.get("/api/directives/nope/synthesis")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no directive 'nope' is known to the aggregator yet"}
    issued = _issued("7-KH/ĐU", COMMITTEE, _results())
    await _issue(js, issued)
    await eventually(lambda: aggregator.service.deps.book.ids(), what="the directive")
    answer = await aggregator.http.get(
        f"/api/directives/{issued.directive_id}/synthesis", params={"unit": "ghost"}
    )
    assert answer.status_code == 404
    assert answer.json() == {"error": "unit 'ghost' is not in the directory"}


# -- approval by staff ---------------------------------------------------------------------


async def test_staff_approve_and_the_synthesis_goes_up_as_the_committee_s_report(js, aggregator):
    parent, own = await _levels(js, aggregator)
    answer = await aggregator.http.post(f"/api/directives/{own.directive_id}/synthesis/approve")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    event = await eventually(lambda: _approval(js, own.directive_id), what="synthesis.approved")
    assert body == {
        "event_id": event.event_id,
        "directive_id": own.directive_id,
        "requirement_id": "r1",
        "unit_id": COMMITTEE,
        "target_directive_id": parent.directive_id,
        "target_requirement_id": "r1",
        "values": {"sessions": 5, "difficulties": body["values"]["difficulties"]},
    }
    assert body["values"]["difficulties"].splitlines() == [
        f"Chi bộ số {i}: Khó khăn của {cb}" for i, cb in enumerate(CHI_BO[:2], start=1)
    ]
    node = await aggregator.service.deps.rollup.get(own.directive_id, "r1", COMMITTEE)
    assert event.event_id == subjects.synthesis_approved_id(
        own.directive_id, COMMITTEE, "r1", node.v
    )
    assert not event.automatic and event.target_directive_id == parent.directive_id
    assert event.narrative.endswith("2/3 đơn vị đã báo cáo, 2 đúng hạn, 0 muộn.")


async def test_the_sections_the_staff_wrote_go_up_and_a_new_text_is_a_new_approval(js, aggregator):
    """What the committee's staff wrote (assessment, lessons, next steps) goes up in the
    report's text; approving again after only the text changed is a new event, not a
    duplicate JetStream would drop."""
    _, own = await _levels(js, aggregator)
    url = f"/api/directives/{own.directive_id}/synthesis/approve"
    written = Written(assessment="Các chi bộ triển khai nghiêm túc.", next_steps="Nhân rộng.")
    notes = aggregator.service.deps.notes
    await notes.write(own.directive_id, COMMITTEE, StoredNotes(written=written), 0)
    first = (await aggregator.http.post(url)).json()["event_id"]
    event = await eventually(
        lambda: _approval(js, own.directive_id), what="the approval with the sections"
    )
    assert event.event_id == first
    assert "\n\nĐánh giá chung:\nCác chi bộ triển khai nghiêm túc." in event.narrative
    assert "\n\nPhương hướng, nhiệm vụ thời gian tới:\nNhân rộng." in event.narrative
    assert "Bài học kinh nghiệm" not in event.narrative  # not written: not sent

    _, revision = await notes.read(own.directive_id, COMMITTEE)
    changed = StoredNotes(written=written.model_copy(update={"lessons": "Phát huy."}))
    await notes.write(own.directive_id, COMMITTEE, changed, revision)
    second = (await aggregator.http.post(url)).json()["event_id"]
    assert second != first

    async def replaced() -> bool:
        latest = await _approval(js, own.directive_id)
        return latest is not None and latest.event_id == second

    await eventually(replaced, what="the second approval stored, not dropped")
    assert "Bài học kinh nghiệm:\nPhát huy." in (await _approval(js, own.directive_id)).narrative


async def test_every_section_at_its_longest_goes_up_whole(js, aggregator):
    """Each of the three sections as long as the page lets it be: none is cut short in
    the report's text, which has a limit of its own."""
    _, own = await _levels(js, aggregator)
    longest = {name: f"{name} " + "x" * (MAX_CHARS - len(name) - 1) for name in FIELDS}
    notes = aggregator.service.deps.notes
    _, revision = await notes.read(own.directive_id, COMMITTEE)
    written = StoredNotes(written=Written(**longest))
    await notes.write(own.directive_id, COMMITTEE, written, revision)
    answer = await aggregator.http.post(f"/api/directives/{own.directive_id}/synthesis/approve")
    assert answer.status_code == 201, answer.text

    async def sent() -> SynthesisApproved | None:
        event = await _approval(js, own.directive_id)
        return event if event and event.event_id == answer.json()["event_id"] else None

    event = await eventually(sent, what="the approval")
    assert all(text in event.narrative for text in longest.values())


async def test_approval_refusals_are_named_errors_with_their_status_and_reason(js, aggregator):
    url = "/api/directives/{}/synthesis/approve"
    answer = await aggregator.http.post(url.format("nope"))
    assert (answer.status_code, answer.json()) == (
        404,
        {"error": "no directive 'nope' is known to the aggregator yet"},
    )
    plan_only = _issued(
        "8-KH/ĐU",
        COMMITTEE,
        ReportingRequirement(id="plan", action="ban hành kế hoạch thực hiện", due_before=DUE),
    )
    lonely = _issued("10-KH/ĐU", COMMITTEE, _results())
    await _issue(js, plan_only)
    await _issue(js, lonely)
    book = aggregator.service.deps.book
    await eventually(lambda: _has(book, 2), what="both directives")

    answer = await aggregator.http.post(url.format(plan_only.directive_id))
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "8-KH/ĐU has no results requirement to send up"},
    )
    answer = await aggregator.http.post(url.format(lonely.directive_id))
    assert answer.status_code == 409
    assert answer.json() == {
        "error": f"no directive that 10-KH/ĐU implements asks {COMMITTEE} for a report this "
        "synthesis could answer; send the report by hand",
        "reason": "no_target",
    }
    assert await _approval(js, lonely.directive_id) is None


async def _has(book, count: int) -> bool:
    return len(await book.ids()) == count


async def test_a_synthesis_whose_report_above_was_accepted_cannot_go_up_again(js, aggregator):
    parent, own = await _levels(js, aggregator)
    await _report(js, parent.directive_id, COMMITTEE, 9)
    await _review(js, parent.directive_id, COMMITTEE, "accepted")
    await _totals_reach(aggregator, parent.directive_id, accepted=1)
    answer = await aggregator.http.post(f"/api/directives/{own.directive_id}/synthesis/approve")
    assert answer.status_code == 409
    assert answer.json() == {
        "error": "the parent has accepted the report this synthesis would replace; it can go "
        "up again only after they return it",
        "reason": "accepted",
    }


# -- the status page -----------------------------------------------------------------------


async def test_the_status_page_and_its_approve_button(js, aggregator):
    parent, own = await _levels(js, aggregator)
    page_url = f"/directives/{own.directive_id}/status"
    page = await aggregator.http.get(page_url)
    assert page.status_code == 200 and "Chi bộ số 2" in page.text
    assert 'name="requirement" value="r1"' in page.text  # the approve button's form

    missing = await aggregator.http.get("/directives/nope/status")
    assert missing.status_code == 404 and PAGE_NOT_FOUND in missing.text

    saved = await aggregator.http.get(page_url, params={"saved": "true"})  # a file to keep
    assert saved.status_code == 200 and "Chi bộ số 2" in saved.text
    name = f"tinh-hinh-{own.directive_id}-{own.directive.issuer_unit}.html"
    assert saved.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert "http-equiv" not in saved.text and "<form" not in saved.text

    sent = await aggregator.http.post(page_url, data={"requirement": "r1"})
    assert sent.status_code == 200 and SENT in sent.text
    await eventually(lambda: _approval(js, own.directive_id), what="synthesis.approved")

    await _report(js, parent.directive_id, COMMITTEE, 9)
    await _review(js, parent.directive_id, COMMITTEE, "accepted")
    await _totals_reach(aggregator, parent.directive_id, accepted=1)
    refused = await aggregator.http.post(page_url, data={"requirement": "r1"})
    assert refused.status_code == 409 and NOT_SENT["accepted"] in refused.text
    # accepted above: the button is gone, the page says so and when
    after = await aggregator.http.get(page_url)
    assert 'name="requirement" value="r1"' not in after.text
    assert "cấp trên đã chấp nhận lúc" in after.text, after.text[-3000:]
    nowhere = await aggregator.http.post("/directives/nope/status", data={})
    assert nowhere.status_code == 404 and PAGE_NOT_FOUND in nowhere.text


# -- automatic approval (timers) -----------------------------------------------------------


async def _fire(js: JetStreamContext, directive_id: str, at: datetime) -> None:
    payload = AutoApproval(directive_id=directive_id, requirement_id="r1", at=at)
    await js.publish(
        subjects.fired("aggregator", "approve", directive_id, "r1"),
        payload.model_dump_json().encode(),
        stream=topology.TIMERS.name,
    )


async def test_an_auto_approve_requirement_gets_a_timer_before_the_parent_s_deadline(
    js, aggregator
):
    parent = _issued("11-KH/ĐUK", TOP, _results())
    own = _issued("12-KH/ĐU", COMMITTEE, _results(auto=True), parents=(parent.directive_id,))
    await _issue(js, parent)
    await _assign(js, parent, COMMITTEE)
    await _issue(js, own)
    timer = subjects.timer("aggregator", "approve", own.directive_id, "r1")
    await eventually(
        lambda: stream_count(js, topology.TIMERS.name, timer), what="the approval timer"
    )
    msg = await js.get_last_msg(topology.TIMERS.name, timer)
    payload = AutoApproval.model_validate_json(msg.data)
    assert payload.at == DUE - timedelta(hours=1)


async def test_a_timer_approves_as_at_the_instant_it_was_due(js, aggregator):
    _, own = await _levels(js, aggregator)
    due = NOW + timedelta(days=1)  # already past on the service's clock
    await _fire(js, own.directive_id, due)
    event = await eventually(lambda: _approval(js, own.directive_id), what="the approval")
    assert event.automatic and event.approved_at == due
    assert event.values["sessions"] == 5


async def test_an_automatic_approval_that_fails_is_a_dead_letter_with_its_reason(js, aggregator):
    lonely = _issued("13-KH/ĐU", COMMITTEE, _results())
    await _issue(js, lonely)
    await eventually(lambda: aggregator.service.deps.book.ids(), what="the directive")
    await _fire(js, lonely.directive_id, NOW)
    [letter] = await eventually(lambda: list_all(js), what="the dead letter")
    assert letter.consumer == topology.AGGREGATOR_TIMERS.durable
    assert letter.service == "aggregator"
    assert letter.reason.startswith("no directive that 13-KH/ĐU implements asks du-a")
    assert await _approval(js, lonely.directive_id) is None


# -- the dashboards ------------------------------------------------------------------------


async def test_progress_is_sampled_from_the_roots_for_the_dashboards(js, aggregator):
    _, own = await _levels(js, aggregator)
    deps = aggregator.service.deps
    await rollup.sample_progress(deps)
    gauge = deps.metrics.assignments
    assert gauge.labels(own.directive_id, "on_time")._value.get() == 2
    assert gauge.labels(own.directive_id, "pending")._value.get() == 1
