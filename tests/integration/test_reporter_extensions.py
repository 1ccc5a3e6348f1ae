"""A unit's requests for more time (xin gia hạn) in the reporter, on a real nats-server:
asked through its signed link and the API, answered by the parent's leader on the report
page and the API; the rules refuse in words; a report is judged by the deadline in force."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.reporter.domain.refusals import ExtensionConflict, ExtensionInvalid
from services.reporter.handlers.extensions import ask_extension, decide_extension
from shared import subjects, topology
from shared.contracts import Directive, ExtensionChanged, ReportingRequirement
from shared.publishing import publish_event
from shared.settings import Settings
from shared.streams import last_event
from tests.integration import test_reporter_handlers as handlers
from tests.integration.test_reporter_handlers import (
    CB1,
    CB2,
    DUE,
    NOW,
    PARENT,
    RESULTS,
    D,
    assignment,
    deps_of,
    issued,
    publish_directive,
    report,
)

pytestmark = pytest.mark.integration
IDS = (D, CB1, RESULTS)
reporter = handlers.reporter  # the fixture: the reporter with CB1 assigned


@pytest.fixture
def reporter_settings(nats_server) -> Settings:
    """The reporter's clock at NOW (19/06/2024): a deadline of 2025 is still to come."""
    return Settings(nats_url=nats_server.url, max_report_versions=3, clock=f"sim:{NOW}@1")


async def stored(running) -> ExtensionChanged | None:
    subject = subjects.extension(*IDS)
    found = await last_event(running.service.js, topology.REPORTS.name, subject, ExtensionChanged)
    return found[0] if found else None


async def test_the_unit_asks_on_its_page_and_a_wrong_request_is_refused_in_words(reporter):
    token = deps_of(reporter).links.token(D, CB1, RESULTS, DUE, NOW)
    page = await reporter.http.get(f"/r/{token}")
    assert 'id="extension-form"' in page.text and "Xin gia hạn" in page.text
    action = f"/r/{token}/extension"

    no_reason = await reporter.http.post(action, data={"requested_due": "2099-06-20"})
    assert no_reason.status_code == 422
    assert "Ghi lý do xin gia hạn" in no_reason.text
    assert 'value="2099-06-20"' in no_reason.text  # what it typed is kept
    no_day = await reporter.http.post(action, data={"reason": "Chờ số liệu"})
    assert no_day.status_code == 422 and "Chọn ngày xin gia hạn đến" in no_day.text
    earlier = await reporter.http.post(
        action, data={"requested_due": "20/05/2099", "reason": "Chờ số liệu"}
    )
    assert earlier.status_code == 422 and "phải sau hạn hiện nay" in earlier.text
    assert await stored(reporter) is None  # nothing refused was kept

    asked = await reporter.http.post(
        action, data={"requested_due": "20/06/2099", "reason": "Chờ số liệu các tổ <b>"}
    )
    assert asked.status_code == 200, asked.text[-1500:]
    assert "Đã gửi đề nghị gia hạn đến trước ngày 20/06/2099" in asked.text
    assert "Chờ số liệu các tổ &lt;b&gt;" in asked.text  # escaped
    assert "Đang chờ lãnh đạo cấp trên trả lời." in asked.text
    assert 'id="extension-form"' not in asked.text  # one waits at a time
    event = await stored(reporter)
    assert event is not None and event.extensions.pending is not None
    assert event.extensions.pending.requested_due == datetime.fromisoformat(
        "2099-06-20T00:00:00+07:00"
    )
    again = await reporter.http.post(action, data={"requested_due": "2099-06-25", "reason": "x"})
    assert again.status_code == 422 and "đang chờ cấp trên trả lời" in again.text


