"""A directive corrected (đính chính) or replaced (thay thế) through the notifier in the
test process, on its real adapters: the per-test nats-server (the DIRECTIVES and
ASSIGNMENTS streams the issuer writes, the REPORTS stream, the TIMERS stream, the
ledger) and a real SMTP server. Events are published where the issuer leaves them (the
assignments published again first, then the correction) and taken by the notifier's
own subscribers; handling one again is a call of the handler with the service's Deps,
as a redelivery would make it. A timer firing is a call of the timer handler with the
timer as scheduled, as the extension tests do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.domain.timer_plan import Timer, timer
from services.notifier.handlers.assignments import assignment_created
from services.notifier.handlers.corrections import directive_corrected
from services.notifier.handlers.resend import resend_assignment
from services.notifier.handlers.timers import timer_fired
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Change,
    Correction,
    Directive,
    DirectiveCorrected,
    DirectiveIssued,
    DirectiveRecalled,
    Extension,
    ExtensionChanged,
    Extensions,
    Notice,
    Recall,
    RecipientRole,
    ReportingRequirement,
)
from shared.publishing import publish_event
from shared.settings import Settings
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import eventually, handled_up_to, stream_count

PARENT = "du-c"
CB1, CB2, CB3, CB4 = (f"{PARENT}-cb{i}" for i in range(1, 5))
UNITS = committee_with_chi_bo(PARENT, 4)
DIRECTIVE = "41-kh-du--du-c"
OWN = "6-kh-cb--du-c-cb2"  # CB2's plan implementing the corrected directive
NEW = "42-kh-du--du-c"  # the directive replacing it
TITLE = "Tổng kết công tác xây dựng Đảng năm 2024"
CORRECTED_TITLE = "Tổng kết công tác xây dựng Đảng và hệ thống chính trị năm 2024"
REASON = "Ghi nhầm thời hạn gửi báo cáo kết quả thực hiện"
BY = "Lê Quang Thành (lanhdao.duc)"
LABEL = "Hạn báo cáo “báo cáo kết quả thực hiện”"
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
CORRECTED_AT = datetime.fromisoformat("2024-06-21T09:30:00+07:00")
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # timers far off: none fires
NEW_DUE = datetime.fromisoformat("2099-06-20T00:00:00+07:00")
LATER_DUE = datetime.fromisoformat("2099-06-25T00:00:00+07:00")
GRANTED = datetime.fromisoformat("2099-06-10T00:00:00+07:00")
EARLIER_DUE = datetime.fromisoformat("2099-06-05T00:00:00+07:00")  # before GRANTED
PAST = datetime.fromisoformat("2024-06-10T00:00:00+07:00")
REMOVED = (
    "Đơn vị không còn phải thực hiện và báo cáo theo văn bản này; "
    "báo cáo đã gửi (nếu có) vẫn được lưu."
)
LINK = "http://reporter.test/r/"
OWN_KINDS = {"remind-7d", "remind-3d", "remind-1d", "overdue"}


def address(unit: str) -> str:
    return f"{unit}@test.example.org"


def a_directive(
    title: str = TITLE, due: datetime = DUE, secrecy: str | None = None, ref: str = "41-KH/ĐU"
) -> Directive:
    return Directive(
        kind="KH",
        ref=ref,
        issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        title=title,
        requirements=[
            ReportingRequirement(id="report", action="báo cáo kết quả thực hiện", due_before=due)
        ],
        secrecy=secrecy,
    )


def an_assignment(
    unit: str,
    due: datetime = DUE,
    *,
    correction: int = 0,
    added_in: int = 0,
    cancelled: bool = False,
    title: str = TITLE,
    secrecy: str | None = None,
) -> Assignment:
    return Assignment(
        directive_id=DIRECTIVE,
        directive_kind="KH",
        directive_ref="41-KH/ĐU",
        directive_title=title,
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="report", action="báo cáo kết quả thực hiện", due_before=due
        ),
        assigned_at=NOW,
        secrecy=secrecy,
        correction=correction,
        added_in=added_in,
        cancelled=cancelled,
    )


def created(a: Assignment) -> AssignmentCreated:
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(
            a.directive_id, a.unit_id, a.requirement.id, a.correction
        ),
        occurred_at=NOW,
        assignment=a,
    )


def issued(
    d: Directive, notices: Sequence[str] = (), parents: Sequence[str] = ()
) -> DirectiveIssued:
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(d.id),
        occurred_at=NOW,
        directive_id=d.id,
        directive=d,
        assignment_count=0,
        notices=[Notice(unit_id=u, role=RecipientRole.INFO) for u in notices],
        parents=list(parents),
    )


def own_plan() -> DirectiveIssued:
    own = Directive(
        kind="KH",
        ref="6-KH/CB",
        issued_on="2024-06-20",
        issuer_unit=CB2,
        issuer=f"Chi bộ số 2 ({PARENT})",
        title="Thực hiện Kế hoạch 41-KH/ĐU về tổng kết công tác xây dựng Đảng",
    )
    assert own.id == OWN
    return issued(own, parents=[DIRECTIVE])


def corrected(
    number: int = 1,
    *,
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
    implementing: Sequence[str] = (),
    secrecy: str | None = None,
    due: datetime = NEW_DUE,
) -> DirectiveCorrected:
    d = a_directive(CORRECTED_TITLE, due, secrecy)
    after = f"trước ngày {due:%d/%m/%Y}"
    change = Change(label=LABEL, before="trước ngày 01/06/2099", after=after)
    return DirectiveCorrected(
        event_id=subjects.directive_corrected_id(DIRECTIVE, number),
        occurred_at=CORRECTED_AT,
        directive_id=DIRECTIVE,
        directive=d,
        correction=Correction(
            number=number,
            reason=REASON,
            corrected_at=CORRECTED_AT,
            corrected_by=BY,
            changes=[change],
            added=list(added),
            removed=list(removed),
        ),
        implementing=list(implementing),
    )


def replaced(implementing: Sequence[str] = ()) -> DirectiveRecalled:
    recall = Recall(
        reason="Ban hành kế hoạch mới thay thế, bổ sung nhiệm vụ",
        recalled_at=CORRECTED_AT,
        recalled_by=BY,
        replaced_by=NEW,
        replaced_by_ref="42-KH/ĐU",
    )
    return DirectiveRecalled(
        event_id=subjects.directive_recalled_id(DIRECTIVE),
        occurred_at=CORRECTED_AT,
        directive_id=DIRECTIVE,
        directive=a_directive(),
        recall=recall,
        implementing=list(implementing),
    )


def granted(unit: str) -> ExtensionChanged:
    """``unit``'s first request on its assignment, granted until GRANTED."""
    request = Extension(
        number=1,
        previous_due=DUE,
        requested_due=GRANTED,
        reason="Chi bộ đang tổ chức đại hội",
        asked_at=NOW,
        status="granted",
        granted_due=GRANTED,
        decided_at=NOW + timedelta(days=1),
    )
    story = Extensions(
        directive_id=DIRECTIVE,
        unit_id=unit,
        requirement_id="report",
        original_due=DUE,
        requests=[request],
    )
    return ExtensionChanged(
        event_id=subjects.extension_id(DIRECTIVE, unit, "report", 1, "granted"),
        occurred_at=NOW,
        extensions=story,
    )


