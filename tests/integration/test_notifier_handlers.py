"""The notifier's handlers in the test process, with their real adapters: the per-test
nats-server (ledger, timers, streams, object store) and a real SMTP server. Each consumed
event once through its subscriber or straight to its handler with the service's Deps."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.domain.timer_plan import Heartbeat, timer
from services.notifier.handlers.directives import directive_issued
from services.notifier.handlers.reports import report_reviewed, report_submitted
from services.notifier.handlers.timers import heartbeat_arrived, timer_fired
from shared import subjects, topology
from shared.contacts import announce_contact, contact_event
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    Notice,
    RecipientRole,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
    Review,
    Submission,
    Unit,
    UnitContacted,
)
from shared.deadletters import list_all
from shared.objects import describe, store
from shared.publishing import publish_event
from shared.settings import Settings
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import eventually, stream_count

PARENT = "du-h"
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
DESK = f"{PARENT}-btg"  # the committee's Ban Tuyên giáo, which collects some reports
UNITS = [
    *committee_with_chi_bo(PARENT, 2),
    Unit(
        id=DESK,
        name=f"Ban Tuyên giáo {PARENT}",
        kind="bloc_board",
        parent=PARENT,
        emails=[f"{DESK}@test.example.org"],
    ),
]
DIRECTIVE = "7-kh-du--du-h"
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # timers far off: none fires
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")


def address(unit: str) -> str:
    return f"{unit}@test.example.org"


def an_assignment(unit: str, due: datetime = DUE, to_unit: str | None = None) -> Assignment:
    return Assignment(
        directive_id=DIRECTIVE,
        directive_kind="KH",
        directive_ref="7-KH/ĐU",
        directive_title="Triển khai đợt sinh hoạt chính trị",
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="report", action="báo cáo kết quả thực hiện", due_before=due, to_unit=to_unit
        ),
        assigned_at=NOW,
    )


def created(a: Assignment) -> AssignmentCreated:
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(a.directive_id, a.unit_id, a.requirement.id),
        occurred_at=NOW,
        assignment=a,
    )


def a_report(unit: str, on_time: bool, due: datetime = DUE) -> ReportSubmitted:
    first = due - timedelta(days=3) if on_time else due + timedelta(days=2)
    submission = Submission(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        values={"sessions": 1},
        version=1,
        received_at=first,
        first_received_at=first,
        due_before=due,
        on_time=on_time,
    )
    return ReportSubmitted(
        event_id=subjects.report_submitted_id(DIRECTIVE, unit, "report", 1),
        occurred_at=first,
        submission=submission,
    )


def reviewed(unit: str, decision: str, reason: str = "") -> ReportReviewed:
    review = Review(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        version=1,
        decision=decision,
        reason=reason,
        reviewed_at=NOW,
    )
    return ReportReviewed(
        event_id=subjects.report_reviewed_id(DIRECTIVE, unit, "report", 1, decision, 0),
        occurred_at=NOW,
        review=review,
    )


async def assigned(running: Running, a: Assignment) -> None:
    """The assignment in its stream, as the issuer leaves it (the notifier mails it)."""
    subject = subjects.assignment_created(a.directive_id, a.unit_id, a.requirement.id)
    await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, created(a))


async def reported(running: Running, event: ReportSubmitted) -> None:
    s = event.submission
    subject = subjects.report_submitted(s.directive_id, s.unit_id, s.requirement_id)
    await publish_event(running.service.broker, subject, topology.REPORTS.name, event)


def mails(sink: MailSink, unit: str, template: str) -> list[ReceivedMail]:
    return [m for m in sink.to(address(unit)) if m.message["X-Chidao-Template"] == template]


@pytest.fixture
def notifier_settings(nats_server, mail_sink) -> Settings:
    return Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        heartbeat_seconds=1,
        public_url="http://reporter.test",
    )


@pytest.fixture
async def notifier(notifier_settings) -> AsyncIterator[Running]:
    async with serving(create_service, notifier_settings, UNITS) as running:
        yield running


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


async def test_an_assignment_is_mailed_once_with_its_link_and_its_timers_set(
    notifier, mail_sink, js
):
    a = an_assignment(CB1)
    await assigned(notifier, a)
    await assigned(notifier, a)  # the same event again: JetStream drops it

    [mail] = await eventually(lambda: mails(mail_sink, CB1, "assignment"), what="the mail")
    assert mail.subject.startswith("[7-KH/ĐU] Báo cáo kết quả thực hiện")
    assert "http://reporter.test/r/" in mail.text()
    # reminders 7, 3 and 1 days before, the overdue notice, the parent's digest, and the
    # mail again if nobody opens it
    timers = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.>"
    await eventually(lambda: _count_is(js, topology.TIMERS.name, timers, 6), what="the six timers")
    entry, _ = await deps_of(notifier).ledger.get(f"{created(a).event_id}.{CB1}")
    assert entry is not None and entry.status == "sent"
    assert entry.recipients == [address(CB1)]
    # and the directive's page is told the unit was mailed, once
    mailed = subjects.contact("mailed", DIRECTIVE, CB1, "report")
    await eventually(lambda: _count_is(js, topology.CONTACTS.name, mailed, 1), what="mailed")
    contact = UnitContacted.model_validate_json(
        (await js.get_last_msg(topology.CONTACTS.name, mailed)).data
    )
    assert (contact.how, contact.unit_id, contact.requirement_id) == ("mailed", CB1, "report")


async def _count_is(js, stream: str, subject: str, expected: int) -> bool:
    return await stream_count(js, stream, subject) == expected


async def test_a_directive_is_noticed_to_each_unit_with_the_original_attached(
    notifier, mail_sink, js
):
    original = b"%PDF-1.4 the signed plan"
    attached = describe(original, "Kế hoạch 7.pdf", "application/pdf")
    await store(js, topology.DOCUMENTS.name, attached, original)
    event = DirectiveIssued(
        event_id=subjects.directive_issued_id(DIRECTIVE),
        occurred_at=NOW,
        directive_id=DIRECTIVE,
        assignment_count=0,
        notices=[
            Notice(unit_id=CB1, role=RecipientRole.INFO),
            Notice(unit_id=CB2, role=RecipientRole.REPORT),
        ],
        directive=Directive(
            kind="KH",
            ref="7-KH/ĐU",
            issued_on="2024-06-19",
            issuer_unit=PARENT,
            issuer=f"Đảng ủy {PARENT}",
            title="Triển khai đợt sinh hoạt chính trị",
            requirements=[],
            document=attached,
        ),
    )

    sent = await directive_issued(deps_of(notifier), event)

    assert [m.unit.id for m in sent] == [CB1, CB2]
    for unit in (CB1, CB2):
        [mail] = mails(mail_sink, unit, "directive_notice")
        [part] = list(mail.message.iter_attachments())
        assert part.get_filename() == "Kế hoạch 7.pdf"
        assert part.get_content() == original
    assert "để biết và phối hợp" in mails(mail_sink, CB1, "directive_notice")[0].text()


async def test_a_report_cancels_the_units_reminders_but_not_the_parents_digest(notifier, js):
    deps = deps_of(notifier)
    a = an_assignment(CB2)
    await deps.timers.schedule(deps.timers.plan(a))

    cancelled = await report_submitted(deps, a_report(CB2, on_time=True))

    assert cancelled == 4  # three reminders and the overdue notice
    pending = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.{CB2}.report"
    assert await stream_count(js, topology.TIMERS.name, pending) == 0
    digest = f"{subjects.TIMER}.notifier.digest.{DIRECTIVE}.report.{PARENT}"
    assert await stream_count(js, topology.TIMERS.name, digest) == 1


async def test_a_returned_report_is_mailed_back_with_the_reason_an_accepted_one_is_not(
    notifier, mail_sink
):
    deps = deps_of(notifier)
    await assigned(notifier, an_assignment(CB1))

    assert await report_reviewed(deps, reviewed(CB1, "accepted")) is None
    mail = await report_reviewed(deps, reviewed(CB1, "returned", "Thiếu số liệu tháng 5"))

    assert mail is not None and mail.template == "returned"
    [received] = mails(mail_sink, CB1, "returned")
    assert "Thiếu số liệu tháng 5" in received.text()
    assert "http://reporter.test/r/" in received.text()


async def test_a_returned_report_without_its_assignment_is_a_dead_letter_with_the_reason(
    notifier, mail_sink, js
):
    event = reviewed(CB2, "returned", "Sai mẫu")
    subject = subjects.report_reviewed(DIRECTIVE, CB2, "report")
    await publish_event(notifier.service.broker, subject, topology.REPORTS.name, event)

    [letter] = await eventually(lambda: list_all(js), what="the dead letter")
    assert letter.consumer == topology.NOTIFIER_REVIEWS.durable
    assert letter.reason == f"no assignment for the returned report {event.event_id}"
    assert mails(mail_sink, CB2, "returned") == []


@pytest.mark.parametrize("kind", ["remind", "overdue"])
async def test_a_reminder_or_overdue_notice_goes_only_to_a_unit_that_has_not_reported(
    notifier, mail_sink, kind
):
    deps = deps_of(notifier)
    days = 3 if kind == "remind" else None
    at = DUE - timedelta(days=days or 0)
    template = "reminder" if kind == "remind" else "overdue"
    fired = {u: timer(kind, an_assignment(u), u, at, days) for u in (CB1, CB2)}
    await reported(notifier, a_report(CB2, on_time=True))

    # CB2's timer fired after its report came in (a cancel that came too late)
    assert await timer_fired(deps, fired[CB2]) == "reported"
    assert await timer_fired(deps, fired[CB1]) == "mailed"
    assert mails(mail_sink, CB2, template) == []
    assert len(mails(mail_sink, CB1, template)) == 1
    subject = mails(mail_sink, CB1, template)[0].subject
    assert ("Nhắc hạn: còn 3 ngày" if kind == "remind" else "Đôn đốc: quá hạn") in subject


async def test_the_digest_names_the_missing_and_the_late_units_to_their_parent(notifier, mail_sink):
    deps = deps_of(notifier)
    past = datetime.fromisoformat("2024-06-10T00:00:00+07:00")
    digest = timer("digest", an_assignment(CB1, past), PARENT, past + timedelta(days=2))

    assert await timer_fired(deps, digest) == "nobody_late"  # nobody was assigned yet

    for unit in (CB1, CB2):
        await assigned(notifier, an_assignment(unit, past))
    await reported(notifier, a_report(CB2, on_time=False, due=past))
    assert await timer_fired(deps, digest) == "mailed"

    [mail] = mails(mail_sink, PARENT, "digest")
    assert "Đơn vị chậm báo cáo: 2 đơn vị" in mail.subject
    text = mail.text()
    assert "Chi bộ số 1 (du-h)" in text and "Chi bộ số 2 (du-h)" in text
    assert "12/06/2024" in text  # when the late report came in


async def test_the_digest_goes_to_the_desk_the_reports_are_sent_to(notifier, mail_sink):
    # "báo cáo kết quả về Đảng ủy (qua Ban Tuyên giáo)": the chi bộ report to the desk,
    # which is the one to chase them, not the committee's own mailbox
    deps = deps_of(notifier)
    past = datetime.fromisoformat("2024-05-10T00:00:00+07:00")
    a = an_assignment(CB1, past, to_unit=DESK).model_copy(update={"directive_id": "8-kh--du-h"})
    await assigned(notifier, a)
    digest = timer("digest", a, PARENT, past + timedelta(days=2))
    assert await timer_fired(deps, digest) == "mailed"

    [mail] = mails(mail_sink, DESK, "digest")
    assert mail.text().startswith(f"Kính gửi: Ban Tuyên giáo {PARENT}")
    assert f"các đơn vị trực thuộc Đảng ủy {PARENT} theo" in mail.text()
    assert "Chi bộ số 1 (du-h)" in mail.text()
    assert not [m for m in mails(mail_sink, PARENT, "digest") if "8-kh--du-h" in m.text()]


async def test_a_unit_trying_an_expired_link_is_told_to_its_parent_once(notifier, mail_sink):
    a = an_assignment(CB2).model_copy(update={"directive_id": "9-kh--du-h"})
    await assigned(notifier, a)
    await eventually(lambda: mails(mail_sink, CB2, "assignment"), what="the assignment mail")
    at = datetime.fromisoformat("2099-07-01T09:30:00+07:00")

    async def tries(occasion: str) -> None:
        contact = contact_event("expired", a.directive_id, CB2, "report", at, occasion)
        await announce_contact(notifier.service.broker, contact)

    await tries("first")
    [mail] = await eventually(lambda: mails(mail_sink, PARENT, "expired_link"), what="a mail")
    assert mail.subject == "[7-KH/ĐU] Chi bộ số 2 (du-h) mở đường dẫn báo cáo đã hết hạn"
    text = mail.text()
    assert "lúc 09 giờ 30, ngày 01/07/2099" in text
    assert "/directives/9-kh--du-h/mails" in text
    assert f"chidao link resend --directive 7-KH/ĐU --unit {CB2}" in text
    # it tries again (a reporter that restarted tells again): handled, nothing more sent
    await tries("again")
    js = notifier.service.js

    async def handled_all() -> bool:
        name = topology.NOTIFIER_EXPIRED_LINKS.durable
        info = await js.consumer_info(topology.CONTACTS.name, name)
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(handled_all, what="both tries handled")
    assert len(mails(mail_sink, PARENT, "expired_link")) == 1


async def test_the_heartbeat_timer_fires_and_reaches_the_notifier(notifier):
    async def last_heartbeat() -> float:
        text = (await notifier.http.get("/metrics")).text
        line = next(x for x in text.splitlines() if x.startswith("chidao_timer_heartbeat_"))
        return float(line.rsplit(" ", 1)[1])

    # scheduled at start-up, once a second here, due in the middle of the next second
    assert await eventually(last_heartbeat, within=10, what="a heartbeat to arrive")

    before = time.time()
    await heartbeat_arrived(deps_of(notifier), Heartbeat(heartbeat_at=before))
    assert await last_heartbeat() >= before


async def test_a_mail_refused_for_good_is_a_dead_letter_with_the_servers_answer(
    notifier, mail_sink, js
):
    mail_sink.refuse(550, "mailbox unavailable")
    a = an_assignment(CB2)
    await assigned(notifier, a)

    [letter] = await eventually(lambda: list_all(js), what="the dead letter")
    assert letter.consumer == topology.NOTIFIER_ASSIGNMENTS.durable
    assert letter.reason.startswith(f"mail refused for good: {CB2}: 550 mailbox unavailable")
    entry, _ = await deps_of(notifier).ledger.get(f"{created(a).event_id}.{CB2}")
    assert entry is not None and entry.status == "rejected"
    # a unit whose mail never went is not shown as mailed
    assert await stream_count(js, topology.CONTACTS.name, subjects.all_of(subjects.CONTACT)) == 0
