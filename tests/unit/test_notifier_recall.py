"""A recall's mails (thu hồi) as the clerk reads them: which document, why, when and by
whom, in Vietnamese; the directive's urgency leading the subject, a secret document's
title and reason left out; one ledger key per unit and per implementing directive."""

from __future__ import annotations

import email
import email.policy
import unicodedata
from pathlib import Path

import pytest

from services.notifier.console.view import KIND_NAMES, KeyParts, parse_key
from services.notifier.domain.recall_mails import basis_recalled_mail, recall_notice_mail
from services.notifier.metrics import TEMPLATES
from shared import subjects
from shared.contracts import Directive, DirectiveIssued, DirectiveRecalled, Recall, Unit

TEMPLATE_DIR = Path(__file__).parents[2] / "services" / "notifier" / "templates"
TITLE = "Triển khai đợt sinh hoạt chính trị, tư tưởng về công tác cán bộ"
OWN_TITLE = "Thực hiện Kế hoạch số 101-KH/ĐU về công tác cán bộ"
REASON = "Ban hành không đúng thẩm quyền <b>&</b> sẽ ban hành văn bản thay thế"
CHI_BO = Unit(
    id="cb-vp",
    name="Chi bộ Văn phòng Sở",
    kind="chi_bo",
    parent="du-snv",
    emails=["vp@snv.example.org"],
)


def directive(**marks: str) -> Directive:
    return Directive(
        kind="KH",
        ref="101-KH/ĐU",
        issued_on="2024-06-19",
        issuer_unit="du-snv",
        issuer="Đảng ủy Sở Nội vụ",
        title=TITLE,
        **marks,
    )


def recall(d: Directive, by: str = "Lê Quang Thành (lanhdao.snv)") -> DirectiveRecalled:
    return DirectiveRecalled(
        event_id=subjects.directive_recalled_id(d.id),
        occurred_at="2024-06-21T09:30:00+07:00",
        directive_id=d.id,
        directive=d,
        recall=Recall(reason=REASON, recalled_at="2024-06-21T09:30:00+07:00", recalled_by=by),
        implementing=["12-kh-cb--cb-vp"],
    )


def own_plan(**marks: str) -> DirectiveIssued:
    own = Directive(
        kind="KH",
        ref="12-KH/CB",
        issued_on="2024-06-20",
        issuer_unit="cb-vp",
        issuer="Chi bộ Văn phòng Sở",
        title=OWN_TITLE,
        **marks,
    )
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(own.id),
        occurred_at="2024-06-20T08:00:00+07:00",
        directive_id=own.id,
        directive=own,
        assignment_count=0,
        parents=["101-kh-du--du-snv"],
    )


def parts(mail) -> tuple[str, str, str]:
    """Subject, plain text and HTML, as the receiving side decodes them."""
    received = email.message_from_bytes(
        mail.to_message("chidao <noreply@snv.example.org>").as_bytes(), policy=email.policy.default
    )
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    return str(received["Subject"]), text, html


def test_the_recall_notice_says_which_document_why_when_and_by_whom():
    mail = recall_notice_mail(recall(directive()), CHI_BO, assigned=True)

    subject, text, html = parts(mail)
    assert subject == f"[101-KH/ĐU] Thu hồi văn bản: {TITLE}"
    assert text.startswith("Kính gửi: Chi bộ Văn phòng Sở\n\nTHÔNG BÁO THU HỒI VĂN BẢN\n")
    assert "Đảng ủy Sở Nội vụ đã thu hồi Kế hoạch số 101-KH/ĐU ngày 19/06/2024" in text
    assert "về việc triển khai đợt sinh hoạt chính trị" in text
    assert f"Lý do thu hồi: {REASON}" in text  # plain text: the reason as typed
    assert "Thời điểm thu hồi: 09 giờ 30, ngày 21/06/2024" in text
    assert "Người thu hồi: Lê Quang Thành (lanhdao.snv)" in text
    assert "Các yêu cầu báo cáo theo văn bản này không còn hiệu lực" in text
    assert "không dùng được nữa" in text
    # HTML: the reason's markup shown as text, never as markup
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html
    for part in (subject, text, html):
        assert unicodedata.is_normalized("NFC", part)