async def test_the_leader_shortens_on_the_report_page_and_the_deadline_moves(reporter):
    deps = deps_of(reporter)
    await ask_extension(deps, IDS, date(2099, 7, 1), "Thiếu người")
    page = f"/reports/{D}/{CB1}/{RESULTS}"
    shown = await reporter.http.get(page)
    assert 'id="extension-decision"' in shown.text and "Thiếu người" in shown.text
    refused = await reporter.http.post(page + "/extension", data={"decision": "refuse"})
    assert refused.status_code == 422 and "Ghi lý do không đồng ý gia hạn" in refused.text

    granted = await reporter.http.post(
        page + "/extension", data={"decision": "grant", "granted_due": "2099-06-15"}
    )
    assert granted.status_code == 200, granted.text[-1500:]
    assert "Đã đồng ý gia hạn, hạn mới: trước ngày 15/06/2099" in granted.text
    assert "ngắn hơn hạn đơn vị xin" in granted.text
    assert "hạn ban đầu trước ngày 01/06/2099" in granted.text
    extensions = (await stored(reporter)).extensions
    assert extensions.original_due == DUE
    assert extensions.due == datetime.fromisoformat("2099-06-15T00:00:00+07:00")
    with pytest.raises(ExtensionConflict):  # answered once
        await decide_extension(deps, IDS, "refused", None, "Không", "x")

    # the unit's page now says the new deadline; its report is judged by it
    token = deps.links.token(D, CB1, RESULTS, DUE, NOW)
    unit_page = await reporter.http.get(f"/r/{token}")
    assert "Thời hạn:</strong> trước ngày 15/06/2099" in unit_page.text
    answer = await reporter.http.post("/api/submissions", json=report(sessions="2"))
    assert answer.json()["due_before"] == "2099-06-15T00:00:00+07:00"


async def test_the_rules_of_asking_and_answering(reporter):
    deps = deps_of(reporter)
    with pytest.raises(ExtensionInvalid, match="một năm sau hạn ban đầu"):
        await ask_extension(deps, IDS, date(2100, 7, 1), "Lâu")
    with pytest.raises(ExtensionInvalid, match="Ghi lý do"):
        await ask_extension(deps, IDS, date(2099, 7, 1), "  \x00 ")
    for n in range(3):  # asked and refused three times: then no more
        await ask_extension(deps, IDS, date(2099, 7, 1 + n), f"Lần {n + 1}")
        await decide_extension(deps, IDS, "refused", None, "Không đủ lý do", "lanhdao")
    with pytest.raises(ExtensionConflict, match="3 lần"):
        await ask_extension(deps, IDS, date(2099, 7, 9), "Lần 4")
    assert [e.status for e in (await stored(reporter)).extensions.requests] == ["refused"] * 3


async def test_a_report_sent_ends_asking(reporter):
    deps = deps_of(reporter)
    await ask_extension(deps, IDS, date(2099, 7, 1), "Thiếu người")
    await reporter.http.post("/api/submissions", json=report(sessions="2"))
    with pytest.raises(ExtensionConflict, match="đã gửi báo cáo"):
        await decide_extension(deps, IDS, "granted", None, "", "lanhdao")
    with pytest.raises(ExtensionConflict, match="đã gửi báo cáo"):
        await ask_extension(deps, (D, CB1, RESULTS), date(2099, 7, 2), "Lần nữa")


async def test_a_late_unit_granted_more_time_reports_on_time_and_the_api_shows_it(reporter):
    past = datetime.fromisoformat("2024-06-10T00:00:00+07:00")  # before the clock's NOW
    late = Directive(
        kind="KH",
        ref="10-KH/ĐU",
        issued_on=date(2024, 12, 1),
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        title="Báo cáo đã quá hạn",
        requirements=[ReportingRequirement(id=RESULTS, action="báo cáo", due_before=past)],
    )
    await publish_directive(reporter, issued(late))
    created = assignment(CB2, late.requirements[0])
    created = created.model_copy(
        update={"assignment": created.assignment.model_copy(update={"directive_id": late.id})}
    )
    await publish_event(
        reporter.service.broker,
        subjects.assignment_created(late.id, CB2, RESULTS),
        topology.ASSIGNMENTS.name,
        created,
    )
    path = f"/api/extensions/{late.id}/{CB2}/{RESULTS}"
    asked = await reporter.http.post(
        path, json={"requested_due": "2024-07-01", "reason": "Chi bộ mới kiện toàn"}
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["requests"][0]["status"] == "pending"
    decided = await reporter.http.post(path + "/decision", json={"decision": "grant"})
    assert decided.status_code == 201, decided.text
    shown = (await reporter.http.get(path)).json()
    assert shown["requests"][0]["granted_due"] == "2024-07-01T00:00:00+07:00"

    body = {**report(CB2, sessions="2"), "directive_id": late.id}
    filed = (await reporter.http.post("/api/submissions", json=body)).json()
    assert (filed["on_time"], filed["due_before"]) == (True, "2024-07-01T00:00:00+07:00")
    none_yet = await reporter.http.get(f"/api/extensions/{D}/{CB1}/{RESULTS}")
    assert none_yet.json() == {"original_due": DUE.isoformat(), "requests": []}
