"""The assignment mailed again when nobody opened it: its timer (one per assignment, none
when the setting is 0), its mail (Vietnamese, to the unit and its leaders, escaped, a
secret one without content), who the leaders are, and how the console names it."""

from __future__ import annotations

import email
import email.policy
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import get_args

from services.notifier.adapters.leaders import leaders_by_unit
from services.notifier.console.view import KIND_NAMES, parse_key
from services.notifier.domain.mails import Attachment, Link
from services.notifier.domain.timer_plan import TimerKind, unopened_timer
from services.notifier.domain.unopened_mails import unopened_mail
from services.notifier.metrics import TEMPLATES
from shared.auth.accounts import Account
from shared.auth.roles import Role
from shared.contracts import Assignment, ReportingRequirement, Unit
from shared.directory import Directory
from shared.workdays import WorkCalendar

TEMPLATE_DIR = Path(__file__).parents[2] / "services" / "notifier" / "templates"
ISSUER = Unit(id="du-snv", name="Đảng ủy Sở Nội vụ", kind="grassroots_committee")
CHI_BO = Unit(
    id="cb-vp",
    name="Chi bộ Văn phòng Sở",
    kind="chi_bo",
    parent="du-snv",
    emails=["vp@snv.example.org"],
)
DIRECTORY = Directory([ISSUER, CHI_BO])
TITLE = "Triển khai đợt sinh hoạt chính trị về công tác cán bộ"
FRIDAY_AFTERNOON = datetime.fromisoformat("2024-06-21T16:00:00+07:00")
LINK = Link("http://reporter.test/r/tok", datetime.fromisoformat("2024-12-17T00:00:00+07:00"))
LEADERS = [("Nguyễn Văn <b>Bí thư</b>", "bithu.vp@snv.example.org")]


def an_assignment(**marks: str) -> Assignment:
    return Assignment(
        directive_id="101-kh-du--du-snv",
        directive_kind="KH",
        directive_ref="101-KH/ĐU",
        directive_title=TITLE,
        directive_issued_on="2024-06-19",
        issuer_unit="du-snv",
        issuer="Đảng ủy Sở Nội vụ",
        unit_id="cb-vp",
        requirement=ReportingRequirement(
            id="r1",
            action="báo cáo kết quả thực hiện",
            due_before="2024-12-10T00:00:00+07:00",
            text="báo cáo kết quả về tình hình tư tưởng cán bộ",
        ),
        assigned_at="2024-06-21T15:00:00+07:00",
        **marks,
    )


def html_of(mail) -> str:
    message = email.message_from_bytes(
        mail.to_message("chidao <noreply@chidao.example.org>").as_bytes(),
        policy=email.policy.default,
    )
    part = message.get_body(preferencelist=("html",))
    return str(part.get_content())


def test_one_timer_per_assignment_sixteen_working_hours_after_its_mail():
    a = an_assignment()
    found = unopened_timer(a, FRIDAY_AFTERNOON, 16, WorkCalendar())
    assert found is not None
    assert found.id == "timer.unopened.101-kh-du--du-snv.cb-vp.r1"
    assert found.tokens == ("unopened", "101-kh-du--du-snv", "cb-vp", "r1")
    assert found.at == datetime.fromisoformat("2024-06-25T16:00:00+07:00")  # Tuesday
    assert found.mailed_at == FRIDAY_AFTERNOON and found.unit_id == "cb-vp"
    # mailed again (a redelivery, the urgent path then the assignment consumer): the same
    monday = datetime.fromisoformat("2024-06-24T09:00:00+07:00")
    later = unopened_timer(a, monday, 16, WorkCalendar())
    assert later is not None and later.id == found.id
    assert "unopened" in get_args(TimerKind)


def test_no_timer_when_the_setting_is_zero():
    assert unopened_timer(an_assignment(), FRIDAY_AFTERNOON, 0, WorkCalendar()) is None