async def caught_up(js, spec: topology.ConsumerSpec, seq: int = 0) -> None:
    """Once ``spec``'s consumer has handled everything, the message at stream sequence
    ``seq`` included (just published, it may not count as pending yet)."""

    await eventually(lambda: handled_up_to(js, spec.stream, spec.durable, seq), what=spec.durable)


async def assigned(running: Running, js, a: Assignment) -> None:
    """As the issuer leaves it; returns once the notifier has handled it."""
    subject = subjects.assignment_created(a.directive_id, a.unit_id, a.requirement.id)
    ack = await publish_event(
        running.service.broker, subject, topology.ASSIGNMENTS.name, created(a)
    )
    await caught_up(js, topology.NOTIFIER_ASSIGNMENTS, ack.seq)


async def published(
    running: Running, js, event: DirectiveIssued | DirectiveCorrected | DirectiveRecalled
) -> None:
    """Where the issuer leaves it; returns once the notifier's consumer has handled it."""
    if isinstance(event, DirectiveIssued):
        subject, spec = subjects.directive_issued(event.directive_id), topology.NOTIFIER_DIRECTIVES
    elif isinstance(event, DirectiveCorrected):
        subject = subjects.directive_corrected(event.directive_id)
        spec = topology.NOTIFIER_CORRECTIONS
    else:
        subject, spec = subjects.directive_recalled(event.directive_id), topology.NOTIFIER_RECALLS
    ack = await publish_event(running.service.broker, subject, topology.DIRECTIVES.name, event)
    await caught_up(js, spec, ack.seq)


