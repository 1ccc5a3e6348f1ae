"""Extension requests (xin gia hạn) through the notifier in the test process, on its real
adapters: the per-test nats-server (the REPORTS stream the reporter writes them to, the
TIMERS stream, the ledger) and a real SMTP server. Each event is published where the
reporter leaves it and taken by the notifier's own subscriber; handling one again is a
call of the handler with the service's Deps, as a redelivery would make it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.domain.timer_plan import Timer, extended, timer
from services.notifier.handlers.extensions import extension_changed
from services.notifier.handlers.timers import timer_fired
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Extension,
    ExtensionChanged,
    Extensions,
    ReportingRequirement,
    ReportSubmitted,
    Submission,
)
from shared.publishing import publish_event
from shared.settings import Settings
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import consumer_caught_up, eventually, stream_count

PARENT = "du-x"
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
UNITS = committee_with_chi_bo(PARENT, 2)
DIRECTIVE = "12-kh-du--du-x"
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # timers far off: none fires
GRANTED = datetime.fromisoformat("2099-06-10T00:00:00+07:00")
ASKED = datetime.fromisoformat("2099-06-15T00:00:00+07:00")
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
REASON = "Chi bộ đang tổ chức đại hội, chưa tổng hợp kịp số liệu quý II"
CONSOLE = "http://console.test"
OWN_TIMERS = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.{{unit}}.report"
EXTENSION_DIGESTS = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.report.*.{{unit}}"


def address(unit: str) -> str:
    return f"{unit}@test.example.org"


def an_assignment(unit: str, due: datetime = DUE) -> Assignment:
    return Assignment(
        directive_id=DIRECTIVE,
        directive_kind="KH",
        directive_ref="12-KH/ĐU",
        directive_title="Tổng kết công tác quý II",
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="report", action="báo cáo kết quả thực hiện", due_before=due
        ),
        assigned_at=NOW,
    )


def changed(
    unit: str,
    status: str,
    granted: datetime | None = None,
    answer: str = "",
    due: datetime = DUE,
) -> ExtensionChanged:
    """``unit``'s first request on its assignment due ``due``, in ``status``."""
    request = Extension(
        number=1,
        previous_due=due,
        requested_due=ASKED,
        reason=REASON,
        asked_at=NOW,
        status=status,
        granted_due=granted,
        answer=answer,
        decided_at=None if status == "pending" else NOW + timedelta(days=1),
    )
    story = Extensions(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        original_due=due,
        requests=[request],
    )
    return ExtensionChanged(
        event_id=subjects.extension_id(DIRECTIVE, unit, "report", 1, status),
        occurred_at=NOW,
        extensions=story,
    )


async def assigned(running: Running, a: Assignment, js) -> None:
    """The assignment in its stream, as the issuer leaves it; returns once the notifier
    has mailed it and set its timers."""
    subject = subjects.assignment_created(a.directive_id, a.unit_id, a.requirement.id)
    event = AssignmentCreated(
        event_id=subjects.assignment_created_id(a.directive_id, a.unit_id, a.requirement.id),
        occurred_at=NOW,
        assignment=a,
    )
    await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, event)
    durable = topology.NOTIFIER_ASSIGNMENTS.durable
    await eventually(
        lambda: consumer_caught_up(js, topology.ASSIGNMENTS.name, durable), what="the timers"
    )


async def told(running: Running, event: ExtensionChanged) -> None:
    """The event where the reporter leaves it."""
    x = event.extensions
    subject = subjects.extension(x.directive_id, x.unit_id, x.requirement_id)
    await publish_event(running.service.broker, subject, topology.REPORTS.name, event)


async def reported(running: Running, unit: str) -> None:
    received = DUE - timedelta(days=3)
    submission = Submission(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        values={"sessions": 1},
        version=1,
        received_at=received,
        first_received_at=received,
        due_before=DUE,
        on_time=True,
    )
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(DIRECTIVE, unit, "report", 1),
        occurred_at=received,
        submission=submission,
    )
    subject = subjects.report_submitted(DIRECTIVE, unit, "report")
    await publish_event(running.service.broker, subject, topology.REPORTS.name, event)


