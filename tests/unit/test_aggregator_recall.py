"""A recalled directive (thu hồi) in the aggregator's pure parts: the synthesis model reads
a synthesis saved before recalls were kept, the words every page and document uses, the
status page without its approve button, the documents saying it first, and the home's
assignments no longer due."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import docx
import lxml.html
import pytest

from services.aggregator.console.views import assigned_item
from services.aggregator.documents import docx as report_docx
from services.aggregator.documents import html as report_html
from services.aggregator.documents import markdown
from services.aggregator.documents.report import build_report
from services.aggregator.domain.nodes import Node, Own
from services.aggregator.domain.recall import (
    basis_sentence,
    one_line,
    recall_notice,
    recalled_sentence,
)
from services.aggregator.domain.synthesis import Recalled, RecalledBasis, Synthesis
from services.aggregator.status import page as status_page
from shared.clock import VN_TZ
from shared.contracts import Directive, DirectiveIssued, ReportingRequirement

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
# late in the evening in Việt Nam, already the next day in UTC: the day is Việt Nam's
AT = datetime(2024, 6, 20, 23, 30, tzinfo=VN_TZ)
RECALLED = Recalled(
    recalled_at=AT.isoformat(),
    recalled_by="Lê Quang Thành (lanhdao.snv)",
    reason="Sai căn cứ <b>pháp lý</b>.\nSẽ ban hành lại.",
)
BASIS = RecalledBasis(
    directive_id="9-kh-duk--duk", document="Kế hoạch số 9-KH/ĐUK", **RECALLED.model_dump()
)


@pytest.fixture
def raw() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _recalled(raw: dict) -> dict:
    """The fixture as a recalled directive's, whose basis was recalled too."""
    directive = {
        **raw["directive"],
        "parents": [BASIS.directive_id],
        "recalled": RECALLED.model_dump(),
        "basis_recalled": [BASIS.model_dump()],
    }
    return {**raw, "directive": directive}


def test_a_synthesis_saved_before_recalls_were_kept_reads_as_not_recalled(raw):
    for key in ("recalled", "basis_recalled"):
        del raw["directive"][key]
    s = Synthesis.model_validate(raw)
    assert (s.directive.recalled, s.directive.basis_recalled) == (None, [])


def test_a_recalled_synthesis_reads_and_writes_back_unchanged(raw):
    recalled = _recalled(raw)
    assert Synthesis.model_validate(recalled).model_dump(mode="json") == recalled
    assert list(recalled["directive"]["basis_recalled"][0]) == [
        "directive_id", "document", "recalled_at", "recalled_by", "reason",
    ]  # fmt: skip


def test_the_words_of_a_recall():
    assert one_line(RECALLED.reason) == "Sai căn cứ <b>pháp lý</b>; Sẽ ban hành lại"
    assert recalled_sentence(RECALLED) == (
        "Văn bản đã bị thu hồi ngày 20/06/2024, người thu hồi: Lê Quang Thành "
        "(lanhdao.snv). Lý do: Sai căn cứ <b>pháp lý</b>; Sẽ ban hành lại."
    )
    assert basis_sentence(BASIS) == (
        "Văn bản căn cứ (Kế hoạch số 9-KH/ĐUK) đã bị thu hồi ngày 20/06/2024: lý do Sai căn "
        "cứ <b>pháp lý</b>; Sẽ ban hành lại; đề nghị xem xét điều chỉnh."
    )
    notice = recall_notice(RECALLED)
    assert (notice["headline"], notice["at"]) == (
        "Văn bản đã bị thu hồi ngày 20/06/2024",
        "23 giờ 30, ngày 20/06/2024",
    )


def test_the_status_page_says_it_first_and_has_no_approve_button(raw):
    parents = {**raw, "directive": {**raw["directive"], "parents": [BASIS.directive_id]}}
    before = lxml.html.document_fromstring(status_page.render(parents, "http://x"))
    assert before.xpath("//form[@class='approve']")  # an issuer's page, with a basis
    tree = lxml.html.document_fromstring(status_page.render(_recalled(raw), "http://x"))
    assert tree.xpath("//form[@class='approve']") == []
    [notice] = tree.xpath("//*[@id='recalled']")
    assert notice.xpath(".//b") == []
    assert "Lý do: Sai căn cứ <b>pháp lý</b>." in notice.text_content()
    [basis] = tree.xpath("//*[@class='basis-recalled']")
    assert basis.text_content() == basis_sentence(BASIS)


def test_the_documents_say_it_before_anything_else(raw):
    report = build_report(_recalled(raw))
    lines = markdown.render(report).splitlines()
    assert lines[0] == "**" + markdown.escape(recalled_sentence(RECALLED)) + "**"
    assert lines[2] == "**" + markdown.escape(basis_sentence(BASIS)) + "**"
    paragraphs = docx.Document(io.BytesIO(report_docx.render(report))).paragraphs
    assert [p.text for p in paragraphs[:2]] == [
        recalled_sentence(RECALLED),
        basis_sentence(BASIS),
    ]
    page = lxml.html.document_fromstring(report_html.render(report))
    notices = page.xpath("//p[@class='recall-notice']")
    assert [p.text_content() for p in notices] == report.notices
    masthead = "//p[@class='recall-notice']/following::table[1][contains(@class, 'masthead')]"
    assert page.xpath(masthead)  # before the header
    assert not page.xpath("//p[@class='recall-notice']//b")
    assert build_report(raw).notices == []


def _assigned(recalled: Recalled | None, version: int = 0):
    now = datetime(2024, 6, 20, 9, 0, tzinfo=VN_TZ)
    due = now + timedelta(days=2)
    requirement = ReportingRequirement(id="r1", action="báo cáo kết quả", due_before=due)
    directive = Directive(
        kind="KH", ref="9-KH/ĐUK", issued_on=now.date(), issuer_unit="duk",
        issuer="Đảng ủy Khối", title="Thử", requirements=[requirement],
    )  # fmt: skip
    issued = DirectiveIssued(
        event_id="e", occurred_at=now, directive_id=directive.id, directive=directive,
        assignment_count=1,
    )  # fmt: skip
    sent = {"version": version, "on_time": True, "first_received_at": now} if version else {}
    own = Own(due_before=due, **sent)
    node = Node(directive_id=directive.id, requirement_id="r1", unit_id="du", own=own)
    item = assigned_item(issued, {"r1": node}, now, now + timedelta(days=7), recalled)
    assert item is not None
    return item


def test_a_recalled_directive_s_assignment_is_no_longer_due_this_week():
    assert _assigned(None).due_this_week
    item = _assigned(RECALLED)
    assert not item.due_this_week and item.recalled == "Văn bản đã bị thu hồi ngày 20/06/2024"
    [r] = item.requirements
    assert (r.to_do, r.this_week, r.badges) == (
        False,
        False,
        [("recalled", "Không phải báo cáo: văn bản đã bị thu hồi")],
    )
    # a report sent before the recall keeps its status
    [sent] = _assigned(RECALLED, version=1).requirements
    assert sent.badges == [("on_time", "Đã nộp đúng hạn")]