def mails(sink: MailSink, unit: str, template: str) -> list[ReceivedMail]:
    return [m for m in sink.to(address(unit)) if m.message["X-Chidao-Template"] == template]


def html(mail: ReceivedMail) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def own_timers(unit: str) -> str:
    return f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.{unit}.report"


PARENTS_DIGESTS = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.report.{PARENT}"
EXTENSION_DIGEST = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.report.{PARENT}.{CB1}"


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
    )
    async with serving(create_service, settings, UNITS) as running:
        yield running


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


def fired(running: Running, kind: str, outcome: str) -> float:
    labels = {"kind": kind, "outcome": outcome}
    return running.service.registry.get_sample_value("chidao_reminders_fired_total", labels) or 0


async def test_a_correction_moving_the_deadline_tells_the_unit_once_and_moves_its_timers(
    notifier, mail_sink, js
):
    assert a_directive().id == DIRECTIVE
    deps = deps_of(notifier)
    await published(notifier, js, issued(a_directive(), notices=[CB4]))
    await assigned(notifier, js, an_assignment(CB1))
    assert set(await pending_timers(js, own_timers(CB1))) == OWN_KINDS
    again = an_assignment(CB1, NEW_DUE, correction=1, title=CORRECTED_TITLE)
    await assigned(notifier, js, again)
    await published(notifier, js, corrected())

    [notice] = mails(mail_sink, CB1, "correction_notice")
    assert notice.subject == f"[41-KH/ĐU] Đính chính văn bản (lần 1): {CORRECTED_TITLE}"
    text = notice.text()
    assert "THÔNG BÁO ĐÍNH CHÍNH VĂN BẢN (đính chính lần 1)" in text
    assert "đã đính chính Kế hoạch số 41-KH/ĐU ngày 19/06/2024" in text
    assert f"Lý do đính chính: {REASON}" in text
    assert "Thời điểm đính chính: 09 giờ 30, ngày 21/06/2024" in text
    assert f"Người đính chính: {BY}" in text
    assert f"  - {LABEL}\n      Trước đính chính: trước ngày 01/06/2099\n" in text
    assert "      Sau đính chính: trước ngày 20/06/2099\n" in text
    assert "Thời hạn: trước ngày 20/06/2099" in text and LINK in text
    for header in ("Nội dung", "Trước đính chính", "Sau đính chính"):
        assert f">{header}</th>" in html(notice)
    # no second assignment mail: the notice is the unit's word of the correction
    assert len(mails(mail_sink, CB1, "assignment")) == 1
    # a unit only sent the document is told too, with no link it never had
    [info] = mails(mail_sink, CB4, "correction_notice")
    assert LABEL in info.text() and LINK not in info.text()

    after = await pending_timers(js, own_timers(CB1))
    assert set(after) == {f"{k}-c1" for k in OWN_KINDS}
    for days in (7, 3, 1):
        assert after[f"remind-{days}d-c1"].at == NEW_DUE - timedelta(days=days)
    assert after["overdue-c1"].at == NEW_DUE
    assert all(t.assignment.directive_title == CORRECTED_TITLE for t in after.values())
    [digest] = (await pending_timers(js, PARENTS_DIGESTS)).items()
    assert (digest[0], digest[1].at) == ("digest-c1", NEW_DUE + timedelta(days=2))

    # the notice of the deadline as issued, fired before its cancel came: dropped
    assert await timer_fired(deps, timer("overdue", an_assignment(CB1), CB1, DUE)) == "moved"
    assert await timer_fired(deps, after["overdue-c1"]) == "mailed"
    [overdue] = mails(mail_sink, CB1, "overdue")
    assert "20/06/2099" in overdue.subject

    # the corrected assignment handled again: the timers it set are kept, not purged
    await assignment_created(deps, created(again))
    assert set(await pending_timers(js, own_timers(CB1))) == {f"{k}-c1" for k in OWN_KINDS}
    assert len(mails(mail_sink, CB1, "assignment")) == 1


