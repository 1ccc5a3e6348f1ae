"""A directive recalled (thu hồi) through the notifier in the test process, on its real
adapters: the per-test nats-server (the DIRECTIVES and ASSIGNMENTS streams the issuer
writes, the TIMERS stream, the ledger) and a real SMTP server. Events are published
where the issuer leaves them and taken by the notifier's own subscribers; handling one
again is a call of the handler with the service's Deps, as a redelivery would make it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.domain.timer_plan import extended, timer
from services.notifier.handlers.assignments import assignment_created
from services.notifier.handlers.directives import directive_issued
from services.notifier.handlers.recalls import directive_recalled
from services.notifier.handlers.resend import resend_assignment
from services.notifier.handlers.timers import timer_fired
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    DirectiveRecalled,
    Notice,
    Recall,
    RecipientRole,
    ReportingRequirement,
)
from shared.publishing import publish_event
from shared.settings import Settings
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import consumer_caught_up, eventually, stream_count

PARENT = "du-r"
CB1, CB2, CB3 = f"{PARENT}-cb1", f"{PARENT}-cb2", f"{PARENT}-cb3"
UNITS = committee_with_chi_bo(PARENT, 3)
DIRECTIVE = "31-kh-du--du-r"
OTHER = f"{DIRECTIVE}-bis"  # a directive whose id starts with the recalled one's
OWN = "5-kh-cb--du-r-cb1"  # CB1's plan implementing the recalled directive
TITLE = "Triển khai đợt sinh hoạt chính trị về công tác cán bộ"
OWN_TITLE = "Thực hiện Kế hoạch 31-KH/ĐU của Đảng ủy về công tác cán bộ"
REASON = "Văn bản ban hành sai thẩm quyền, sẽ ban hành văn bản thay thế"
RECALLED_BY = "Lê Quang Thành (lanhdao.dur)"
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # timers far off: none fires
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
REQUIREMENTS = ("plan", "results")
LINK_GONE = "đường dẫn báo cáo trong thư\ntrước không dùng được nữa"


def address(unit: str) -> str:
    return f"{unit}@test.example.org"


def a_directive(secrecy: str | None = None) -> Directive:
    return Directive(
        kind="KH",
        ref="31-KH/ĐU",
        issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        title=TITLE,
        requirements=[
            ReportingRequirement(id=r, action=f"báo cáo {r}", due_before=DUE) for r in REQUIREMENTS
        ],
        secrecy=secrecy,
    )


def an_assignment(
    unit: str, requirement: str, directive_id: str = DIRECTIVE, secrecy: str | None = None
) -> Assignment:
    return Assignment(
        directive_id=directive_id,
        directive_kind="KH",
        directive_ref="31-KH/ĐU",
        directive_title=TITLE,
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        unit_id=unit,
        requirement=ReportingRequirement(
            id=requirement, action=f"báo cáo {requirement}", due_before=DUE
        ),
        assigned_at=NOW,
        secrecy=secrecy,
    )


def created(a: Assignment) -> AssignmentCreated:
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(a.directive_id, a.unit_id, a.requirement.id),
        occurred_at=NOW,
        assignment=a,
    )


def issued(d: Directive, notices: Sequence[str], parents: Sequence[str] = ()) -> DirectiveIssued:
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(d.id),
        occurred_at=NOW,
        directive_id=d.id,
        directive=d,
        assignment_count=0,
        notices=[Notice(unit_id=u, role=RecipientRole.INFO) for u in notices],
        parents=list(parents),
    )


def recalled(d: Directive, implementing: Sequence[str] = ()) -> DirectiveRecalled:
    at = NOW + timedelta(days=2, hours=1, minutes=30)
    return DirectiveRecalled(
        event_id=subjects.directive_recalled_id(d.id),
        occurred_at=at,
        directive_id=d.id,
        directive=d,
        recall=Recall(reason=REASON, recalled_at=at, recalled_by=RECALLED_BY),
        implementing=list(implementing),
    )


async def caught_up(js, spec: topology.ConsumerSpec) -> None:
    await eventually(lambda: consumer_caught_up(js, spec.stream, spec.durable), what=spec.durable)


async def assigned(running: Running, js, a: Assignment) -> None:
    """As the issuer leaves it; returns once the notifier has mailed it and set its timers."""
    subject = subjects.assignment_created(a.directive_id, a.unit_id, a.requirement.id)
    await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, created(a))
    await caught_up(js, topology.NOTIFIER_ASSIGNMENTS)


async def published(running: Running, event: DirectiveIssued | DirectiveRecalled) -> None:
    if isinstance(event, DirectiveIssued):
        subject = subjects.directive_issued(event.directive_id)
    else:
        subject = subjects.directive_recalled(event.directive_id)
    await publish_event(running.service.broker, subject, topology.DIRECTIVES.name, event)


def mails(sink: MailSink, unit: str, template: str) -> list[ReceivedMail]:
    return [m for m in sink.to(address(unit)) if m.message["X-Chidao-Template"] == template]


def recall_mails(sink: MailSink) -> list[ReceivedMail]:
    return [m for m in sink.messages if m.message["X-Chidao-Template"] == "recall_notice"]


def html(mail: ReceivedMail) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def timers_of(directive_id: str) -> str:
    return f"{subjects.TIMER}.notifier.*.{directive_id}.>"


@pytest.fixture
async def notifier(nats_server, mail_sink) -> AsyncIterator[Running]:
    settings = Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        public_url="http://reporter.test",
    )
    async with serving(create_service, settings, UNITS) as running:
        yield running


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


def cancelled_so_far(running: Running) -> float:
    value = running.service.registry.get_sample_value("chidao_reminders_cancelled_total")
    return value or 0.0


async def test_every_unit_reached_is_told_once_and_the_directives_timers_are_dropped(
    notifier, mail_sink, js
):
    deps = deps_of(notifier)
    for unit in (CB1, CB2):
        for requirement in REQUIREMENTS:
            await assigned(notifier, js, an_assignment(unit, requirement))
    await published(notifier, issued(a_directive(), notices=[CB3]))
    await caught_up(js, topology.NOTIFIER_DIRECTIVES)
    # three reminders, the overdue notice and the unopened timer per assignment, a digest
    # per requirement
    assert await stream_count(js, topology.TIMERS.name, timers_of(DIRECTIVE)) == 4 * 5 + 2
    # and an extension's own, its digest naming the unit (kind.d.r.parent.unit)
    granted = extended(an_assignment(CB2, "results"), DUE + timedelta(days=10))
    await deps.timers.schedule(deps.timers.plan(granted, extension=1))
    assert await stream_count(js, topology.TIMERS.name, timers_of(DIRECTIVE)) == 22 + 5
    other = an_assignment(CB1, "plan", directive_id=OTHER)
    await deps.timers.schedule(deps.timers.plan(other))
    before = cancelled_so_far(notifier)

    event = recalled(a_directive())
    await published(notifier, event)
    await caught_up(js, topology.NOTIFIER_RECALLS)

    told = recall_mails(mail_sink)
    assert sorted(m.message["X-Chidao-Unit"] for m in told) == [CB1, CB2, CB3]
    for mail in told:
        assert mail.subject == f"[31-KH/ĐU] Thu hồi văn bản: {TITLE}"
        assert mail.message["X-Chidao-Event"] == event.event_id
        text = mail.text()
        assert f"Lý do thu hồi: {REASON}" in text
        assert "Thời điểm thu hồi: 09 giờ 30, ngày 21/06/2024" in text
        assert f"Người thu hồi: {RECALLED_BY}" in text
        assert "Kế hoạch số 31-KH/ĐU ngày 19/06/2024" in text
    # the link sentence only to those whose mails carried a link
    assert LINK_GONE in mails(mail_sink, CB1, "recall_notice")[0].text()
    assert LINK_GONE not in mails(mail_sink, CB3, "recall_notice")[0].text()
    assert await stream_count(js, topology.TIMERS.name, timers_of(DIRECTIVE)) == 0
    assert await stream_count(js, topology.TIMERS.name, timers_of(OTHER)) == 5
    assert cancelled_so_far(notifier) - before == 27

    # handled again (a redelivery): the ledger holds each as sent, nothing more goes
    again = await directive_recalled(deps, event)
    assert len(again) == 3
    assert len(recall_mails(mail_sink)) == 3
    assert cancelled_so_far(notifier) - before == 27


async def test_the_issuer_of_an_implementing_directive_is_told_its_basis_is_gone(
    notifier, mail_sink, js
):
    own = Directive(
        kind="KH",
        ref="5-KH/CB",
        issued_on="2024-06-20",
        issuer_unit=CB1,
        issuer=f"Chi bộ số 1 ({PARENT})",
        title=OWN_TITLE,
    )
    assert own.id == OWN
    await published(notifier, issued(own, notices=[], parents=[DIRECTIVE]))
    await assigned(notifier, js, an_assignment(CB1, "plan"))

    # an id the notifier cannot read is left out, the others still told
    sent = await directive_recalled(deps_of(notifier), recalled(a_directive(), [OWN, "9-kh--x"]))

    assert sorted(m.template for m in sent) == ["basis_recalled", "recall_notice"]
    [mail] = mails(mail_sink, CB1, "basis_recalled")
    assert mail.subject == "[5-KH/CB] Văn bản căn cứ đã bị thu hồi: Kế hoạch số 31-KH/ĐU"
    text = mail.text()
    assert "Kế hoạch số 31-KH/ĐU ngày 19/06/2024" in text
    assert "Kế hoạch số 5-KH/CB ngày 20/06/2024" in text
    assert f"Lý do thu hồi: {REASON}" in text
    assert "Đề nghị xem xét điều chỉnh hoặc thu hồi văn bản của đơn vị" in text
    # CB1 was assigned the recalled directive too: its notice is a mail of its own
    assert len(mails(mail_sink, CB1, "recall_notice")) == 1
    assert mails(mail_sink, PARENT, "basis_recalled") == []


async def test_a_secret_directives_recall_says_neither_its_title_nor_the_reason(
    notifier, mail_sink, js
):
    secret = a_directive(secrecy="mat")
    await published(notifier, issued(secret, notices=[CB3]))
    await assigned(notifier, js, an_assignment(CB2, "plan", secrecy="mat"))

    await directive_recalled(deps_of(notifier), recalled(secret))

    told = recall_mails(mail_sink)
    assert sorted(m.message["X-Chidao-Unit"] for m in told) == [CB2, CB3]
    for mail in told:
        for part in (mail.subject, mail.text(), html(mail)):
            assert TITLE not in part and REASON not in part
            assert "sinh hoạt chính trị" not in part
        assert "Đây là văn bản MẬT" in mail.text()
        assert "Kế hoạch số 31-KH/ĐU" in mail.text()  # which document, still said


async def test_a_timer_of_a_recalled_directive_that_fires_anyway_mails_nothing(notifier, mail_sink):
    deps = deps_of(notifier)
    now = deps.clock.now()
    reminder = timer("remind", an_assignment(CB1, "plan"), CB1, now, 3)
    control = timer("remind", an_assignment(CB2, "plan", directive_id=OTHER), CB2, now, 3)
    await published(notifier, recalled(a_directive()))

    assert await timer_fired(deps, reminder) == "recalled"
    assert await timer_fired(deps, control) == "mailed"  # the same timer, not recalled
    assert mails(mail_sink, CB1, "reminder") == []
    assert len(mails(mail_sink, CB2, "reminder")) == 1
    registry = notifier.service.registry
    labels = {"kind": "remind", "outcome": "recalled"}
    assert registry.get_sample_value("chidao_reminders_fired_total", labels) == 1


async def test_an_assignment_or_a_notice_handled_after_the_recall_mails_nothing(
    notifier, mail_sink, js
):
    deps = deps_of(notifier)
    await published(notifier, recalled(a_directive()))
    await caught_up(js, topology.NOTIFIER_RECALLS)

    # the issuer's events, taken by their consumers after the recall's
    assert await assignment_created(deps, created(an_assignment(CB1, "plan"))) == []
    assert await directive_issued(deps, issued(a_directive(), notices=[CB3])) == []
    assert mail_sink.to(address(CB1)) == [] and mail_sink.to(address(CB3)) == []
    assert await stream_count(js, topology.TIMERS.name, timers_of(DIRECTIVE)) == 0
    # a directive not recalled is mailed as ever
    assert len(await assignment_created(deps, created(an_assignment(CB1, "plan", OTHER)))) == 5


async def test_a_recalled_directives_link_is_not_resent(notifier, mail_sink, js):
    """The mails page's "Gửi lại đường dẫn" of a recalled directive sends nothing: its
    links answer that it was recalled, and nothing is asked under it any more."""
    deps = deps_of(notifier)
    a = an_assignment(CB1, "plan")
    await published(notifier, recalled(a_directive()))
    nonce = "0" * 32
    assert await resend_assignment(deps, created(a), nonce, "chuyenvien") == "recalled"
    assert mails(mail_sink, CB1, "resend") == []
    other = an_assignment(CB1, "plan", directive_id=OTHER)
    assert await resend_assignment(deps, created(other), nonce, "chuyenvien") == "sent"
