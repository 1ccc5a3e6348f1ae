"""The reporter's handlers in the test process, with their real adapters on the per-test
nats-server (the REPORTS stream, the ATTACHMENTS object store): each use case through its
route (the API, the unit's signed page, the staff's page) or straight to its handler with
the service's Deps, and each consumed event through its subscriber."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest

from services.reporter.app import create_service
from services.reporter.deps import Deps
from services.reporter.domain.refusals import AlreadyAccepted, NotAssigned
from services.reporter.handlers.filings import file_plan, file_synthesis
from services.reporter.handlers.reading import (
    attached_file,
    report_for_staff,
    report_form,
    report_history,
)
from services.reporter.handlers.reviews import review_report
from services.reporter.handlers.submissions import submit_report
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    AttachedFile,
    Directive,
    DirectiveIssued,
    ReportingRequirement,
    ReportSubmitted,
    SubmissionRequest,
    SynthesisApproved,
    UnitContacted,
)
from shared.deadletters import list_all
from shared.errors import Busy
from shared.forms import builtin
from shared.publishing import publish_event
from shared.settings import Settings
from shared.streams import last_event
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import eventually, stream_count

PARENT = "du-r"
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
UNITS = committee_with_chi_bo(PARENT, 2)
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
RESULTS, PLAN = "r1", "ke-hoach"
PLAN_FORM = builtin()["van-ban-trien-khai"]

DIRECTIVE = Directive(
    kind="KH",
    ref="9-KH/ĐU",
    issued_on=date(2024, 6, 19),
    issuer_unit=PARENT,
    issuer=f"Đảng ủy {PARENT}",
    title="Triển khai đợt sinh hoạt chính trị",
    requirements=[
        ReportingRequirement(id=RESULTS, action="báo cáo kết quả thực hiện", due_before=DUE),
        ReportingRequirement(
            id=PLAN, action="ban hành kế hoạch thực hiện", due_before=DUE, form=PLAN_FORM.id
        ),
    ],
)
D = DIRECTIVE.id


def issued(directive: Directive, parents: tuple[str, ...] = ()) -> DirectiveIssued:
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id),
        occurred_at=NOW,
        directive_id=directive.id,
        directive=directive,
        assignment_count=2,
        parents=list(parents),
        forms={PLAN_FORM.id: PLAN_FORM},
    )


def assignment(unit: str, requirement: ReportingRequirement) -> AssignmentCreated:
    a = Assignment(
        directive_id=D,
        directive_kind=DIRECTIVE.kind,
        directive_ref=DIRECTIVE.ref,
        directive_title=DIRECTIVE.title,
        directive_issued_on=DIRECTIVE.issued_on,
        issuer_unit=PARENT,
        issuer=DIRECTIVE.issuer,
        unit_id=unit,
        requirement=requirement,
        assigned_at=NOW,
    )
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(D, unit, requirement.id),
        occurred_at=NOW,
        assignment=a,
    )


async def publish_directive(running: Running, event: DirectiveIssued) -> None:
    subject = subjects.directive_issued(event.directive_id)
    await publish_event(running.service.broker, subject, topology.DIRECTIVES.name, event)


@pytest.fixture
def reporter_settings(nats_server) -> Settings:
    return Settings(nats_url=nats_server.url, max_report_versions=3)


@pytest.fixture
async def reporter(reporter_settings) -> AsyncIterator[Running]:
    """The reporter, with the directive issued and CB1 (only) assigned both requirements,
    as the issuer leaves them."""
    async with serving(create_service, reporter_settings, UNITS) as running:
        await publish_directive(running, issued(DIRECTIVE))
        for requirement in DIRECTIVE.requirements:
            subject = subjects.assignment_created(D, CB1, requirement.id)
            await publish_event(
                running.service.broker,
                subject,
                topology.ASSIGNMENTS.name,
                assignment(CB1, requirement),
            )
        yield running


def deps_of(running: Running) -> Deps:
    return running.service.deps


def report(unit: str = CB1, requirement: str = RESULTS, **values) -> dict:
    return {
        "directive_id": D,
        "unit_id": unit,
        "requirement_id": requirement,
        "values": values or {"sessions": "2"},
    }


async def latest(running: Running, unit: str, requirement: str) -> ReportSubmitted | None:
    subject = subjects.report_submitted(D, unit, requirement)
    found = await last_event(running.service.js, topology.REPORTS.name, subject, ReportSubmitted)
    return found[0] if found else None


# --- submit_report --------------------------------------------------------------------


async def test_a_report_is_stored_stamped_and_the_same_again_is_no_new_version(reporter):
    answer = await reporter.http.post("/api/submissions", json=report(sessions="3"))
    assert answer.status_code == 201
    body = answer.json()
    assert (body["version"], body["on_time"], body["values"]) == (1, True, {"sessions": 3})
    assert body["event_id"] == f"report-submitted.{D}.{CB1}.{RESULTS}.v1"
    stored = await latest(reporter, CB1, RESULTS)
    assert stored is not None and stored.submission.values == {"sessions": 3}

    again = await reporter.http.post("/api/submissions", json=report(sessions="3"))
    assert again.status_code == 200 and again.json()["version"] == 1
    corrected = await reporter.http.post("/api/submissions", json=report(sessions="4"))
    assert corrected.status_code == 201 and corrected.json()["version"] == 2
    assert corrected.json()["first_received_at"] == body["first_received_at"]
    assert (
        await stream_count(
            reporter.service.js, topology.REPORTS.name, subjects.report_submitted(D, CB1, RESULTS)
        )
        == 2
    )


async def test_a_new_version_that_would_drop_a_value_is_refused_unless_cleared(reporter):
    """The README's own example once took a committee's total from 84/89 to 66/70: a
    correction sent with fewer values silently dropped the others. Now it says which."""
    first = {**report(sessions="3", participants="120", difficulties="Thiếu phòng họp.")}
    first["narrative"] = "Đã tổ chức đủ."
    assert (await reporter.http.post("/api/submissions", json=first)).status_code == 201
    partial = report(sessions="4")
    refused = await reporter.http.post("/api/submissions", json=partial)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert sorted(body["dropped"]) == ["difficulties", "narrative", "participants"]
    assert "Phiên bản mới bỏ mất giá trị mà phiên bản 1 đã có" in body["error"]
    assert "“Số lượt người tham gia” (participants)" in body["error"]
    assert set(body["problems"]) == {"difficulties", "narrative", "participants"}
    assert (await latest(reporter, CB1, RESULTS)).submission.version == 1  # nothing stored
    # said on purpose: the values left out are cleared, the rest sent again
    cleared = {**report(sessions="4", participants="120"), "narrative": "Đã tổ chức đủ."}
    cleared["clear"] = ["difficulties"]
    stored = await reporter.http.post("/api/submissions", json=cleared)
    assert stored.status_code == 201, stored.text
    assert stored.json()["values"] == {"sessions": 4, "participants": 120}


async def test_what_cannot_be_reported_is_refused_with_the_same_answers(reporter):
    unassigned = await reporter.http.post("/api/submissions", json=report(unit=CB2))
    assert unassigned.status_code == 403
    assert unassigned.json() == {
        "error": f"Đơn vị {CB2} không được giao yêu cầu báo cáo “{RESULTS}” của 9-KH/ĐU, "
        "nên không báo cáo được."
    }
    invalid = await reporter.http.post("/api/submissions", json=report(sessions="nhiều"))
    assert invalid.status_code == 422
    assert set(invalid.json()) == {"error", "problems", "form"}
    assert "sessions" in invalid.json()["problems"]
    assert invalid.json()["form"] == "sinh-hoat-chinh-tri"
    unknown = await reporter.http.post("/api/submissions", json={**report(), "directive_id": "x"})
    assert (unknown.status_code, unknown.json()) == (
        404, {"error": "Chưa có văn bản x nào được ban hành."}
    )  # fmt: skip
    no_such = await reporter.http.post("/api/submissions", json=report(requirement="r9"))
    assert no_such.status_code == 404
    assert no_such.json()["requirements"] == sorted([PLAN, RESULTS])
    assert await latest(reporter, CB2, RESULTS) is None

    with pytest.raises(NotAssigned):
        await submit_report(deps_of(reporter), SubmissionRequest(**report(unit=CB2)))


async def test_a_unit_sends_at_most_max_report_versions(reporter):
    for n in range(3):
        assert (
            await reporter.http.post("/api/submissions", json=report(sessions=str(n)))
        ).is_success
    refused = await reporter.http.post("/api/submissions", json=report(sessions="9"))
    assert refused.status_code == 409
    message = refused.json()["error"]
    assert "đã được gửi 3 lần" in message
    assert refused.json()["problems"] == {"narrative": message}


async def test_a_report_stores_its_file_and_serves_it_for_download(reporter):
    data = b"%PDF-1.4 bao cao"
    sent = report(
        sessions="1",
        report_file={
            "filename": "Báo cáo.pdf",
            "content_type": "application/pdf",
            "data": base64.b64encode(data).decode(),
        },
    )
    assert (await reporter.http.post("/api/submissions", json=sent)).status_code == 201

    found = await attached_file(deps_of(reporter), D, CB1, RESULTS, 1, "report_file")
    assert (found.file.filename, found.data) == ("Báo cáo.pdf", data)
    download = await reporter.http.get(f"/files/{D}/{CB1}/{RESULTS}/v1/report_file")
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="bao_cao.pdf"')
    missing = await reporter.http.get(f"/files/{D}/{CB1}/{RESULTS}/v2/report_file")
    assert (missing.status_code, missing.text) == (404, "Không có tệp này.")


async def test_a_lost_race_is_tried_again_and_then_busy(reporter, monkeypatch):
    deps = deps_of(reporter)
    real_append = deps.reports.append
    lost = []

    async def loses_once(subject, event, after_seq):
        if not lost:
            lost.append(event.event_id)
            # another request stores its version first
            await real_append(subject, event, after_seq)
        await real_append(subject, event, after_seq)

    monkeypatch.setattr(deps.reports, "append", loses_once)
    filed = await submit_report(deps, SubmissionRequest(**report(sessions="5")))
    # the first attempt lost to the same report: read again, it is no new version
    assert not filed.new and filed.event.submission.version == 1

    async def always_loses(subject, event, after_seq):
        await real_append(subject, event, after_seq - 1 if after_seq else 99)

    monkeypatch.setattr(deps.reports, "append", always_loses)
    with pytest.raises(Busy):
        await submit_report(deps, SubmissionRequest(**report(sessions="6")))


# --- review_report and report_history -------------------------------------------------


async def test_an_accepted_report_is_final_until_it_is_returned_with_a_reason(reporter):
    await reporter.http.post("/api/submissions", json=report(sessions="3"))
    base = f"/api/submissions/{D}/{CB1}/{RESULTS}"
    accepted = await reporter.http.post(f"{base}/review", json={"decision": "accept"})
    assert accepted.status_code == 201
    assert (accepted.json()["decision"], accepted.json()["version"]) == ("accepted", 1)
    assert (
        await reporter.http.post(f"{base}/review", json={"decision": "accept"})
    ).status_code == 200

    refused = await reporter.http.post("/api/submissions", json=report(sessions="4"))
    assert refused.status_code == 409 and "đã chấp nhận phiên bản 1" in refused.json()["error"]
    with pytest.raises(AlreadyAccepted):
        await submit_report(deps_of(reporter), SubmissionRequest(**report(sessions="4")))

    no_reason = await reporter.http.post(f"{base}/review", json={"decision": "return"})
    assert no_reason.status_code == 422
    assert no_reason.json() == {"error": "Ghi lý do trả lại báo cáo: đơn vị sẽ đọc lý do này."}
    returned = await review_report(deps_of(reporter), D, CB1, RESULTS, "returned", "Thiếu số liệu")
    assert returned.new and returned.event.review.reason == "Thiếu số liệu"
    assert (
        await reporter.http.post("/api/submissions", json=report(sessions="4"))
    ).status_code == 201

    history = await reporter.http.get(base)
    assert history.status_code == 200
    assert [v["version"] for v in history.json()["versions"]] == [1, 2]
    assert history.json()["review"]["decision"] == "returned"
    found = await report_history(deps_of(reporter), D, CB1, RESULTS)
    assert [v.submission.version for v in found.versions] == [1, 2]


async def test_no_review_nor_history_before_a_report(reporter):
    base = f"/api/submissions/{D}/{CB1}/{RESULTS}"
    expected = {"error": f"Đơn vị {CB1} chưa gửi báo cáo cho yêu cầu này."}
    for answer in (
        await reporter.http.get(base),
        await reporter.http.post(f"{base}/review", json={"decision": "accept"}),
    ):
        assert (answer.status_code, answer.json()) == (404, expected)


# --- the pages: report_form (the unit's), report_for_staff (the staff's) -----------------


async def test_the_units_signed_page_shows_the_form_and_takes_the_report(reporter):
    deps = deps_of(reporter)
    token = deps.links.token(D, CB1, RESULTS, DUE, NOW)
    opened = await reporter.http.get(f"/r/{token}")
    assert opened.status_code == 200 and "Số buổi sinh hoạt" in opened.text
    found = await report_form(deps, D, CB1, RESULTS)
    assert found.form.id == "sinh-hoat-chinh-tri" and found.thread.current is None

    posted = await reporter.http.post(f"/r/{token}", data={"sessions": "2", "narrative": " ổn "})
    assert posted.status_code == 201
    stored = await latest(reporter, CB1, RESULTS)
    assert stored is not None
    assert (stored.submission.values, stored.submission.narrative) == ({"sessions": 2}, "ổn")
    again = await reporter.http.post(f"/r/{token}", data={"sessions": "2", "narrative": "ổn"})
    assert again.status_code == 200

    # on the page every previous value is in its field: one emptied there is meant
    emptied = await reporter.http.post(f"/r/{token}", data={"sessions": "2", "narrative": ""})
    assert emptied.status_code == 201, emptied.text
    assert (await latest(reporter, CB1, RESULTS)).submission.narrative == ""
    wrong = await reporter.http.post(f"/r/{token}", data={"sessions": "-1"})
    assert wrong.status_code == 422
    tampered = await reporter.http.get(f"/r/{token[:-2]}xx")
    assert tampered.status_code == 403 and "Đường dẫn không hợp lệ" in tampered.text
    unassigned = await reporter.http.get(f"/r/{deps.links.token(D, CB2, RESULTS, DUE, NOW)}")
    assert unassigned.status_code == 403
    # the parent's page is told the unit opened its link; nothing for the refused links
    contacts = await stream_count(
        reporter.service.js, topology.CONTACTS.name, subjects.all_of(subjects.CONTACT)
    )
    opened_subject = subjects.contact("opened", D, CB1, RESULTS)
    stored_contact = await reporter.service.js.get_last_msg(topology.CONTACTS.name, opened_subject)
    contact = UnitContacted.model_validate_json(stored_contact.data)
    assert (contact.how, contact.unit_id, contact.requirement_id) == ("opened", CB1, RESULTS)
    assert contacts == 1


async def test_a_unit_confirms_on_its_page_that_it_has_the_document(reporter):
    # before it has anything to report, the parent learns it was received ("đã nhận")
    token = deps_of(reporter).links.token(D, CB1, RESULTS, DUE, NOW)
    page = await reporter.http.get(f"/r/{token}")
    assert 'action="/r/' in page.text and "Xác nhận đã nhận văn bản" in page.text
    confirmed = await reporter.http.post(f"/r/{token}/received")
    assert confirmed.status_code == 200, confirmed.text
    assert "Đã xác nhận đơn vị đã nhận văn bản." in confirmed.text
    assert 'id="confirm-received"' not in confirmed.text  # said once is enough
    subject = subjects.contact("received", D, CB1, RESULTS)
    stored = await reporter.service.js.get_last_msg(topology.CONTACTS.name, subject)
    contact = UnitContacted.model_validate_json(stored.data)
    assert (contact.how, contact.unit_id) == ("received", CB1)
    # a tampered link confirms nothing
    refused = await reporter.http.post(f"/r/{token[:-2]}xx/received")
    assert refused.status_code == 403
    # once it has reported, the page asks no more
    await reporter.http.post(f"/r/{token}", data={"sessions": "2"})
    assert 'id="confirm-received"' not in (await reporter.http.get(f"/r/{token}")).text


async def test_a_file_chosen_in_a_form_sent_back_is_kept_for_the_next_send(reporter):
    deps = deps_of(reporter)
    token = deps.links.token(D, CB1, RESULTS, DUE, NOW)
    signed = b"%PDF-1.4 bao cao co chu ky"
    files = {"report_file": ("bao-cao.pdf", signed, "application/pdf")}
    refused = await reporter.http.post(f"/r/{token}", data={"sessions": "-1"}, files=files)
    assert refused.status_code == 422
    assert "Đã giữ tệp: bao-cao.pdf (không cần chọn lại" in refused.text
    kept = re.search(r'name="kept-report_file" value="([^"]+)"', refused.text)
    assert kept, refused.text[-2000:]
    # sent again with the error mended and no file chosen: the kept one goes with it
    again = await reporter.http.post(
        f"/r/{token}", data={"sessions": "2", "kept-report_file": kept.group(1)}
    )
    assert again.status_code == 201, again.text[-1500:]
    stored = (await latest(reporter, CB1, RESULTS)).submission
    attached = stored.values["report_file"]
    assert isinstance(attached, AttachedFile) and attached.filename == "bao-cao.pdf"
    assert await deps.attachments.fetch(attached) == signed
    # an altered reference brings nothing (the form, sent back again, keeps no file)
    altered = kept.group(1)[:-4] + ("AAAA" if not kept.group(1).endswith("AAAA") else "BBBB")
    forged = await reporter.http.post(
        f"/r/{token}", data={"sessions": "-1", "kept-report_file": altered}
    )
    assert forged.status_code == 422 and "Đã giữ tệp" not in forged.text


async def test_an_expired_link_says_whom_to_ask_and_tells_the_parent(reporter):
    deps = deps_of(reporter)
    long_ago = datetime.fromisoformat("2024-01-01T00:00:00+07:00")
    # CB2's deadline in force passed long ago too: a link lasts the grace after it
    due_long_ago = DIRECTIVE.requirements[0].model_copy(update={"due_before": long_ago})
    await publish_event(
        reporter.service.broker,
        subjects.assignment_created(D, CB2, RESULTS),
        topology.ASSIGNMENTS.name,
        assignment(CB2, due_long_ago),
    )
    token = deps.links.token(D, CB2, RESULTS, long_ago, long_ago)  # expired in 2024
    expired = await reporter.http.get(f"/r/{token}")
    assert expired.status_code == 410
    assert "Đường dẫn đã hết hạn" in expired.text
    assert f"Đề nghị liên hệ Đảng ủy {PARENT} để được gửi lại đường dẫn mới" in expired.text
    tried = subjects.contact("expired", D, CB2, RESULTS)
    stored = await reporter.service.js.get_last_msg(topology.CONTACTS.name, tried)
    assert UnitContacted.model_validate_json(stored.data).how == "expired"


async def test_the_staff_page_shows_every_version_and_takes_the_review(reporter):
    await reporter.http.post("/api/submissions", json=report(sessions="3"))
    await reporter.http.post("/api/submissions", json=report(sessions="4"))
    found = await report_for_staff(deps_of(reporter), D, CB1, RESULTS)
    assert [v.submission.version for v in found.versions] == [1, 2]
    page = f"/reports/{D}/{CB1}/{RESULTS}"
    shown = await reporter.http.get(page)
    assert shown.status_code == 200 and "Chi bộ số 1" in shown.text

    no_reason = await reporter.http.post(page, data={"decision": "return", "reason": " "})
    assert no_reason.status_code == 422
    assert "Đề nghị ghi lý do trả lại để đơn vị biết cần sửa gì." in no_reason.text
    accepted = await reporter.http.post(page, data={"decision": "accept"})
    assert accepted.status_code == 200 and "Đã chấp nhận báo cáo." in accepted.text
    thread = await deps_of(reporter).reports.thread(D, CB1, RESULTS)
    assert thread.accepted and thread.decision is not None and thread.decision.version == 2

    unknown = await reporter.http.get(f"/reports/nope/{CB1}/{RESULTS}")
    assert unknown.status_code == 404 and "Không tìm thấy" in unknown.text


# --- the consumed events: file_plan (directive.issued), file_synthesis ----------------


def childs_plan() -> Directive:
    return Directive(
        kind="KH",
        ref="12-KH/CB",
        issued_on=date(2024, 6, 18),
        issuer_unit=CB1,
        issuer="Chi bộ số 1",
        title="Thực hiện đợt sinh hoạt chính trị",
    )


async def test_a_units_own_plan_is_filed_as_its_report_on_the_plan_requirement(reporter):
    child = childs_plan()
    await publish_directive(reporter, issued(child, parents=(D,)))

    filed = await eventually(lambda: latest(reporter, CB1, PLAN), what="the plan filed")
    s = filed.submission
    assert s.source == "plan" and s.version == 1
    assert s.values == {
        "document_ref": "12-KH/CB",
        "document_date": "2024-06-18",
        "summary": "Kế hoạch số 12-KH/CB: Thực hiện đợt sinh hoạt chính trị",
    }
    # the day it was signed, not the day chidao heard of it
    assert s.received_at.date() == date(2024, 6, 18)
    # the results requirement asks for a report, not a plan: nothing filed there
    assert await latest(reporter, CB1, RESULTS) is None
    # a report the unit sent already is left as it is
    again = await file_plan(deps_of(reporter), issued(child, parents=(D,)))
    assert [f.new for f in again] == [False]


async def test_an_approved_synthesis_is_filed_and_a_refused_one_is_a_dead_letter(reporter):
    approved = SynthesisApproved(
        event_id="synthesis-approved.own.cb1.r1.v1",
        occurred_at=NOW,
        directive_id="own-kh--cb1",
        requirement_id="r1",
        unit_id=CB1,
        target_directive_id=D,
        target_requirement_id=RESULTS,
        values={"sessions": 7},
        narrative="Tổng hợp",
        approved_at=NOW,
    )
    subject = subjects.synthesis_approved(D, CB1, RESULTS)
    await publish_event(reporter.service.broker, subject, topology.SYNTHESIS.name, approved)
    filed = await eventually(lambda: latest(reporter, CB1, RESULTS), what="the synthesis filed")
    s = filed.submission
    assert (s.source, s.synthesis_of, s.values, s.narrative) == (
        "synthesis", "own-kh--cb1", {"sessions": 7}, "Tổng hợp"
    )  # fmt: skip
    assert s.received_at == NOW
    assert not (await file_synthesis(deps_of(reporter), approved)).new

    refused = approved.model_copy(
        update={"event_id": "synthesis-approved.own.cb2.r1.v1", "unit_id": CB2}
    )
    subject = subjects.synthesis_approved(D, CB2, RESULTS)
    await publish_event(reporter.service.broker, subject, topology.SYNTHESIS.name, refused)
    [letter] = await eventually(lambda: list_all(reporter.service.js), what="the dead letter")
    assert letter.reason.startswith("the synthesis could not be filed: Đơn vị du-r-cb2 không")
    assert letter.consumer == topology.REPORTER_APPROVALS.durable
