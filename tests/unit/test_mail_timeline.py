"""The mail timeline's reading of the ledger keys (services/notifier/console/view.py): each
kind of mail the notifier sends names its unit and requirement at fixed tokens, and a key
of another directive is never taken for this one's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notifier.adapters.ledger import LedgerEntry
from services.notifier.adapters.timeline import LedgerRecord
from services.notifier.console.view import KeyParts, mail_rows, outcome_notice, parse_key
from shared import subjects
from shared.contracts import Unit
from shared.directory import Directory

D = "7-kh-du--du-h"
AT = datetime.fromisoformat("2026-12-03T08:00:00+07:00")


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        (f"{subjects.directive_issued_id(D)}.du-cap-tren", KeyParts("du-cap-tren", None)),
        (f"{subjects.assignment_created_id(D, 'cb1', 'r1')}.cb1", KeyParts("cb1", "r1")),
        (f"{subjects.timer_id('remind-7d', D, 'cb1', 'r1')}.cb1", KeyParts("cb1", "r1", 7)),
        (f"{subjects.timer_id('overdue', D, 'cb1', 'r1')}.cb1", KeyParts("cb1", "r1")),
        (f"{subjects.timer_id('digest', D, 'r1', 'du-h')}.du-h", KeyParts("du-h", "r1")),
        (
            f"{subjects.report_reviewed_id(D, 'cb1', 'r1', 2, 'returned', 41)}.cb1",
            KeyParts("cb1", "r1"),
        ),
        (f"resend.{D}.cb1.r1.{'a' * 32}.cb1", KeyParts("cb1", "r1")),
    ],
)
def test_each_kind_of_mail_names_its_unit_and_requirement(key, parts):
    assert parse_key(key, D) == parts


@pytest.mark.parametrize(
    "key",
    [
        f"{subjects.assignment_created_id('8-kh-du--du-h', 'cb1', 'r1')}.cb1",
        # a directive whose id is a timer's kind: the wildcard "*.digest.>" matches this
        f"{subjects.timer_id('digest', '8-kh-du--du-h', 'r1', 'du-h')}.du-h",
    ],
)
def test_another_directives_mail_is_not_this_ones(key):
    assert parse_key(key, D) is None
    assert parse_key(key, "digest") is None


def test_rows_are_newest_first_in_words():
    directory = Directory([Unit(id="cb1", name="Chi bộ 1", kind="chi_bo", emails=["a@x.org"])])

    def record(key: str, template: str, status: str, minutes: int) -> LedgerRecord:
        entry = LedgerEntry(
            status=status,
            at=AT + timedelta(minutes=minutes),
            template=template,
            recipients=["a@x.org"],
            detail="421 busy" if status == "failed" else "",
        )
        return LedgerRecord(key, entry)

    records = [
        record(f"{subjects.assignment_created_id(D, 'cb1', 'r1')}.cb1", "assignment", "sent", 0),
        record(f"{subjects.timer_id('remind-3d', D, 'cb1', 'r1')}.cb1", "reminder", "failed", 9),
        record(f"resend.{D}.cb1.r1.{'b' * 32}.cb1", "resend", "failed", 5),
    ]
    rows = mail_rows(records, D, directory, {"r1": "báo cáo kết quả"})
    assert [(r.kind_name, r.state_name) for r in rows] == [
        ("Nhắc hạn (còn 3 ngày)", "Lỗi tạm thời, đang thử lại"),
        ("Gửi lại đường dẫn", "Lỗi tạm thời, chưa gửi được"),  # nothing retries a resend
        ("Giao nhiệm vụ", "Máy chủ thư đã nhận"),
    ]
    assert rows[0].unit_name == "Chi bộ 1" and rows[0].about == "báo cáo kết quả"
    assert rows[0].detail == "421 busy" and rows[2].detail == ""


def test_what_a_resend_came_to_is_said_as_a_notice_or_an_alert():
    assert outcome_notice("sent", "Chi bộ 1")[0].startswith("Đã gửi lại")
    assert outcome_notice("failed", "Chi bộ 1")[1].startswith("Máy chủ thư tạm thời")
    assert outcome_notice("<script>", "Chi bộ 1") == ("", "")  # only the known outcomes
