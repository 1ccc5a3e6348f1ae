"""An assignment nobody opened is mailed again, once, to the unit and its leaders: in the
test process on a real nats-server (its scheduled messages, the contacts the reporter
leaves, the staff accounts) and a real SMTP server, on a simulated clock that runs an
hour a second, so that the unopened timer set one working hour after the mail fires by
itself; and, handled straight by its handler, every way a unit shows it has the
assignment keeps the mail from going."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.domain.timer_plan import Timer, timer, unopened_timer
from services.notifier.handlers.timers import timer_fired
from shared import subjects, topology
from shared.auth.accounts import Account, write_account
from shared.auth.roles import Role
from shared.contacts import announce_contact, contact_event
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
from shared.links import revocation_key
from shared.publishing import publish_event
from shared.settings import Settings
from shared.workdays import WorkCalendar
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import eventually, stream_count

pytestmark = pytest.mark.integration

PARENT = "du-m"
CB1, CB2 = f"{PARENT}-cb1", f"{PARENT}-cb2"
UNITS = committee_with_chi_bo(PARENT, 2)
DIRECTIVE = "51-kh-du--du-m"
START = datetime.fromisoformat("2024-06-19T08:00:00+07:00")  # a Wednesday morning
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # no other timer fires
TITLE = "Kiểm tra công tác bảo vệ bí mật nhà nước năm 2024"
LEADER = "bithu.cb1@test.example.org"


def address(unit: str) -> str:
    return f"{unit}@test.example.org"


def an_assignment(unit: str, secrecy: str | None = None) -> Assignment:
    return Assignment(
        directive_id=DIRECTIVE,
        directive_kind="KH",
        directive_ref="51-KH/ĐU",
        directive_title=TITLE,
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="report",
            action="báo cáo kết quả kiểm tra",
            due_before=DUE,
            text="báo cáo kết quả tự kiểm tra tại đơn vị",
        ),
        assigned_at=START,
        secrecy=secrecy,
    )


async def assigned(running: Running, a: Assignment) -> None:
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    event = AssignmentCreated(
        event_id=subjects.assignment_created_id(*ids), occurred_at=START, assignment=a
    )
    subject = subjects.assignment_created(*ids)
    await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, event)


async def staff(js) -> None:
    """CB1's leader with an address; one disabled, a clerk, and CB2's own leader."""

    def account(username: str, unit: str, role: Role, disabled: bool = False) -> Account:
        return Account(
            username=username,
            display_name=f"Đồng chí {username}",
            unit_id=unit,
            roles=frozenset({role}),
            email=f"{username}@test.example.org",
            disabled=disabled,
        )

    for one in (
        account("bithu.cb1", CB1, Role.LANH_DAO),
        account("cu.cb1", CB1, Role.LANH_DAO, disabled=True),
        account("vanthu.cb1", CB1, Role.VAN_THU),
        account("bithu.cb2", CB2, Role.LANH_DAO),
    ):
        await write_account(js, one)


def mails(sink: MailSink, to: str, template: str) -> list[ReceivedMail]:
    return [m for m in sink.to(to) if m.message["X-Chidao-Template"] == template]


def fired(running: Running, outcome: str) -> float:
    labels = {"kind": "unopened", "outcome": outcome}
    return running.service.registry.get_sample_value("chidao_reminders_fired_total", labels) or 0


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


@pytest.fixture
async def simulated(nats_server, mail_sink) -> AsyncIterator[Running]:
    settings = Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        public_url="http://reporter.test",
        clock=f"sim:{START.isoformat()}@3600",  # an hour a second
        unopened_hours=1,
    )
    async with serving(create_service, settings, UNITS) as running:
        yield running


async def test_a_unit_that_never_opened_is_mailed_again_with_its_leader_once(
    simulated, mail_sink, js
):
    await staff(js)
    # CB2 opens its link (the reporter says so) before its timer comes
    opened = contact_event("opened", DIRECTIVE, CB2, "report", START)
    await announce_contact(simulated.service.broker, opened)
    for unit in (CB1, CB2):
        await assigned(simulated, an_assignment(unit))

    [again] = await eventually(
        lambda: mails(mail_sink, address(CB1), "unopened"), within=30, what="the mail again"
    )
    await eventually(lambda: fired(simulated, "opened") == 1, within=30, what="CB2's timer")
    assert fired(simulated, "mailed") == 1
    assert sorted(again.envelope_to) == sorted([address(CB1), LEADER])
    assert again.subject.startswith("[51-KH/ĐU] Văn bản chưa được mở — Báo cáo kết quả kiểm tra")
    text = " ".join(again.text().split())
    assert "Văn bản Kế hoạch số 51-KH/ĐU gửi đơn vị lúc 08 giờ" in text
    assert "ngày 19/06/2024 chưa được mở: đề nghị đơn vị mở đường dẫn" in text
    assert "lãnh đạo đơn vị: Đồng chí bithu.cb1." in text
    assert "http://reporter.test/r/" in text and TITLE[1:] in text
    # not the disabled leader, nor the clerk; and nothing to CB2 or its leader
    for nobody in ("cu.cb1", "vanthu.cb1", "bithu.cb2"):
        assert mail_sink.to(f"{nobody}@test.example.org") == []
    assert mails(mail_sink, address(CB2), "unopened") == []

    # it fired a working hour after the first mail was accepted, not before
    deps = deps_of(simulated)
    first, _ = await deps.ledger.get(
        f"{subjects.assignment_created_id(DIRECTIVE, CB1, 'report')}.{CB1}"
    )
    key = f"timer.unopened.{DIRECTIVE}.{CB1}.report"
    entry, _ = await deps.ledger.get(f"{key}.{CB1}")
    assert first is not None and entry is not None and entry.status == "sent"
    assert entry.at >= first.at + timedelta(hours=1)
    assert entry.recipients == [address(CB1), LEADER]

    # fired again (a redelivery): the ledger holds it as sent, nothing more goes
    repeat = unopened_timer(an_assignment(CB1), first.at, 1, WorkCalendar())
    assert repeat is not None and repeat.id == key
    assert await timer_fired(deps, repeat) == "mailed"
    assert len(mails(mail_sink, address(CB1), "unopened")) == 1
    assert len(mail_sink.to(LEADER)) == 1


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


def the_timer(a: Assignment) -> Timer:
    made = timer("unopened", a, a.unit_id, START + timedelta(hours=16))
    return made.model_copy(update={"mailed_at": START})


async def asked_more_time(running: Running, unit: str) -> None:
    request = Extension(
        number=1,
        previous_due=DUE,
        requested_due=DUE + timedelta(days=10),
        reason="Đang tổ chức đại hội chi bộ",
        asked_at=START,
    )
    story = Extensions(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        original_due=DUE,
        requests=[request],
    )
    event = ExtensionChanged(
        event_id=subjects.extension_id(DIRECTIVE, unit, "report", 1, "pending"),
        occurred_at=START,
        extensions=story,
    )
    subject = subjects.extension(DIRECTIVE, unit, "report")
    await publish_event(running.service.broker, subject, topology.REPORTS.name, event)


async def reported(running: Running, unit: str) -> None:
    submission = Submission(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        values={"sessions": 1},
        version=1,
        received_at=START,
        first_received_at=START,
        due_before=DUE,
        on_time=True,
    )
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(DIRECTIVE, unit, "report", 1),
        occurred_at=START,
        submission=submission,
    )
    subject = subjects.report_submitted(DIRECTIVE, unit, "report")
    await publish_event(running.service.broker, subject, topology.REPORTS.name, event)


async def contacted(running: Running, how: str, unit: str) -> None:
    event = contact_event(how, DIRECTIVE, unit, "report", START)  # type: ignore[arg-type]
    await announce_contact(running.service.broker, event)


async def revoked(running: Running, unit: str) -> None:
    kv = await running.service.js.key_value(topology.REVOKED_LINKS.name)
    await kv.put(revocation_key(DIRECTIVE, unit, "report"), b"revoked by the staff")


@pytest.mark.parametrize(
    ("shown", "outcome"),
    [
        ("received", "opened"),  # "Đã nhận" on its page
        ("drafted", "opened"),  # a draft saved
        ("expired", "opened"),  # it opened a link past its time: it did open it
        ("extension", "opened"),  # it asked for more time
        ("report", "reported"),
        ("revoked", "revoked"),
    ],
)
async def test_a_unit_that_showed_it_has_the_assignment_is_not_mailed_again(
    notifier, mail_sink, shown, outcome
):
    a = an_assignment(CB1)
    if shown == "extension":
        await asked_more_time(notifier, CB1)
    elif shown == "report":
        await reported(notifier, CB1)
    elif shown == "revoked":
        await revoked(notifier, CB1)
    else:
        await contacted(notifier, shown, CB1)

    assert await timer_fired(deps_of(notifier), the_timer(a)) == outcome
    assert mails(mail_sink, address(CB1), "unopened") == []


async def test_a_secret_directives_goes_without_content_and_to_the_unit_alone_without_leaders(
    notifier, mail_sink
):
    a = an_assignment(CB2, secrecy="mat")
    assert await timer_fired(deps_of(notifier), the_timer(a)) == "mailed"

    [mail] = mails(mail_sink, address(CB2), "unopened")
    assert mail.envelope_to == [address(CB2)]  # no account of CB2 has the leader's role
    text = mail.text()
    assert TITLE[1:] not in text and "tự kiểm tra tại đơn vị" not in text
    assert "văn bản MẬT" in text and "http://reporter.test/r/" in text
    assert "lãnh đạo đơn vị:" not in text
    assert not list(mail.message.iter_attachments())


async def test_the_unopened_timer_outlives_a_moved_deadline_and_goes_with_the_report(notifier, js):
    deps = deps_of(notifier)
    await assigned(notifier, an_assignment(CB1))
    own = f"{subjects.TIMER}.notifier.unopened.{DIRECTIVE}.{CB1}.report"
    await eventually(lambda: _count_is(js, own, 1), what="the unopened timer")

    # an extension granted, a correction: the deadline's timers are planned again, this
    # one follows the mail and stays
    await deps.timers.cancel_superseded(DIRECTIVE, CB1, "report", 1)
    await deps.timers.cancel_before_correction(an_assignment(CB1), 1)
    assert await _count_is(js, own, 1)
    # the report: nothing is left to ask
    await reported(notifier, CB1)
    await eventually(lambda: _count_is(js, own, 0), what="the report to drop it")


async def _count_is(js, subject: str, expected: int) -> bool:
    return await stream_count(js, topology.TIMERS.name, subject) == expected