def test_a_unit_only_sent_the_document_is_not_told_of_a_link_it_never_had():
    mail = recall_notice_mail(recall(directive(), by=""), CHI_BO, assigned=False)

    assert "Văn bản không còn hiệu lực." in mail.text
    assert "đường dẫn báo cáo" not in mail.text and "đường dẫn báo cáo" not in mail.html
    assert "Người thu hồi" not in mail.text and "Người thu hồi" not in mail.html


@pytest.mark.parametrize(("urgency", "mark"), [("khan", "KHẨN"), ("hoa_toc", "HỎA TỐC")])
def test_an_urgent_directives_recall_leads_with_its_urgency(urgency, mark):
    event = recall(directive(urgency=urgency))

    notice = recall_notice_mail(event, CHI_BO, assigned=True)
    basis = basis_recalled_mail(event, own_plan(), CHI_BO)

    assert notice.subject == f"[101-KH/ĐU] {mark} — Thu hồi văn bản: {TITLE}"
    assert basis.subject == (
        f"[12-KH/CB] {mark} — Văn bản căn cứ đã bị thu hồi: Kế hoạch số 101-KH/ĐU"
    )


def test_a_secret_directives_recall_carries_neither_its_title_nor_the_reason():
    event = recall(directive(secrecy="toi_mat"))

    for mail in (
        recall_notice_mail(event, CHI_BO, assigned=True),
        basis_recalled_mail(event, own_plan(), CHI_BO),
    ):
        for part in parts(mail):
            assert TITLE not in part and "sinh hoạt chính trị" not in part
            assert "thẩm quyền" not in part
            assert "Lý do thu hồi" not in part
        assert "TỐI MẬT" in mail.text and "Kế hoạch số 101-KH/ĐU" in mail.text


def test_the_basis_mail_names_both_documents_and_asks_to_amend_or_recall():
    mail = basis_recalled_mail(recall(directive()), own_plan(), CHI_BO)

    subject, text, html = parts(mail)
    assert subject == "[12-KH/CB] Văn bản căn cứ đã bị thu hồi: Kế hoạch số 101-KH/ĐU"
    assert text.startswith("Kính gửi: Chi bộ Văn phòng Sở\n\nVĂN BẢN CĂN CỨ ĐÃ BỊ THU HỒI\n")
    assert "Đảng ủy Sở Nội vụ đã thu hồi Kế hoạch số 101-KH/ĐU ngày 19/06/2024" in text
    assert "Đây là văn bản căn cứ để đơn vị ban hành Kế hoạch số 12-KH/CB ngày 20/06/2024" in text
    assert "\nvề việc thực hiện Kế hoạch số 101-KH/ĐU về công tác cán bộ." in text
    assert f"Lý do thu hồi: {REASON}" in text
    assert "Đề nghị xem xét điều chỉnh hoặc thu hồi văn bản của đơn vị" in text
    assert "Kế hoạch số 12-KH/CB" in html
    for part in (subject, text, html):
        assert unicodedata.is_normalized("NFC", part)


def test_a_secret_implementing_plan_is_not_named_by_its_title():
    mail = basis_recalled_mail(recall(directive()), own_plan(secrecy="mat"), CHI_BO)

    assert OWN_TITLE not in mail.text and OWN_TITLE not in mail.html
    assert "Kế hoạch số 12-KH/CB ngày 20/06/2024." in mail.text
    assert REASON in mail.text  # the recalled document is not secret


def test_each_recall_mail_has_a_ledger_key_of_its_own_on_the_directives_timeline():
    event = recall(directive())
    notice = recall_notice_mail(event, CHI_BO, assigned=True)
    basis = basis_recalled_mail(event, own_plan(), CHI_BO)

    assert notice.ledger_key == "directive-recalled.101-kh-du--du-snv.cb-vp"
    assert basis.ledger_key == "directive-recalled.101-kh-du--du-snv.12-kh-cb--cb-vp.cb-vp"
    for mail in (notice, basis):
        assert parse_key(mail.ledger_key, event.directive_id) == KeyParts("cb-vp", None)


@pytest.mark.parametrize("template", ["recall_notice", "basis_recalled"])
def test_the_recall_templates_are_counted_and_named(template):
    assert template in TEMPLATES
    assert KIND_NAMES[template]
    for suffix in (".txt.j2", ".html.j2"):
        assert (TEMPLATE_DIR / f"{template}{suffix}").is_file()
