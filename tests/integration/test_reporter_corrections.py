"""A directive corrected (đính chính) or replaced (thay thế), in the reporter on a real
nats-server: the test publishes the assignments again as the issuer does for a correction
(same subject, ``correction=n``, the unit taken off ``cancelled``), and the recall whose
``replaced_by`` names the new document. The deadline in force is the latest assignment's
(timeliness, the link's life, the rules of asking for more time); a cancelled assignment's
link and the staff's API refuse in words, the report already made stays; a replaced
directive's link names the new document. And a unit's "Đã nhận", once pressed, shows."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.reporter.domain.refusals import ExtensionInvalid
from services.reporter.handlers.extensions import ask_extension, decide_extension
from shared import subjects, topology
from shared.contracts import (
    AssignmentCreated,
    Directive,
    DirectiveRecalled,
    ExtensionChanged,
    Recall,
    ReportingRequirement,
    ReportSubmitted,
    UnitContacted,
)
from shared.publishing import publish_event
from shared.settings import Settings
from shared.streams import last_event
from shared.vietnamese import format_instant
from tests.inprocess import Running
from tests.integration import test_reporter_handlers as handlers
from tests.integration.test_reporter_handlers import (
    CB1,
    CB2,
    DIRECTIVE,
    DUE,
    NOW,
    RESULTS,
    D,
    assignment,
    deps_of,
    issued,
    publish_directive,
    report,
)
from tests.support import stream_count

pytestmark = pytest.mark.integration
reporter = handlers.reporter  # the fixture: the reporter with CB1 assigned on D

# A directive whose deadline passed before the clock's NOW (19/06/2024), and its grace
# too (30 days): the link mailed at its issue has expired
ORIGINAL_DUE = datetime.fromisoformat("2024-05-01T00:00:00+07:00")
CORRECTED_DUE = datetime.fromisoformat("2024-07-01T00:00:00+07:00")
MAILED_AT = datetime.fromisoformat("2024-04-20T08:00:00+07:00")
LATE = DIRECTIVE.model_copy(
    update={
        "ref": "11-KH/ĐU",
        "title": "Báo cáo sơ kết",
        "requirements": [DIRECTIVE.requirements[0].model_copy(update={"due_before": ORIGINAL_DUE})],
    }
)


@pytest.fixture
def reporter_settings(nats_server) -> Settings:
    """The reporter's clock at NOW (19/06/2024)."""
    return Settings(nats_url=nats_server.url, max_report_versions=3, clock=f"sim:{NOW}@1")


def assigned(
    directive: Directive,
    unit: str,
    due: datetime | None,
    correction: int = 0,
    **changed: object,
) -> AssignmentCreated:
    """``unit``'s assignment on the directive's results report, as the issuer publishes
    it at the issue (``correction=0``) or again for correction n: the deadline ``due``,
    ``changed`` the other fields (a corrected title, ``cancelled``)."""
    requirement: ReportingRequirement = directive.requirements[0]
    created = assignment(unit, requirement.model_copy(update={"due_before": due}))
    a = created.assignment.model_copy(
        update={
            "directive_id": directive.id,
            "directive_ref": directive.ref,
            "directive_title": directive.title,
            "assigned_at": MAILED_AT,
            "correction": correction,
            **changed,
        }
    )
    event_id = subjects.assignment_created_id(directive.id, unit, requirement.id, correction)
    return created.model_copy(update={"event_id": event_id, "assignment": a})


async def publish_assignment(running: Running, event: AssignmentCreated) -> None:
    a = event.assignment
    subject = subjects.assignment_created(a.directive_id, a.unit_id, a.requirement.id)
    await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, event)


async def versions(running: Running, directive_id: str, unit: str) -> int:
    subject = subjects.report_submitted(directive_id, unit, RESULTS)
    return await stream_count(running.service.js, topology.REPORTS.name, subject)


def link(running: Running, directive_id: str, unit: str, due: datetime | None) -> str:
    """The unit's link as the notifier signed it in the assignment mail."""
    token = deps_of(running).links.token(directive_id, unit, RESULTS, due, MAILED_AT)
    return f"/r/{token}"


# --- a corrected deadline --------------------------------------------------------------