async def test_a_correction_keeping_the_deadline_replans_with_the_corrected_title(
    notifier, mail_sink, js
):
    deps = deps_of(notifier)
    await assigned(notifier, js, an_assignment(CB1))
    await assigned(notifier, js, an_assignment(CB1, correction=1, title=CORRECTED_TITLE))

    after = await pending_timers(js, own_timers(CB1))
    assert set(after) == {f"{k}-c1" for k in OWN_KINDS}
    assert after["remind-3d-c1"].assignment.directive_title == CORRECTED_TITLE
    # a reminder planned before the correction, fired anyway: the correction's goes instead
    old = timer("remind", an_assignment(CB1), CB1, deps.clock.now(), 3)
    assert await timer_fired(deps, old) == "moved"
    assert mails(mail_sink, CB1, "reminder") == []


async def test_a_unit_the_correction_took_off_is_told_and_never_chased_again(
    notifier, mail_sink, js
):
    deps = deps_of(notifier)
    await published(notifier, js, issued(a_directive()))
    for unit in (CB1, CB2):
        await assigned(notifier, js, an_assignment(unit))
    assert set(await pending_timers(js, own_timers(CB2))) == OWN_KINDS
    await assigned(notifier, js, an_assignment(CB2, correction=1, cancelled=True))
    await assigned(notifier, js, an_assignment(CB1, NEW_DUE, correction=1))
    await published(notifier, js, corrected(removed=[CB2]))

    [notice] = mails(mail_sink, CB2, "correction_notice")
    assert REMOVED in notice.text() and REMOVED in html(notice)
    assert LINK not in notice.text()
    assert "Đơn vị thực hiện và báo cáo theo văn bản đã đính chính" not in notice.text()
    assert LINK in mails(mail_sink, CB1, "correction_notice")[0].text()  # still assigned
    assert await pending_timers(js, own_timers(CB2)) == {}
    assert set(await pending_timers(js, own_timers(CB1))) == {f"{k}-c1" for k in OWN_KINDS}

    # a reminder of the unit taken off, fired anyway (its cancel came too late)
    old = timer("remind", an_assignment(CB2), CB2, deps.clock.now(), 3)
    assert await timer_fired(deps, old) == "cancelled"
    assert mails(mail_sink, CB2, "reminder") == []
    assert fired(notifier, "remind", "cancelled") == 1


