"""Issuing from document files, through the services as processes: the reading is shown,
the original is kept and attached to the mails, the cascade links the levels, and a unit's
own implementing plan counts as its report on the parent's "issue a plan" requirement."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from shared import topology
from tests.support import eventually, stream_count

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).parents[2] / "chidao" / "demo" / "seeds"


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


SEED_BYTES = {path.name: path.read_bytes() for path in SEEDS.glob("*.txt")}


async def upload(
    http, stack, path: Path, data: bytes | None = None, name: str | None = None, **form
):
    return await http.post(
        f"{stack.url('issuer')}/api/directives/upload",
        files={"file": (name or path.name, data if data is not None else SEED_BYTES[path.name])},
        data={k: str(v) for k, v in form.items()},
    )


def attachments_of(mail) -> list[tuple[str, bytes]]:
    return [(p.get_filename(), p.get_payload(decode=True)) for p in mail.message.iter_attachments()]


async def test_a_document_is_read_issued_and_mailed_with_its_original(stack, http, stack_js):
    path = seed("003")
    response = await upload(http, stack, path)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["document"]["ref"] == "101-KH/ĐU" and body["issuer_unit"] == "du-so-noi-vu-hy"
    assert body["assignments"] == 9 and body["notices"] == 3
    address = "chibo.thanhtra@snv.hungyen.example.org"
    mail = (await eventually(lambda: stack.mail.to(address), what="the chi bộ's mail"))[0]
    assert mail.subject.startswith("[101-KH/ĐU] ")
    assert attachments_of(mail) == [(path.name, SEED_BYTES[path.name])]


async def test_the_same_document_again_even_as_word_creates_nothing_new(stack, http, stack_js):
    path = seed("003")
    before = await stream_count(stack_js, topology.ASSIGNMENTS.name)
    again = await upload(http, stack, path)
    assert again.status_code == 200 and again.json()["status"] == "already_issued"
    document = docx.Document()
    for line in path.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    as_word = await upload(http, stack, path, buffer.getvalue(), "ke-hoach-101.docx")
    assert as_word.status_code == 200, as_word.text
    assert as_word.json()["status"] == "already_issued"
    assert await stream_count(stack_js, topology.ASSIGNMENTS.name) == before


async def test_preview_shows_the_reading_and_issues_nothing(stack, http, stack_js):
    before = await stream_count(stack_js, topology.DIRECTIVES.name)
    response = await upload(http, stack, seed("002"), preview="true")
    assert response.status_code == 200
    shown = response.json()
    assert shown["document"]["ref"] == "1817-CV/TU" and shown["issuer_unit"] == "tu-lai-chau"
    assert "directive_id" not in shown
    assert await stream_count(stack_js, topology.DIRECTIVES.name) == before


async def test_a_document_without_number_or_date_needs_the_operator(stack, http):
    path = seed("000")
    refused = await upload(http, stack, path, issuer="duk-cqdn-son-ha")
    assert refused.status_code == 422
    body = refused.json()
    assert "--ref" in body["error"] and "--date" in body["error"]
    assert any("no number-symbol" in w for w in body["document"]["warnings"])
    issued = await upload(
        http, stack, path, issuer="duk-cqdn-son-ha", ref="01-KH/ĐUK", issued_on="2024-03-27"
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["directive_id"] == "01-kh-duk--duk-cqdn-son-ha"


async def test_files_that_cannot_be_read_are_refused_in_plain_words(stack, http):
    odt = await upload(http, stack, Path("x.odt"), b"PK\x03\x04...", "ke-hoach.odt")
    assert odt.status_code == 422 and ".odt" in odt.json()["error"]
    empty = await upload(http, stack, Path("x.txt"), b"", "trong.txt")
    assert empty.status_code == 422 and "empty" in empty.json()["error"]


async def test_ingesting_the_five_seeds_gives_the_forest_of_the_design_notes(stack, http):
    for prefix in ("001", "002", "004"):
        response = await upload(http, stack, seed(prefix))
        assert response.status_code in (200, 201), response.text
    forest = (await http.get(f"{stack.url('issuer')}/api/cascade")).json()["trees"]

    def shape(node):
        label = node["ref"] + (" (placeholder)" if node["placeholder"] else "")
        return label, sorted(shape(child) for child in node["children"])

    assert sorted(shape(tree) for tree in forest) == sorted(
        [
            ("143-HD/BTGTW (placeholder)", [("1817-CV/TU", []), ("69-KH/BTGTU", [])]),
            ("52-HD/BTGTU (placeholder)", [("32-HD/BTGĐUK", [])]),
            ("289-KH/TU (placeholder)", [("01-KH/ĐUK", [])]),
            ("153-KH/ĐUK (placeholder)", [("101-KH/ĐU", [])]),
        ]
    )
    one = (await http.get(f"{stack.url('issuer')}/api/cascade/101-KH/ĐU")).json()
    assert one["ref"] == "153-KH/ĐUK" and one["children"][0]["directive_id"] == (
        "101-kh-du--du-so-noi-vu-hy"
    )
    missing = await http.get(f"{stack.url('issuer')}/api/cascade/999-KH/XX")
    assert missing.status_code == 404


CHILD_PLAN = """ĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH SƠN HÀ\tĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY SỞ Y TẾ
*
Số 12-KH/ĐU\tSơn Hà, ngày 05 tháng 4 năm 2024
KẾ HOẠCH
Triển khai đợt sinh hoạt chính trị, tư tưởng về tác phẩm
của Tổng Bí thư Nguyễn Phú Trọng
-----
Thực hiện Kế hoạch số 01-KH/ĐUK ngày 27/3/2024 của Ban Thường vụ Đảng ủy Khối Cơ quan -
Doanh nghiệp tỉnh, Đảng ủy Sở Y tế xây dựng kế hoạch thực hiện như sau:
I- TỔ CHỨC THỰC HIỆN
1. Các chi bộ trực thuộc tổ chức sinh hoạt chuyên đề; báo cáo kết quả về Đảng ủy
trước ngày 30/11/2024.
Nơi nhận:
- Ban Thường vụ Đảng ủy Khối (báo cáo);
- Các chi bộ trực thuộc;
- Lưu VT.
T/M ĐẢNG ỦY
BÍ THƯ
Nguyễn Văn An
"""


async def test_a_units_own_plan_counts_as_its_report_to_the_parent(stack, http, stack_js):
    # 01-KH/ĐUK (seed 000, issued above) asks each grassroots unit to "ban hành Kế hoạch
    # triển khai"; Đảng ủy Sở Y tế now issues its own plan implementing it.
    response = await upload(
        http, stack, Path("x.txt"), CHILD_PLAN.encode(), "12-KH-DU.txt", issuer="du-so-y-te-son-ha"
    )
    assert response.status_code == 201, response.text
    subject = "chidao.report.submitted.01-kh-duk--duk-cqdn-son-ha.du-so-y-te-son-ha.r1"

    async def filed():
        try:
            return await stack_js.get_last_msg(topology.REPORTS.name, subject)
        except Exception:
            return None

    message = await eventually(filed, what="the plan to be filed as the unit's report")
    submission = json.loads(message.data)["submission"]
    assert submission["values"]["document_ref"] == "12-KH/ĐU"
    assert submission["values"]["document_date"] == "2024-04-05"
    assert submission["values"]["summary"].startswith("Kế hoạch số 12-KH/ĐU: ")
    assert (submission["version"], submission["source"]) == (1, "plan")

    # The child plan's own deadline goes to its two chi bộ.
    def child_assignments():
        return [
            m
            for m in stack.mail.messages
            if m.subject.startswith("[12-KH/ĐU]") and "30/11/2024" in m.subject
        ]

    mails = await eventually(
        lambda: len(child_assignments()) == 2 and child_assignments(), what="the child plan's mails"
    )
    assert {m.text().splitlines()[0] for m in mails} == {
        "Kính gửi: Chi bộ Văn phòng Sở Y tế tỉnh Sơn Hà",
        "Kính gửi: Chi bộ Phòng Nghiệp vụ Y, Sở Y tế tỉnh Sơn Hà",
    }


def test_the_command_line_reads_issues_and_shows_the_cascade(stack, tmp_path):
    env = {**os.environ, "CHIDAO_ISSUER_URL": stack.url("issuer")}

    def chidao(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chidao", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    preview = chidao("issue", str(seed("004")), "--preview")
    assert preview.returncode == 0, preview.stderr
    assert "Hướng dẫn số 32-HD/BTGĐUK (Cần Thơ, 29/03/2024)" in preview.stdout
    assert "recipient: action        Cấp ủy các TCCSĐ trực thuộc" in preview.stdout
    tree = chidao("cascade", "32-HD/BTGĐUK")
    assert tree.returncode == 0, tree.stderr
    assert tree.stdout.splitlines()[:2] == [
        "52-HD/BTGTU  Ban Tuyên giáo Thành ủy Cần Thơ, 14/03/2024  [referred to, not ingested]",
        "└── 32-HD/BTGĐUK  Ban Tuyên giáo Đảng ủy Khối Cơ quan Dân Chính Đảng thành phố Cần Thơ, "
        "29/03/2024",
    ]
    digest = hashlib.sha256(seed("004").read_bytes()).hexdigest()
    assert digest  # the same file issued through the CLI is the same directive:
    again = chidao("issue", str(seed("004")))
    assert again.returncode == 0 and '"status": "already_issued"' in again.stdout
