"""Mails as the clerk reads them: Vietnamese, with the number-symbol and the deadline."""

from __future__ import annotations

import email
import email.policy
import unicodedata

from services.notifier.compose import assignment_mail, notice_mail
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    RecipientRole,
    ReportingRequirement,
    Unit,
)
from shared.directory import Directory

ISSUER = Unit(
    id="du-snv",
    name="Đảng ủy Sở Nội vụ",
    kind="grassroots_committee",
    emails=["du@snv.example.org"],
)
CHI_BO = Unit(
    id="cb-vp",
    name="Chi bộ Văn phòng Sở",
    kind="chi_bo",
    parent="du-snv",
    emails=["vp@snv.example.org", "bithu.vp@snv.example.org"],
)
TITLE = (
    "Triển khai đợt sinh hoạt chính trị, tư tưởng sâu rộng về nội dung tác phẩm "
    "“Xây dựng và phát triển nền đối ngoại, ngoại giao Việt Nam toàn diện, hiện đại”"
)
REQUIREMENT = ReportingRequirement(
    id="r1",
    action="báo cáo kết quả thực hiện",
    due_before="2024-12-10T00:00:00+07:00",
    text="báo cáo kết quả thực hiện trước ngày 10/12/2024",
)


def _assignment_event() -> AssignmentCreated:
    assignment = Assignment(
        directive_id="101-kh-du--du-snv",
        directive_kind="KH",
        directive_ref="101-KH/ĐU",
        directive_title=TITLE,
        directive_issued_on="2024-06-19",
        issuer_unit="du-snv",
        issuer="Đảng ủy Sở Nội vụ",
        unit_id="cb-vp",
        requirement=REQUIREMENT,
        assigned_at="2024-06-19T08:00:00+07:00",
    )
    return AssignmentCreated(
        event_id=f"assignment-created.{assignment.id}",
        occurred_at="2024-06-19T08:00:00+07:00",
        assignment=assignment,
    )


def _delivered(message) -> email.message.EmailMessage:
    """What a mail client sees after the message crossed SMTP as bytes."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_assignment_mail_names_the_requirement_and_the_deadline_with_its_weekday():
    mail = assignment_mail(_assignment_event(), CHI_BO, Directory([ISSUER, CHI_BO]))
    assert mail.subject.startswith("[101-KH/ĐU] ")
    assert "trước ngày 10/12/2024 (Thứ Ba)" in mail.subject
    for expected in (
        "Kính gửi: Chi bộ Văn phòng Sở",
        "Kế hoạch số 101-KH/ĐU ngày 19/06/2024",
        "Nội dung: báo cáo kết quả thực hiện",
        "Gửi về: Đảng ủy Sở Nội vụ",
        "Thời hạn: trước ngày 10/12/2024 (Thứ Ba)",
    ):
        assert expected in mail.body
    assert unicodedata.is_normalized("NFC", mail.body)


def test_long_vietnamese_subjects_survive_the_trip_through_smtp_bytes():
    mail = notice_mail(
        DirectiveIssued(
            event_id="directive-issued.101-kh-du--du-snv",
            occurred_at="2024-06-19T08:00:00+07:00",
            directive_id="101-kh-du--du-snv",
            assignment_count=1,
            directive=Directive(
                kind="KH",
                ref="101-KH/ĐU",
                issued_on="2024-06-19",
                issuer_unit="du-snv",
                issuer="Đảng ủy Sở Nội vụ",
                title=TITLE,
                requirements=[REQUIREMENT],
            ),
        ),
        ISSUER,
        RecipientRole.REPORT,
    )
    received = _delivered(mail.to_message("Hệ thống chidao <chidao@chidao.example.org>"))
    assert received["Subject"] == mail.subject
    assert "101-KH/ĐU: Triển khai" in received["Subject"]  # the space after the colon stays
    assert "Văn bản được gửi để báo cáo." in received.get_body().get_content()


def test_every_mailbox_of_the_unit_is_addressed_with_its_vietnamese_name():
    mail = assignment_mail(_assignment_event(), CHI_BO, Directory([ISSUER, CHI_BO]))
    received = _delivered(mail.to_message("chidao@chidao.example.org"))
    addresses = received["To"].addresses
    assert [a.addr_spec for a in addresses] == CHI_BO.emails
    assert {a.display_name for a in addresses} == {"Chi bộ Văn phòng Sở"}


def test_the_same_event_and_unit_always_give_the_same_message_id():
    directory = Directory([ISSUER, CHI_BO])
    first = assignment_mail(_assignment_event(), CHI_BO, directory).to_message("a@b.example.org")
    again = assignment_mail(_assignment_event(), CHI_BO, directory).to_message("a@b.example.org")
    other = assignment_mail(_assignment_event(), ISSUER, directory).to_message("a@b.example.org")
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]
    assert first["X-Chidao-Event"].isascii() and first["X-Chidao-Unit"] == "cb-vp"