async def test_a_unit_taken_off_is_not_resent_its_link(notifier, mail_sink, js):
    """The mails page's "Gửi lại đường dẫn" sends nothing for an assignment a correction
    cancelled: nothing is asked of the unit any more."""
    deps = deps_of(notifier)
    await assigned(notifier, js, an_assignment(CB2))
    taken_off = an_assignment(CB2, correction=1, cancelled=True)
    await assigned(notifier, js, taken_off)

    nonce = "0" * 32
    assert await resend_assignment(deps, created(taken_off), nonce, "chuyenvien") == "cancelled"
    assert mails(mail_sink, CB2, "resend") == []


async def test_the_parents_digest_does_not_count_a_unit_taken_off(notifier, mail_sink, js):
    deps = deps_of(notifier)
    for unit in (CB1, CB2):
        await assigned(notifier, js, an_assignment(unit, PAST))
    await assigned(notifier, js, an_assignment(CB2, PAST, correction=1, cancelled=True))

    digest = timer("digest", an_assignment(CB1, PAST), PARENT, PAST + timedelta(days=2))
    assert await timer_fired(deps, digest) == "mailed"
    [mail] = mails(mail_sink, PARENT, "digest")
    assert "Đơn vị chậm báo cáo: 1 đơn vị" in mail.subject
    assert f"Chi bộ số 1 ({PARENT})" in mail.text()
    assert f"Chi bộ số 2 ({PARENT})" not in mail.text()


async def test_a_unit_the_correction_added_gets_the_full_assignment_mail_not_the_notice(
    notifier, mail_sink, js
):
    await published(notifier, js, issued(a_directive()))
    await assigned(notifier, js, an_assignment(CB1))
    added = an_assignment(CB3, NEW_DUE, correction=1, added_in=1, title=CORRECTED_TITLE)
    await assigned(notifier, js, added)
    await published(notifier, js, corrected(added=[CB3]))

    [mail] = mails(mail_sink, CB3, "assignment")
    assert mail.message["X-Chidao-Event"] == created(added).event_id
    assert "trước ngày 20/06/2099" in mail.subject and LINK in mail.text()
    assert "hệ thống chính trị" in mail.text()  # the title as corrected
    assert set(await pending_timers(js, own_timers(CB3))) == {f"{k}-c1" for k in OWN_KINDS}
    assert mails(mail_sink, CB3, "correction_notice") == []
    assert len(mails(mail_sink, CB1, "correction_notice")) == 1  # the others are told


async def test_a_redelivered_correction_mails_nobody_twice(notifier, mail_sink, js):
    await published(notifier, js, own_plan())
    await published(notifier, js, issued(a_directive(), notices=[CB4]))
    await assigned(notifier, js, an_assignment(CB1))
    await assigned(notifier, js, an_assignment(CB1, NEW_DUE, correction=1))
    event = corrected(implementing=[OWN])
    await published(notifier, js, event)

    def told() -> list[str]:
        key = event.event_id
        return [
            m.message["X-Chidao-Template"]
            for m in mail_sink.messages
            if m.message["X-Chidao-Event"] == key
        ]

    assert sorted(told()) == ["correction_notice", "correction_notice"]  # CB1, CB4
    assert len(mails(mail_sink, CB2, "basis_corrected")) == 1

    again = await directive_corrected(deps_of(notifier), event)

    assert len(again) == 3
    assert sorted(told()) == ["correction_notice", "correction_notice"]
    assert len(mails(mail_sink, CB2, "basis_corrected")) == 1
    # the next correction is news again: its own key
    await assigned(notifier, js, an_assignment(CB1, LATER_DUE, correction=2))
    await published(notifier, js, corrected(2))
    assert len(mails(mail_sink, CB1, "correction_notice")) == 2