def mails(sink: MailSink, unit: str, template: str) -> list[ReceivedMail]:
    return [m for m in sink.to(address(unit)) if m.message["X-Chidao-Template"] == template]


async def pending_timers(js, pattern: str) -> dict[str, Timer]:
    """The timers scheduled on the subjects ``pattern`` matches, by their kind token."""
    info = await js.stream_info(topology.TIMERS.name, subjects_filter=pattern)
    found = {}
    for subject in info.state.subjects or {}:
        msg = await js.get_last_msg(topology.TIMERS.name, subject)
        found[subject.split(".")[3]] = Timer.model_validate_json(msg.data)
    return found


@pytest.fixture
async def notifier(nats_server, mail_sink) -> AsyncIterator[Running]:
    settings = Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        # the deadline's timers only: the unopened timer, which follows the mail and no
        # deadline, is tests/integration/test_notifier_unopened.py's
        unopened_hours=0,
        public_url="http://reporter.test",
        console_url=CONSOLE,
    )
    async with serving(create_service, settings, UNITS) as running:
        yield running


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


async def test_a_request_is_mailed_once_to_the_body_the_report_goes_to(notifier, mail_sink, js):
    await assigned(notifier, an_assignment(CB1), js)
    event = changed(CB1, "pending")
    await told(notifier, event)

    [mail] = await eventually(lambda: mails(mail_sink, PARENT, "extension_asked"), what="a mail")
    assert mail.message["X-Chidao-Event"] == event.event_id
    assert mail.subject.startswith(f"[12-KH/ĐU] Xin gia hạn: Chi bộ số 1 ({PARENT})")
    text = mail.text()
    assert REASON in text
    assert "Thời hạn hiện tại: trước ngày 01/06/2099" in text
    assert "Thời hạn đơn vị đề nghị: trước ngày 15/06/2099" in text
    assert f"{CONSOLE}/reports/{DIRECTIVE}/{CB1}/report" in text
    assert "Lãnh đạo quyết định" in text
    assert mails(mail_sink, CB1, "extension_asked") == []  # not to the unit that asked

    # handled again (a redelivery): the ledger holds it as sent, nothing more goes
    await extension_changed(deps_of(notifier), event)
    assert len(mails(mail_sink, PARENT, "extension_asked")) == 1


async def test_a_grant_mails_the_new_deadline_and_moves_the_units_timers(notifier, mail_sink, js):
    await assigned(notifier, an_assignment(CB1), js)
    before = await pending_timers(js, OWN_TIMERS.format(unit=CB1))
    assert set(before) == {"remind-7d", "remind-3d", "remind-1d", "overdue"}

    event = changed(CB1, "granted", GRANTED, "Đề nghị khẩn trương hoàn thành")
    await told(notifier, event)
    [mail] = await eventually(lambda: mails(mail_sink, CB1, "extension_answer"), what="a mail")
    assert "Đồng ý gia hạn" in mail.subject
    text = mail.text()
    assert "Thời hạn mới: trước ngày 10/06/2099" in text
    assert "sớm hơn thời hạn đơn vị đề nghị" in text
    assert "Ý kiến của lãnh đạo: Đề nghị khẩn trương hoàn thành" in text
    assert "http://reporter.test/r/" in text

    async def moved() -> None:
        after = await pending_timers(js, OWN_TIMERS.format(unit=CB1))
        assert set(after) == {"remind-7d-x1", "remind-3d-x1", "remind-1d-x1", "overdue-x1"}
        for days in (7, 3, 1):
            assert after[f"remind-{days}d-x1"].at == GRANTED - timedelta(days=days)
        assert after["overdue-x1"].at == GRANTED
        assert all(t.assignment.requirement.due_before == GRANTED for t in after.values())
        [digest] = (await pending_timers(js, EXTENSION_DIGESTS.format(unit=CB1))).values()
        assert (digest.unit_id, digest.at) == (PARENT, GRANTED + timedelta(days=2))
        # the parent's digest of the deadline as assigned stays: it lists whoever is late
        original = f"{subjects.TIMER}.notifier.digest.{DIRECTIVE}.report.{PARENT}"
        assert await stream_count(js, topology.TIMERS.name, original) == 1

    await moved()
    # handled again (a redelivery): the timers it set are kept, not purged and then
    # dropped as duplicates of themselves
    await extension_changed(deps_of(notifier), event)
    await moved()
    assert len(mails(mail_sink, CB1, "extension_answer")) == 1


