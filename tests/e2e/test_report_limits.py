"""What a unit may send, through the four services as processes: control characters are
dropped from every text it types (so the parent's .docx synthesis is made whatever it
typed), a report has at most CHIDAO_MAX_REPORT_VERSIONS versions, a submission at most
200 answers, a note at most 20,000 characters and a file name at most 255, each refused
with a Vietnamese message the unit can act on. Each test issues its own directive."""

from __future__ import annotations

import base64
import io
import json
import re
import unicodedata

import docx
import pytest

from shared.settings import Settings
from tests.factories import directive_to_chi_bo, numbered
from tests.support import as_operator, assignment_link, eventually

pytestmark = pytest.mark.e2e

DIRECTIVE = directive_to_chi_bo(
    "du-so-noi-vu-hy",
    "Đảng ủy Sở Nội vụ",
    "77-KH/ĐU",
    "Thử giới hạn của báo cáo",
    place="Hưng Yên",
)
# Every kind of character a .docx cannot hold, in what a unit types.
DIRTY = "Khó\x00 khăn\x08 về\x1b kinh\x7f phí\x85\ufffe\r\nđã báo\x0c cáo"
CLEAN = "Khó khăn về kinh phí\nđã báo cáo"


@pytest.fixture
def issued(stack, number) -> str:
    """This test's own directive, issued: its id."""
    directive, directive_id = numbered(DIRECTIVE, number)
    response = as_operator.post(f"{stack.url('issuer')}/api/directives", json=directive, timeout=30)
    assert response.status_code == 201, response.text
    return directive_id


async def post_json(http, url: str, body: dict):
    # escaped as JSON allows, so that a lone surrogate ("\\ud800") can be sent too
    return await http.post(
        url, content=json.dumps(body), headers={"content-type": "application/json"}
    )


async def submit(http, stack, directive_id: str, unit: str, narrative: str = "", **values):
    body = {
        "directive_id": directive_id,
        "unit_id": unit,
        "requirement_id": "r1",
        "values": values,
        "narrative": narrative,
    }
    return await post_json(http, f"{stack.url('reporter')}/api/submissions", body)


async def test_control_characters_are_dropped_and_the_docx_synthesis_is_made(stack, http, issued):
    nfd = unicodedata.normalize("NFD", "Đề xuất tăng kinh phí")
    response = await submit(
        http,
        stack,
        issued,
        "cb-snv-van-phong",
        narrative=f"Ghi\x00 chú\x1f {nfd}\x9b",
        sessions="3",
        difficulties=DIRTY,
        proposals=nfd,
        report_file={
            "filename": "Báo\x00 cáo\x07.pdf",
            "data": base64.b64encode(b"%PDF-1.4 x").decode(),
        },
    )
    assert response.status_code == 201, response.text
    values = response.json()["values"]
    assert values["difficulties"] == CLEAN
    assert values["proposals"] == "Đề xuất tăng kinh phí"  # NFC
    assert values["report_file"]["filename"] == "Báo cáo.pdf"
    history = await http.get(
        f"{stack.url('reporter')}/api/submissions/{issued}/cb-snv-van-phong/r1"
    )
    assert history.status_code == 200

    url = f"{stack.url('aggregator')}/api/directives/{issued}/synthesis"

    async def synthesis_docx() -> bytes | None:
        rolled = (await http.get(url)).json()
        if rolled.get("requirements", [{}])[0].get("totals", {}).get("submitted") != 1:
            return None
        response = await http.get(url, params={"format": "docx"})
        assert response.status_code == 200, response.text
        return response.content

    data = await eventually(synthesis_docx, what="the synthesis with the report")
    words = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "Khó khăn về kinh phí; đã báo cáo" in words  # its two lines, as a list shows them
    synthesis = (await http.get(url)).text
    assert "Ghi chú Đề xuất tăng kinh phí" in synthesis  # the note, among the units' words
    assert not re.search(r"\\u00[01]|\\u007f|\\u008", synthesis)


async def test_a_report_takes_at_most_its_versions_then_the_unit_is_sent_to_its_parent(
    stack, http, issued
):
    limit = Settings().max_report_versions  # the default, 50: the stack sets none
    unit = "cb-snv-thanh-tra"
    for version in range(1, limit + 1):
        response = await submit(http, stack, issued, unit, sessions=str(version))
        assert response.status_code == 201 and response.json()["version"] == version
    again = await submit(http, stack, issued, unit, sessions=str(limit))
    assert again.status_code == 200 and again.json()["version"] == limit  # a retry
    over = await submit(http, stack, issued, unit, sessions=str(limit + 1))
    assert over.status_code == 409
    assert over.json()["error"] == (
        f"Báo cáo này đã được gửi {limit} lần, số lần nhiều nhất được phép; hệ thống không "
        "nhận thêm bản sửa nào. Nếu cần sửa nữa, đề nghị đơn vị liên hệ Đảng ủy Sở Nội vụ "
        "(đơn vị giao báo cáo)."
    )
    history = await http.get(f"{stack.url('reporter')}/api/submissions/{issued}/{unit}/r1")
    assert len(history.json()["versions"]) == limit


async def test_a_submission_of_too_many_answers_is_refused_in_one_line(stack, http, issued):
    answers = {f"muc_{n}": "1" for n in range(5000)}
    response = await submit(http, stack, issued, "cb-snv-cchc", sessions="1", **answers)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert len(problems) == 1 and "at most 200" in problems[0], problems
    assert len(response.content) < 2000


async def test_a_note_over_20000_characters_is_refused_beside_the_note(stack, http, issued):
    response = await submit(
        http, stack, issued, "cb-snv-cchc", narrative="a" * 20_001, sessions="1"
    )
    assert response.status_code == 422
    assert response.json()["problems"] == {"narrative": "Ghi chú: dài quá 20.000 ký tự."}
    # control characters do not count: they are dropped first
    fits = await submit(
        http, stack, issued, "cb-snv-cchc", narrative="a" * 20_000 + "\x00", sessions="1"
    )
    assert fits.status_code == 201, fits.text


async def test_the_form_page_refuses_a_long_note_with_its_message(stack, http, issued):
    link = assignment_link(stack.mail, issued, "cb-snv-ton-giao")
    page = await http.post(link, data={"sessions": "2", "narrative": "b" * 20_001})
    assert page.status_code == 422
    assert "Ghi chú: dài quá 20.000 ký tự." in page.text


async def test_an_attached_file_with_a_name_over_255_characters_is_refused(stack, http, issued):
    response = await submit(
        http,
        stack,
        issued,
        "cb-snv-xdcq-ctn",
        sessions="1",
        report_file={"filename": "a" * 300 + ".pdf", "data": base64.b64encode(b"%PDF").decode()},
    )
    assert response.status_code == 422
    assert response.json()["problems"] == {
        "report_file": "Báo cáo của đơn vị (bản có chữ ký, đóng dấu): tên tệp dài quá 255 ký tự; "
        "đề nghị đặt tên ngắn hơn."
    }


async def test_a_return_reason_is_kept_without_control_characters(stack, http, issued):
    unit = "cb-snv-thi-dua-khen-thuong"
    assert (await submit(http, stack, issued, unit, sessions="1")).status_code == 201
    reviewed = await post_json(
        http,
        f"{stack.url('reporter')}/api/submissions/{issued}/{unit}/r1/review",
        {"decision": "return", "reason": DIRTY},
    )
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["reason"] == CLEAN