async def test_the_issuer_of_an_implementing_directive_is_told_its_basis_was_corrected(
    notifier, mail_sink, js
):
    await published(notifier, js, own_plan())
    await assigned(notifier, js, an_assignment(CB1))
    await assigned(notifier, js, an_assignment(CB1, NEW_DUE, correction=1))

    sent = await directive_corrected(deps_of(notifier), corrected(implementing=[OWN, "9-kh--x"]))

    assert sorted(m.template for m in sent) == ["basis_corrected", "correction_notice"]
    [mail] = mails(mail_sink, CB2, "basis_corrected")
    assert mail.subject == "[6-KH/CB] Văn bản căn cứ đã được đính chính: Kế hoạch số 41-KH/ĐU"
    text = mail.text()
    assert "VĂN BẢN CĂN CỨ ĐÃ ĐƯỢC ĐÍNH CHÍNH (đính chính lần 1)" in text
    assert "Đây là văn bản căn cứ để đơn vị ban hành Kế hoạch số 6-KH/CB ngày 20/06/2024" in text
    assert f"Lý do đính chính: {REASON}" in text
    assert "Sau đính chính: trước ngày 20/06/2099" in text
    assert "Đề nghị xem xét đính chính văn bản của đơn vị (Kế hoạch số 6-KH/CB)" in text
    assert mails(mail_sink, CB2, "correction_notice") == []  # never assigned nor sent it


async def test_a_secret_directives_correction_says_neither_title_nor_reason_nor_changes(
    notifier, mail_sink, js
):
    await assigned(notifier, js, an_assignment(CB1, secrecy="mat"))
    secret = an_assignment(CB1, NEW_DUE, correction=1, title=CORRECTED_TITLE, secrecy="mat")
    await assigned(notifier, js, secret)
    await published(notifier, js, corrected(secrecy="mat"))

    [mail] = mails(mail_sink, CB1, "correction_notice")
    for part in (mail.subject, mail.text(), html(mail)):
        assert CORRECTED_TITLE not in part and TITLE not in part
        assert REASON not in part and LABEL not in part and "Trước đính chính" not in part
    assert "Đây là văn bản MẬT" in mail.text()
    assert "Kế hoạch số 41-KH/ĐU" in mail.text() and "đính chính lần 1" in mail.text()


async def granted_an_extension(running: Running, js) -> set[str]:
    """CB1 assigned, then granted until GRANTED: its timers moved to that deadline."""
    await published(running, js, issued(a_directive()))
    await assigned(running, js, an_assignment(CB1))
    subject = subjects.extension(DIRECTIVE, CB1, "report")
    ack = await publish_event(running.service.broker, subject, topology.REPORTS.name, granted(CB1))
    await caught_up(js, topology.NOTIFIER_EXTENSIONS, ack.seq)
    extended = {f"{k}-x1" for k in OWN_KINDS}
    assert set(await pending_timers(js, own_timers(CB1))) == extended
    return extended


async def test_an_extension_granted_past_the_corrected_deadline_keeps_it_and_its_timers(
    notifier, mail_sink, js
):
    extended = await granted_an_extension(notifier, js)

    await assigned(notifier, js, an_assignment(CB1, EARLIER_DUE, correction=1))
    await published(notifier, js, corrected(due=EARLIER_DUE))

    assert set(await pending_timers(js, own_timers(CB1))) == extended
    [notice] = mails(mail_sink, CB1, "correction_notice")
    text = notice.text()
    assert "Thời hạn: trước ngày 10/06/2099" in text
    assert "(thời hạn đơn vị đã được gia hạn)" in text


async def test_a_correction_past_the_extension_granted_replaces_its_timers(notifier, mail_sink, js):
    await granted_an_extension(notifier, js)
    assert await stream_count(js, topology.TIMERS.name, EXTENSION_DIGEST) == 1

    await assigned(notifier, js, an_assignment(CB1, NEW_DUE, correction=1))
    await published(notifier, js, corrected())

    after = await pending_timers(js, own_timers(CB1))
    assert set(after) == {f"{k}-c1" for k in OWN_KINDS}
    assert after["overdue-c1"].at == NEW_DUE
    assert await stream_count(js, topology.TIMERS.name, EXTENSION_DIGEST) == 0
    [notice] = mails(mail_sink, CB1, "correction_notice")
    assert "Thời hạn: trước ngày 20/06/2099" in notice.text()
    assert "gia hạn" not in notice.text()