async def test_a_grant_to_a_unit_that_has_reported_sets_no_timers(notifier, mail_sink, js):
    await assigned(notifier, an_assignment(CB2), js)
    await reported(notifier, CB2)
    own = OWN_TIMERS.format(unit=CB2)
    await eventually(lambda: _no_timers(js, own), what="the report to cancel the unit's timers")

    await told(notifier, changed(CB2, "granted", GRANTED))
    await eventually(lambda: mails(mail_sink, CB2, "extension_answer"), what="the answer")
    # the mail goes after the timers would have been set
    assert await pending_timers(js, own) == {}
    assert await pending_timers(js, EXTENSION_DIGESTS.format(unit=CB2)) == {}


async def _no_timers(js, pattern: str) -> bool:
    return await stream_count(js, topology.TIMERS.name, pattern) == 0


async def test_a_refusal_mails_the_reason_and_leaves_the_timers(notifier, mail_sink, js):
    await assigned(notifier, an_assignment(CB1), js)
    own = OWN_TIMERS.format(unit=CB1)
    info = await js.stream_info(topology.TIMERS.name, subjects_filter=own)
    before = {s: (await js.get_last_msg(topology.TIMERS.name, s)).seq for s in info.state.subjects}
    assert len(before) == 4

    await told(notifier, changed(CB1, "refused", answer="Thời hạn đã thống nhất từ đầu đợt"))
    [mail] = await eventually(lambda: mails(mail_sink, CB1, "extension_answer"), what="a mail")
    assert "Không đồng ý gia hạn" in mail.subject
    text = mail.text()
    assert "Lý do: Thời hạn đã thống nhất từ đầu đợt" in text
    assert "Thời hạn (giữ nguyên): trước ngày 01/06/2099" in text
    assert "http://reporter.test/r/" in text
    info = await js.stream_info(topology.TIMERS.name, subjects_filter=own)
    after = {s: (await js.get_last_msg(topology.TIMERS.name, s)).seq for s in info.state.subjects}
    assert after == before
    assert await pending_timers(js, EXTENSION_DIGESTS.format(unit=CB1)) == {}


async def test_an_overdue_notice_for_a_deadline_an_extension_moved_is_dropped(
    notifier, mail_sink, js
):
    deps = deps_of(notifier)
    a = an_assignment(CB1)
    await assigned(notifier, a, js)
    original = timer("overdue", a, CB1, DUE)
    await told(notifier, changed(CB1, "granted", GRANTED))

    # the notice of the deadline as assigned, fired before its cancel came
    assert await timer_fired(deps, original) == "moved"
    # the one planned for the new deadline goes
    new = timer("overdue", extended(a, GRANTED), CB1, GRANTED, extension=1)
    assert await timer_fired(deps, new) == "mailed"
    [notice] = mails(mail_sink, CB1, "overdue")
    assert notice.message["X-Chidao-Event"] == new.id
    assert "10/06/2099" in notice.subject
    metrics = (await notifier.http.get("/metrics")).text
    assert 'chidao_reminders_fired_total{kind="overdue",outcome="moved"} 1.0' in metrics


async def test_the_digest_leaves_out_a_unit_whose_extension_runs_past_now(notifier, mail_sink, js):
    deps = deps_of(notifier)
    past = datetime.fromisoformat("2024-06-10T00:00:00+07:00")
    for unit in (CB1, CB2):
        await assigned(notifier, an_assignment(unit, past), js)
    await told(notifier, changed(CB1, "granted", GRANTED, due=past))  # CB1: until 2099
    await eventually(lambda: mails(mail_sink, CB1, "extension_answer"), what="the answer")

    digest = timer("digest", an_assignment(CB1, past), PARENT, past + timedelta(days=2))
    assert await timer_fired(deps, digest) == "mailed"
    [mail] = mails(mail_sink, PARENT, "digest")
    assert "Đơn vị chậm báo cáo: 1 đơn vị" in mail.subject
    assert f"Chi bộ số 2 ({PARENT})" in mail.text()
    assert f"Chi bộ số 1 ({PARENT})" not in mail.text()