async def test_a_report_between_the_old_deadline_and_the_corrected_one_is_on_time(reporter):
    await publish_directive(reporter, issued(LATE))
    await publish_assignment(reporter, assigned(LATE, CB2, ORIGINAL_DUE))
    page = link(reporter, LATE.id, CB2, ORIGINAL_DUE)
    before = await reporter.http.get(page)
    assert before.status_code == 410 and "Đường dẫn đã hết hạn" in before.text

    # correction 1 moves the deadline to 01/07/2024 and mends the title
    corrected = assigned(LATE, CB2, CORRECTED_DUE, 1, directive_title="Báo cáo sơ kết 6 tháng")
    await publish_assignment(reporter, corrected)
    # the mailed link lasts the grace after the deadline in force
    opened = await reporter.http.get(page)
    assert opened.status_code == 200, opened.text[-1500:]
    assert "Thời hạn:</strong> trước ngày 01/07/2024" in opened.text
    assert "Báo cáo sơ kết 6 tháng" in opened.text
    assert "Văn bản đã được đính chính (lần 1)." in opened.text

    posted = await reporter.http.post(page, data={"sessions": "2"})
    assert posted.status_code == 201, posted.text[-1500:]
    assert "Báo cáo đúng hạn." in posted.text
    subject = subjects.report_submitted(LATE.id, CB2, RESULTS)
    stored = await last_event(reporter.service.js, topology.REPORTS.name, subject, ReportSubmitted)
    assert stored is not None
    assert (stored[0].submission.on_time, stored[0].submission.due_before) == (True, CORRECTED_DUE)


LATER = datetime.fromisoformat("2099-07-01T00:00:00+07:00")  # D's deadline, corrected


async def test_a_request_made_before_the_correction_does_not_keep_the_old_deadline(reporter):
    deps = deps_of(reporter)
    await ask_extension(deps, (D, CB1, RESULTS), date(2099, 6, 20), "Chờ số liệu")
    await decide_extension(deps, (D, CB1, RESULTS), "refused", None, "Không đủ lý do", "ld")
    await publish_assignment(reporter, assigned(DIRECTIVE, CB1, LATER, 1))

    filed = await reporter.http.post("/api/submissions", json=report(sessions="2"))
    assert filed.status_code == 201, filed.text
    assert filed.json()["due_before"] == LATER.isoformat()


async def test_asking_for_more_time_counts_from_the_corrected_deadline(reporter):
    deps = deps_of(reporter)
    ids = (D, CB1, RESULTS)
    await ask_extension(deps, ids, date(2099, 6, 20), "Chờ số liệu")
    await decide_extension(deps, ids, "refused", None, "Không đủ lý do", "ld")
    await publish_assignment(reporter, assigned(DIRECTIVE, CB1, LATER, 1))

    # after the old deadline but not after the corrected one: nothing to extend
    with pytest.raises(ExtensionInvalid, match=r"sau hạn hiện nay \(trước ngày 01/07/2099"):
        await ask_extension(deps, ids, date(2099, 6, 25), "Lần hai")
    # within a year of the corrected deadline, more than a year past the old one
    asked = await ask_extension(deps, ids, date(2100, 6, 20), "Lần hai")
    current = asked.extensions.current
    assert current is not None and current.previous_due == LATER
    stored = await last_event(
        reporter.service.js, topology.REPORTS.name, subjects.extension(*ids), ExtensionChanged
    )
    assert stored is not None and stored[0].extensions.original_due == LATER
    shown = (await reporter.http.get(f"/api/extensions/{D}/{CB1}/{RESULTS}")).json()
    assert shown["original_due"] == LATER.isoformat()


async def test_the_answer_and_the_staff_page_go_by_the_corrected_deadline(reporter):
    deps = deps_of(reporter)
    ids = (D, CB1, RESULTS)
    await ask_extension(deps, ids, date(2099, 6, 20), "Chờ số liệu")  # waits
    await publish_assignment(reporter, assigned(DIRECTIVE, CB1, LATER, 1))

    staff = await reporter.http.get(f"/reports/{D}/{CB1}/{RESULTS}")
    assert 'id="deadline">trước ngày 01/07/2099' in staff.text
    assert 'id="corrected">Văn bản đã được đính chính (lần 1).' in staff.text
    assert 'min="2099-07-02"' in staff.text  # a grant's day is after the deadline in force
    # the day asked, before the corrected deadline, is no extension
    with pytest.raises(ExtensionInvalid, match=r"sau hạn đang áp dụng \(trước ngày 01/07/2099"):
        await decide_extension(deps, ids, "granted", None, "", "ld")


# --- a unit taken off by a correction ----------------------------------------------------

CANCELLED_WORDS = (
    "Theo đính chính lần 1 của văn bản 9-KH/ĐU, đơn vị không còn phải báo cáo yêu cầu này. "
    "Báo cáo đã gửi (nếu có) vẫn được lưu."
)


