"""Mails as the clerk reads them: Vietnamese, with the number-symbol and the deadline."""

from __future__ import annotations

import email
import email.policy
import unicodedata
from datetime import datetime

import pytest

from services.notifier.domain.mails import (
    Attachment,
    LateUnit,
    Link,
    after_about,
    assignment_mail,
    digest_mail,
    expired_link_mail,
    notice_mail,
    overdue_mail,
    reminder_mail,
)
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
from shared.forms import DEFAULT_FORM, builtin

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


LINK = Link(
    "http://reporter.example.org/r/SIGNED-TOKEN",
    datetime.fromisoformat("2025-01-09T00:00:00+07:00"),
)
DIRECTORY = Directory([ISSUER, CHI_BO])


def _every_template():
    """One mail of each kind, as the notifier sends them to the chi bộ or its parent."""
    event = _assignment_event()
    a = event.assignment
    late = [LateUnit("Chi bộ Kế toán", 2, received="12/12/2024")]
    missing = [LateUnit("Chi bộ Văn phòng Sở", 2)]
    return {
        "assignment": assignment_mail(event, CHI_BO, DIRECTORY, LINK),
        "reminder": reminder_mail("timer.remind-3d.x", a, CHI_BO, DIRECTORY, 3, LINK),
        "overdue": overdue_mail("timer.overdue.x", a, CHI_BO, DIRECTORY, LINK),
        "digest": digest_mail("timer.digest.x", a, ISSUER, missing, late),
        "directive_notice": notice_mail(_issued_event(), CHI_BO, RecipientRole.ACTION),
        "expired_link": expired_link_mail(
            a, ISSUER, DIRECTORY, LINK.expires, "http://console.example.org/directives/x/mails"
        ),
    }


def _issued_event() -> DirectiveIssued:
    return DirectiveIssued(
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
    )


@pytest.mark.parametrize(
    "template",
    ["assignment", "reminder", "overdue", "digest", "directive_notice", "expired_link"],
)
def test_every_template_is_vietnamese_in_both_parts_and_names_the_deadline(template):
    mail = _every_template()[template]
    assert mail.template == template
    assert mail.subject.startswith("[101-KH/ĐU] ")
    received = _delivered(mail.to_message("chidao@chidao.example.org"))
    assert received["X-Chidao-Template"] == template
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    for part in (text, html, mail.subject):
        assert unicodedata.is_normalized("NFC", part)
    for part in (text, html):
        # the deadline the Vietnamese way with its weekday, and who the mail is for
        assert "trước ngày 10/12/2024 (Thứ Ba)" in part
        assert f"Kính gửi: {mail.unit.name}" in part.replace("<strong>", "").replace(
            "</strong>", ""
        )
    assert "<html" in html and "{{" not in html and "{{" not in text


@pytest.mark.parametrize("template", ["assignment", "reminder", "overdue"])
def test_mails_to_a_unit_that_must_report_carry_its_link_and_when_it_expires(template):
    mail = _every_template()[template]
    for part in (mail.text, mail.html):
        assert LINK.url in part
        assert "00 giờ 00, ngày 09/01/2025" in part


def test_the_three_chasing_mails_say_what_they_are_in_their_subjects():
    mails = _every_template()
    assert "Nhắc hạn: còn 3 ngày" in mails["reminder"].subject
    assert "Còn 3 ngày đến hạn báo cáo" in mails["reminder"].text
    assert mails["overdue"].subject.startswith("[101-KH/ĐU] Đôn đốc: quá hạn")
    assert "chưa nhận được báo cáo của đơn vị" in mails["overdue"].text
    assert "Đơn vị chậm báo cáo: 2 đơn vị" in mails["digest"].subject


def test_the_digest_lists_the_missing_and_the_late_units_apart():
    text = _every_template()["digest"].text
    missing, _, late = text.partition("Đơn vị báo cáo muộn (1):")
    assert "Đơn vị chưa báo cáo (1):" in missing
    assert "- Chi bộ Văn phòng Sở (quá hạn 2 ngày)" in missing
    assert "- Chi bộ Kế toán (nhận ngày 12/12/2024, muộn 2 ngày)" in late
    assert "Chi bộ Kế toán" not in missing


@pytest.mark.parametrize(
    ("role", "purpose"),
    [
        (RecipientRole.ACTION, "tổ chức triển khai thực hiện"),
        (RecipientRole.REPORT, "Văn bản được gửi để báo cáo."),
        (RecipientRole.INFO, "Văn bản được gửi để biết"),
    ],
)
def test_the_directive_notice_is_worded_by_what_the_recipient_does_with_it(role, purpose):
    mail = notice_mail(_issued_event(), CHI_BO, role)
    assert purpose in mail.text and purpose in mail.html
    others = {
        "tổ chức triển khai thực hiện",
        "Văn bản được gửi để báo cáo.",
        "Văn bản được gửi để biết",
    }
    for other in others - {purpose}:
        assert other not in mail.text


