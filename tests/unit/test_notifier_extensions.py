"""Extension requests (xin gia hạn) in the notifier's pure parts: the timers planned for
a deadline granted have ids of their own, the parent's digest judges each unit by its
own deadline in force, and the mails say in Vietnamese what was asked and answered."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

import pytest

from services.notifier.console.view import KeyParts, parse_key
from services.notifier.domain.extension_mails import extension_answer_mail, extension_asked_mail
from services.notifier.domain.late_units import late_units
from services.notifier.domain.mails import Link
from services.notifier.domain.timer_plan import Timer, extended, extension_of, plan
from shared import subjects
from shared.contracts import Assignment, Extension, ReportingRequirement, Submission, Unit
from shared.directory import Directory

D = "7-kh-du--du-h"
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")
NEW_DUE = datetime.fromisoformat("2099-06-10T00:00:00+07:00")
ASKED = datetime.fromisoformat("2099-06-15T00:00:00+07:00")
NOW = datetime.fromisoformat("2099-05-01T08:00:00+07:00")
PARENT = Unit(id="du-h", name="Đảng ủy Hưng", kind="grassroots_committee", emails=["p@x.org"])
CB1 = Unit(id="cb1", name="Chi bộ số 1", kind="chi_bo", parent="du-h", emails=["c1@x.org"])
CB2 = Unit(id="cb2", name="Chi bộ số 2", kind="chi_bo", parent="du-h", emails=["c2@x.org"])
DIRECTORY = Directory([PARENT, CB1, CB2])
REASON = "Đơn vị đang tổ chức đại hội chi bộ, chưa tổng hợp kịp số liệu"


def an_assignment(unit: str = "cb1", **marks: str) -> Assignment:
    return Assignment(
        directive_id=D,
        directive_kind="KH",
        directive_ref="7-KH/ĐU",
        directive_title="Triển khai đợt sinh hoạt chính trị",
        directive_issued_on="2099-04-19",
        issuer_unit="du-h",
        issuer="Đảng ủy Hưng",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="report", action="báo cáo kết quả thực hiện", due_before=DUE
        ),
        assigned_at=datetime.fromisoformat("2099-04-19T08:00:00+07:00"),
        **marks,
    )


def a_request(status: str = "pending", granted: datetime | None = None, answer: str = ""):
    return Extension(
        number=1,
        previous_due=DUE,
        requested_due=ASKED,
        reason=REASON,
        asked_at=NOW,
        status=status,
        granted_due=granted,
        answer=answer,
    )


def a_plan(a: Assignment, extension: int = 0) -> list[Timer]:
    return plan(
        a,
        NOW,
        reminder_days=[7, 3, 1],
        digest_after=timedelta(days=2),
        parent="du-h",
        extension=extension,
    )


# --- timers ---------------------------------------------------------------------------


def test_timers_of_the_deadline_as_assigned_keep_their_ids_and_old_payloads_still_read():
    timers = a_plan(an_assignment())
    assert [t.id for t in timers] == [
        subjects.timer_id("remind-7d", D, "cb1", "report"),
        subjects.timer_id("remind-3d", D, "cb1", "report"),
        subjects.timer_id("remind-1d", D, "cb1", "report"),
        subjects.timer_id("overdue", D, "cb1", "report"),
        subjects.timer_id("digest", D, "report", "du-h"),
    ]
    # a timer scheduled before the field existed comes back without it
    written = timers[0].model_dump(mode="json")
    del written["extension"]
    old = Timer.model_validate(written)
    assert old.extension == 0 and old.tokens == timers[0].tokens


def test_an_extensions_timers_have_kinds_of_their_own_at_the_new_deadline():
    timers = a_plan(extended(an_assignment(), NEW_DUE), extension=1)
    assert [t.tokens[0] for t in timers] == [
        "remind-7d-x1",
        "remind-3d-x1",
        "remind-1d-x1",
        "overdue-x1",
        "digest-x1",
    ]
    assert [t.at for t in timers] == [
        NEW_DUE - timedelta(days=7),
        NEW_DUE - timedelta(days=3),
        NEW_DUE - timedelta(days=1),
        NEW_DUE,
        NEW_DUE + timedelta(days=2),
    ]
    assert all(t.assignment.requirement.due_before == NEW_DUE for t in timers)
    # the parent's digest after one unit's new deadline names that unit: another unit
    # given its first extension to another date gets its own
    digest = timers[-1]
    assert digest.tokens == ("digest-x1", D, "report", "du-h", "cb1")
    other = a_plan(extended(an_assignment("cb2"), ASKED), extension=1)[-1]
    assert other.id != digest.id
    assert [extension_of(t.tokens[0]) for t in timers] == [1] * 5
    assert extension_of("remind-3d") == 0 and extension_of("overdue-x2") == 2


def test_the_timeline_reads_an_extensions_mails_and_timers():
    asked = subjects.extension_id(D, "cb1", "report", 1, "pending")
    assert parse_key(f"{asked}.du-h", D) == KeyParts("du-h", "report")
    remind = subjects.timer_id("remind-3d-x1", D, "cb1", "report")
    assert parse_key(f"{remind}.cb1", D) == KeyParts("cb1", "report", 3)
    digest = subjects.timer_id("digest-x1", D, "report", "du-h", "cb1")
    assert parse_key(f"{digest}.du-h", D) == KeyParts("du-h", "report")


# --- the parent's digest --------------------------------------------------------------


def a_report(unit: str, received: datetime, on_time: bool, due: datetime) -> Submission:
    return Submission(
        directive_id=D,
        unit_id=unit,
        requirement_id="report",
        values={},
        version=1,
        received_at=received,
        first_received_at=received,
        due_before=due,
        on_time=on_time,
    )


def test_a_unit_whose_extension_runs_past_now_is_not_missing_and_lateness_counts_from_its_due():
    now = DUE + timedelta(days=5)  # the digest of the deadline as assigned
    name = DIRECTORY.name
    assigned = [("cb1", None, NEW_DUE + timedelta(days=10)), ("cb2", None, DUE)]
    missing, late = late_units(assigned, name, now)
    assert [u.name for u in missing] == [name("cb2")] and late == []
    assert missing[0].days_late == 5

    # after its new deadline, it is missing, counted from that deadline
    later = NEW_DUE + timedelta(days=2)
    missing, _ = late_units([("cb1", None, NEW_DUE)], name, later)
    assert [(u.name, u.days_late) for u in missing] == [(name("cb1"), 2)]
    # a late report under an extension counts its days from the extended deadline
    received = NEW_DUE + timedelta(days=1)
    report = a_report("cb1", received, on_time=False, due=NEW_DUE)
    _, late = late_units([("cb1", report, NEW_DUE)], name, later)
    assert [(u.name, u.days_late, u.received) for u in late] == [(name("cb1"), 1, "11/06/2099")]


# --- mails ----------------------------------------------------------------------------


def _nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_the_request_tells_the_collecting_body_what_is_asked_and_where_the_leader_decides():
    page = f"http://console.test/reports/{D}/cb1/report"
    mail = extension_asked_mail("k", an_assignment(), a_request(), PARENT, DIRECTORY, page)
    assert mail.template == "extension_asked"
    assert mail.subject.startswith("[7-KH/ĐU] Xin gia hạn: Chi bộ số 1 — báo cáo kết quả")
    for part in (mail.text, mail.html):
        assert REASON in part
        assert "trước ngày 01/06/2099" in part  # the deadline in force
        assert "trước ngày 15/06/2099" in part  # the one asked for
        assert page in part
        assert "Lãnh đạo quyết định trên trang báo cáo" in part
        assert _nfc(part)


def test_a_grant_shorter_than_asked_says_so_with_the_leaders_note_and_the_link():
    link = Link("http://reporter.test/r/tok", NEW_DUE + timedelta(days=30))
    granted = a_request("granted", NEW_DUE, "Đề nghị khẩn trương hoàn thành")
    mail = extension_answer_mail("k", an_assignment(), granted, CB1, DIRECTORY, link)
    assert mail.subject == (
        "[7-KH/ĐU] Đồng ý gia hạn: báo cáo kết quả thực hiện, trước ngày 10/06/2099 (Thứ Tư)"
    )
    text = mail.text
    assert "Thời hạn mới: trước ngày 10/06/2099" in text
    assert "sớm hơn thời hạn đơn vị đề nghị: trước ngày 15/06/2099" in text
    assert "Ý kiến của lãnh đạo: Đề nghị khẩn trương hoàn thành" in text
    assert "http://reporter.test/r/tok" in text and "http://reporter.test/r/tok" in mail.html
    # granted as asked: nothing said of a shorter one
    whole = extension_answer_mail("k", an_assignment(), a_request("granted", ASKED), CB1,
                                  DIRECTORY, link)  # fmt: skip
    assert "sớm hơn" not in whole.text and "sớm hơn" not in whole.html


def test_a_refusal_gives_the_reason_and_keeps_the_deadline():
    refused = a_request("refused", answer="Thời hạn đã được thống nhất từ đầu")
    mail = extension_answer_mail("k", an_assignment(), refused, CB1, DIRECTORY, None)
    assert mail.subject.startswith("[7-KH/ĐU] Không đồng ý gia hạn: báo cáo kết quả thực hiện")
    assert "thời hạn vẫn trước ngày 01/06/2099" in mail.subject
    assert "Lý do: Thời hạn đã được thống nhất từ đầu" in mail.text
    assert "Thời hạn (giữ nguyên): trước ngày 01/06/2099" in mail.text
    assert "Đồng ý gia hạn" not in mail.text and _nfc(mail.text) and _nfc(mail.html)


@pytest.mark.parametrize("status", ["pending", "granted", "refused"])
def test_the_mails_follow_the_documents_marks(status):
    a = an_assignment(urgency="hoa_toc", secrecy="mat")
    x = a_request(status, NEW_DUE if status == "granted" else None, "Ý kiến riêng")
    if status == "pending":
        mail = extension_asked_mail("k", a, x, PARENT, DIRECTORY, "http://console.test/p")
    else:
        mail = extension_answer_mail("k", a, x, CB1, DIRECTORY, None)
    assert mail.subject.startswith("[7-KH/ĐU] HỎA TỐC — ")
    for part in (mail.text, mail.html):
        # a secret document's mail carries neither its title nor what the unit or the
        # leader wrote about it
        assert "Triển khai đợt sinh hoạt chính trị" not in part
        assert REASON not in part and "Ý kiến riêng" not in part
        assert "không gửi qua thư điện tử" in part