async def test_a_cancelled_assignment_refuses_in_words_and_keeps_the_report_made(reporter):
    page = link(reporter, D, CB1, DUE)
    made = await reporter.http.post(page, data={"sessions": "2"})
    assert made.status_code == 201, made.text[-1500:]
    await publish_assignment(reporter, assigned(DIRECTIVE, CB1, DUE, 1, cancelled=True))

    opened = await reporter.http.get(page)
    assert opened.status_code == 410 and CANCELLED_WORDS in opened.text
    assert "cấp đường dẫn mới" not in opened.text  # nothing more is asked of it
    for path, data in (
        (page, {"sessions": "5"}),
        (f"{page}/received", {}),
        (f"{page}/extension", {"requested_due": "2099-07-01", "reason": "Chờ"}),
    ):
        refused = await reporter.http.post(path, data=data)
        assert refused.status_code == 410 and CANCELLED_WORDS in refused.text, path
    api = await reporter.http.post("/api/submissions", json=report(sessions="5"))
    assert api.status_code == 409 and "đính chính lần 1" in api.json()["error"], api.text
    asked = await reporter.http.post(
        f"/api/extensions/{D}/{CB1}/{RESULTS}",
        json={"requested_due": "2099-07-01", "reason": "Chờ số liệu"},
    )
    assert asked.status_code == 409 and "không còn phải báo cáo" in asked.json()["error"]
    assert await versions(reporter, D, CB1) == 1  # nothing stored after it
    received = subjects.contact("received", D, CB1, RESULTS)
    assert await stream_count(reporter.service.js, topology.CONTACTS.name, received) == 0

    # the report made before stays for the staff
    history = await reporter.http.get(f"/api/submissions/{D}/{CB1}/{RESULTS}")
    assert [v["values"] for v in history.json()["versions"]] == [{"sessions": 2}]
    staff = await reporter.http.get(f"/reports/{D}/{CB1}/{RESULTS}")
    assert staff.status_code == 200 and 'id="cancelled"' in staff.text
    assert "Lần 1" in staff.text


# --- a replaced directive ----------------------------------------------------------------


async def test_a_replaced_directive_s_link_names_the_new_document(reporter):
    page = link(reporter, D, CB1, DUE)
    assert (await reporter.http.post(page, data={"sessions": "2"})).status_code == 201
    recall = Recall(
        reason="Ban hành văn bản mới thay thế.",
        recalled_at=NOW,
        recalled_by="Lãnh đạo (lanhdao)",
        replaced_by="102-kh-du--du-r",
        replaced_by_ref="102-KH/ĐU",
    )
    replaced = DirectiveRecalled(
        event_id=subjects.directive_recalled_id(D),
        occurred_at=NOW,
        directive_id=D,
        directive=DIRECTIVE,
        recall=recall,
    )
    subject = subjects.directive_recalled(D)
    await publish_event(reporter.service.broker, subject, topology.DIRECTIVES.name, replaced)

    opened = await reporter.http.get(page)
    assert opened.status_code == 410
    assert (
        "Văn bản 9-KH/ĐU đã được thay thế bằng văn bản 102-KH/ĐU; đơn vị thực hiện và báo "
        "cáo theo văn bản mới." in opened.text
    )
    assert "Văn bản đã bị thu hồi" not in opened.text
    api = await reporter.http.post("/api/submissions", json=report(sessions="5"))
    assert api.status_code == 409 and "102-KH/ĐU" in api.json()["error"], api.text
    # the report made under it stays readable
    staff = await reporter.http.get(f"/reports/{D}/{CB1}/{RESULTS}")
    assert staff.status_code == 200 and "Lần 1" in staff.text
    assert await versions(reporter, D, CB1) == 1


# --- "Đã nhận" once pressed ----------------------------------------------------------------


async def test_a_confirmation_of_receipt_shows_when_the_page_is_opened_again(reporter):
    page = link(reporter, D, CB1, DUE)
    first = await reporter.http.get(page)
    assert 'id="confirm-received"' in first.text
    assert (await reporter.http.post(f"{page}/received")).status_code == 200

    again = await reporter.http.get(page)
    assert again.status_code == 200
    assert 'id="confirm-received"' not in again.text
    subject = subjects.contact("received", D, CB1, RESULTS)
    stored = await last_event(reporter.service.js, topology.CONTACTS.name, subject, UnitContacted)
    assert stored is not None
    when = format_instant(stored[0].at)
    assert f"Đơn vị đã xác nhận đã nhận văn bản lúc {when}." in again.text