async def test_a_grant_short_of_a_deadline_corrected_later_leaves_the_corrections_timers(
    notifier, mail_sink, js
):
    """Asked before the correction, granted after it, for less time than the correction
    gave: the corrected deadline stays in force, and its timers."""
    await published(notifier, js, issued(a_directive()))
    await assigned(notifier, js, an_assignment(CB1))
    await assigned(notifier, js, an_assignment(CB1, NEW_DUE, correction=1))
    corrections = {f"{k}-c1" for k in OWN_KINDS}
    assert set(await pending_timers(js, own_timers(CB1))) == corrections

    subject = subjects.extension(DIRECTIVE, CB1, "report")
    ack = await publish_event(notifier.service.broker, subject, topology.REPORTS.name, granted(CB1))
    await caught_up(js, topology.NOTIFIER_EXTENSIONS, ack.seq)

    assert set(await pending_timers(js, own_timers(CB1))) == corrections
    [answer] = mails(mail_sink, CB1, "extension_answer")
    assert LINK in answer.text()


async def test_an_earlier_correction_handled_after_a_later_one_brings_back_none_of_its_timers(
    notifier, js
):
    await assigned(notifier, js, an_assignment(CB1))
    first = an_assignment(CB1, NEW_DUE, correction=1)
    await assigned(notifier, js, first)
    await assigned(notifier, js, an_assignment(CB1, LATER_DUE, correction=2))
    later = {f"{k}-c2" for k in OWN_KINDS}
    assert set(await pending_timers(js, own_timers(CB1))) == later

    # the first correction's assignment, redelivered after the second was handled
    assert await assignment_created(deps_of(notifier), created(first)) == []

    after = await pending_timers(js, own_timers(CB1))
    assert set(after) == later
    assert after["overdue-c2"].at == LATER_DUE
    assert set(await pending_timers(js, PARENTS_DIGESTS)) == {"digest-c2"}


async def test_a_replaced_directives_notices_name_the_new_document(notifier, mail_sink, js):
    await published(notifier, js, own_plan())
    await published(notifier, js, issued(a_directive(), notices=[CB4]))
    await assigned(notifier, js, an_assignment(CB1))
    await published(notifier, js, replaced(implementing=[OWN]))

    [notice] = mails(mail_sink, CB1, "recall_notice")
    assert notice.subject == f"[41-KH/ĐU] Thay thế văn bản: {TITLE}"
    text = notice.text()
    assert "THÔNG BÁO THAY THẾ VĂN BẢN" in text and "thu hồi" not in text.lower()
    assert "đã ban hành văn bản số 42-KH/ĐU thay thế\nKế hoạch số 41-KH/ĐU" in text
    assert "Lý do thay thế: Ban hành kế hoạch mới" in text
    assert "Đề nghị đơn vị thực hiện và báo cáo theo văn bản số 42-KH/ĐU" in text
    assert "Báo cáo đã gửi theo văn" in text
    assert "<strong>văn bản số 42-KH/ĐU</strong> <strong>thay thế</strong>" in html(notice)
    [info] = mails(mail_sink, CB4, "recall_notice")
    assert "Đề nghị đơn vị thực hiện theo văn bản số 42-KH/ĐU" in info.text()
    [basis] = mails(mail_sink, CB2, "basis_recalled")
    assert basis.subject == "[6-KH/CB] Văn bản căn cứ đã được thay thế: Kế hoạch số 41-KH/ĐU"
    assert "cho phù hợp với\nvăn bản số 42-KH/ĐU" in basis.text()
    # everything else a recall does still happens
    pattern = f"{subjects.TIMER}.notifier.*.{DIRECTIVE}.>"
    assert await stream_count(js, topology.TIMERS.name, pattern) == 0