def test_the_html_part_escapes_what_came_from_the_document():
    event = _assignment_event()
    hostile = event.assignment.model_copy(update={"directive_title": "<script>x</script> & co"})
    mail = overdue_mail("timer.overdue.x", hostile, CHI_BO, DIRECTORY, LINK)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>x</script> & co" in mail.text


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
        assert expected in mail.text
    assert unicodedata.is_normalized("NFC", mail.text)


def test_long_vietnamese_subjects_survive_the_trip_through_smtp_bytes():
    mail = notice_mail(_issued_event(), ISSUER, RecipientRole.REPORT)
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


def test_a_title_after_ve_viec_reads_in_lower_case_but_an_abbreviation_keeps_its_capitals():
    assert after_about("Triển khai đợt sinh hoạt chính trị") == "triển khai đợt sinh hoạt chính trị"
    assert after_about("BHXH tỉnh thực hiện chính sách") == "BHXH tỉnh thực hiện chính sách"
    assert after_about("") == ""
    mail = assignment_mail(_assignment_event(), CHI_BO, Directory([ISSUER, CHI_BO]))
    assert "về việc t" in mail.text and "về việc T" not in mail.text


def test_the_assignment_mail_lists_what_its_form_will_ask_for_but_no_computed_field():
    form = builtin()[DEFAULT_FORM]
    mail = assignment_mail(_assignment_event(), CHI_BO, Directory([ISSUER, CHI_BO]), form=form)
    assert f'Biểu mẫu báo cáo "{form.title}" sẽ hỏi' in mail.text
    typed = [f for f in form.fields if f.ratio_of is None]
    for field in typed:
        assert f"  - {field.label}" in mail.text
    computed = [f for f in form.fields if f.ratio_of is not None]
    assert computed and all(f"  - {f.label}" not in mail.text for f in computed)
    assert "<li>" in mail.html and form.title in mail.html


def test_a_reminder_in_working_days_says_so():
    a = _assignment_event().assignment
    mail = reminder_mail("timer.remind-3wd.x", a, CHI_BO, DIRECTORY, 3, LINK, working_days=True)
    assert "Nhắc hạn: còn 3 ngày làm việc — " in mail.subject
    assert "Còn 3 ngày làm việc đến hạn báo cáo" in mail.text


def _marked(**marks) -> AssignmentCreated:
    event = _assignment_event()
    return event.model_copy(update={"assignment": event.assignment.model_copy(update=marks)})


def test_a_secret_directive_is_mailed_without_its_title_its_words_or_its_file():
    event = _marked(secrecy="mat")
    attachment = Attachment("ke-hoach.pdf", "application/pdf", b"%PDF-1.4 secret")
    mail = assignment_mail(event, CHI_BO, DIRECTORY, LINK, attachment)
    assert mail.attachment is None
    for part in (mail.text, mail.html, mail.subject):
        assert "sinh hoạt chính trị" not in part and '10/12/2024"' not in part
    assert "Đây là văn bản MẬT: văn bản và nội dung không gửi qua thư điện tử" in mail.text
    assert "Trích văn bản" not in mail.text  # the requirement's sentence stays home
    assert "nhận bản giấy trực tiếp tại Đảng ủy Sở Nội vụ" in " ".join(mail.text.split())
    notice = _issued_event()
    secret = notice.model_copy(
        update={"directive": notice.directive.model_copy(update={"secrecy": "toi_mat"})}
    )
    told = notice_mail(secret, CHI_BO, RecipientRole.INFO, attachment)
    assert told.attachment is None and "TỐI MẬT" in told.text
    assert "sinh hoạt chính trị" not in told.text + told.subject


def test_an_urgent_directive_says_so_first_in_its_subjects():
    event = _marked(urgency="hoa_toc")
    mail = assignment_mail(event, CHI_BO, DIRECTORY, LINK)
    assert mail.subject.startswith("[101-KH/ĐU] HỎA TỐC — Báo cáo kết quả thực hiện")
    a = event.assignment
    reminder = reminder_mail("timer.remind-3d.x", a, CHI_BO, DIRECTORY, 3, LINK)
    assert reminder.subject.startswith("[101-KH/ĐU] HỎA TỐC — Nhắc hạn: còn 3 ngày")