def test_the_mail_says_since_when_it_lies_unopened_to_the_unit_and_its_leader():
    attached = Attachment("Kế hoạch 101.pdf", "application/pdf", b"%PDF")
    key = "timer.unopened.101-kh-du--du-snv.cb-vp.r1"
    mail = unopened_mail(
        key, an_assignment(), CHI_BO, DIRECTORY, FRIDAY_AFTERNOON, LEADERS, LINK, attached
    )
    assert mail.template == "unopened" and mail.ledger_key == f"{key}.cb-vp"
    assert mail.subject == (
        "[101-KH/ĐU] Văn bản chưa được mở — Báo cáo kết quả thực hiện, "
        "trước ngày 10/12/2024 (Thứ Ba)"
    )
    text = mail.text
    assert unicodedata.is_normalized("NFC", text) and unicodedata.is_normalized("NFC", mail.html)
    assert (
        "Văn bản Kế hoạch số 101-KH/ĐU gửi đơn vị lúc 16 giờ 00, ngày 21/06/2024 chưa được "
        "mở: đề nghị"
    ) in " ".join(text.split())
    assert "lãnh đạo đơn vị: Nguyễn Văn <b>Bí thư</b>." in text  # plain text: as written
    assert LINK.url in text and TITLE[1:] in text and "Kính gửi: Chi bộ Văn phòng Sở" in text
    assert mail.addresses == ["vp@snv.example.org", "bithu.vp@snv.example.org"]
    html = html_of(mail)
    assert "Nguyễn Văn &lt;b&gt;Bí thư&lt;/b&gt;" in html and "<b>Bí thư" not in html
    message = mail.to_message("chidao <noreply@chidao.example.org>")
    assert "bithu.vp@snv.example.org" in str(message["To"]) and message.is_multipart()
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["Kế hoạch 101.pdf"]


def test_a_leader_whose_address_is_the_units_gets_it_once():
    same = [("Bí thư", "VP@snv.example.org")]
    mail = unopened_mail("k", an_assignment(), CHI_BO, DIRECTORY, FRIDAY_AFTERNOON, same, LINK)
    assert mail.addresses == ["vp@snv.example.org"]
    assert "Bí thư" in mail.text  # still named as told


def test_without_leaders_it_goes_to_the_unit_alone():
    mail = unopened_mail("k", an_assignment(), CHI_BO, DIRECTORY, FRIDAY_AFTERNOON, (), LINK)
    assert mail.addresses == ["vp@snv.example.org"] and "lãnh đạo đơn vị" not in mail.text


def test_a_secret_directives_carries_no_content_and_an_urgent_ones_is_marked():
    attached = Attachment("Kế hoạch 101.pdf", "application/pdf", b"%PDF")
    a = an_assignment(secrecy="mat", urgency="hoa_toc")
    mail = unopened_mail("k", a, CHI_BO, DIRECTORY, FRIDAY_AFTERNOON, LEADERS, LINK, attached)
    assert mail.attachment is None
    assert mail.subject.startswith("[101-KH/ĐU] HỎA TỐC — Văn bản chưa được mở")
    for body in (mail.text, mail.html):
        assert TITLE[1:] not in body and "tình hình tư tưởng" not in body
        assert "Kế hoạch 101.pdf" not in body
    assert "văn bản MẬT" in mail.text and LINK.url in mail.text


def test_the_leaders_are_the_units_enabled_lanh_dao_with_an_address():
    def account(name: str, unit: str, roles: set[Role], email: str | None, disabled=False):
        return Account(
            username=name,
            display_name=f"Đồng chí {name}",
            unit_id=unit,
            roles=frozenset(roles),
            email=email,
            disabled=disabled,
        )

    found = leaders_by_unit(
        [
            account("bithu", "cb-vp", {Role.LANH_DAO}, "bithu@x.org"),
            account("phobithu", "cb-vp", {Role.LANH_DAO, Role.VAN_THU}, "pbt@x.org"),
            account("cu", "cb-vp", {Role.LANH_DAO}, "cu@x.org", disabled=True),
            account("khong-thu", "cb-vp", {Role.LANH_DAO}, None),
            account("vanthu", "cb-vp", {Role.VAN_THU}, "vt@x.org"),
            account("khac", "cb-kh", {Role.LANH_DAO}, "khac@x.org"),
        ]
    )
    assert found == {
        "cb-vp": [("Đồng chí bithu", "bithu@x.org"), ("Đồng chí phobithu", "pbt@x.org")],
        "cb-kh": [("Đồng chí khac", "khac@x.org")],
    }


def test_the_template_is_counted_named_and_its_ledger_key_read_by_the_console():
    assert "unopened" in TEMPLATES and KIND_NAMES["unopened"]
    for suffix in (".txt.j2", ".html.j2"):
        path = TEMPLATE_DIR / f"unopened{suffix}"
        assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8"))
    parts = parse_key("timer.unopened.101-kh-du--du-snv.cb-vp.r1.cb-vp", "101-kh-du--du-snv")
    assert parts is not None and (parts.unit_id, parts.requirement_id) == ("cb-vp", "r1")
