"""Issuing from document files, through the services as processes: the reading is shown,
the original is kept and attached to the mails, the cascade links the levels, and a unit's
own implementing plan counts as its report on the parent's "issue a plan" requirement.

A test that issues a seed issues its own copy, under its own number (in the text, or given
by the operator), and looks only at what that copy caused; the test of the cascade's
forest issues the five seeds as they are and looks only at them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from shared import topology
from shared.contracts.directives import directive_id
from tests.factories import renumbered_document
from tests.support import eventually, mails_of, stream_count

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).parents[2] / "chidao" / "demo" / "seeds"


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


SEED_BYTES = {path.name: path.read_bytes() for path in SEEDS.glob("*.txt")}


def numbered_seed(prefix: str, number: int) -> tuple[Path, bytes]:
    """A seed and its text under ``number`` instead of its own number."""
    path = seed(prefix)
    text = renumbered_document(SEED_BYTES[path.name].decode("utf-8"), number)
    return path, text.encode("utf-8")


async def upload(
    http, stack, path: Path, data: bytes | None = None, name: str | None = None, **form
):
    return await http.post(
        f"{stack.url('issuer')}/api/directives/upload",
        files={"file": (name or path.name, data if data is not None else SEED_BYTES[path.name])},
        # the seeds' own deadlines (2024) on the real clock: issued knowingly
        data={"allow_past": "true", **{k: str(v) for k, v in form.items()}},
    )


def attachments_of(mail) -> list[tuple[str, bytes]]:
    return [(p.get_filename(), p.get_payload(decode=True)) for p in mail.message.iter_attachments()]


async def test_a_document_is_read_issued_and_mailed_with_its_original(stack, http, number):
    path, data = numbered_seed("003", number)
    ref = f"{number}-KH/ĐU"  # seed 003 is 101-KH/ĐU
    response = await upload(http, stack, path, data)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["document"]["ref"] == ref and body["issuer_unit"] == "du-so-noi-vu-hy"
    assert body["assignments"] == 9 and body["notices"] == 3
    address = "chibo.thanhtra@snv.hungyen.example.org"

    def mails():
        return [m for m in mails_of(stack.mail, body["directive_id"]) if address in m.envelope_to]

    mail = (await eventually(mails, what="the chi bộ's mail"))[0]
    assert mail.subject.startswith(f"[{ref}] ")
    assert attachments_of(mail) == [(path.name, data)]


async def test_the_same_document_again_even_as_word_creates_nothing_new(
    stack, http, stack_js, number
):
    path, data = numbered_seed("003", number)
    first = await upload(http, stack, path, data)
    assert first.status_code == 201, first.text
    before = await stream_count(stack_js, topology.ASSIGNMENTS.name)
    again = await upload(http, stack, path, data)
    assert again.status_code == 200 and again.json()["status"] == "already_issued"
    document = docx.Document()
    for line in data.decode("utf-8").splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    as_word = await upload(http, stack, path, buffer.getvalue(), f"ke-hoach-{number}.docx")
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


async def test_a_document_without_number_or_date_needs_the_operator(stack, http, number):
    path = seed("000")
    refused = await upload(http, stack, path, issuer="duk-cqdn-son-ha")
    assert refused.status_code == 422
    body = refused.json()
    assert "--ref" in body["error"] and "--date" in body["error"]
    assert any("no number-symbol" in w for w in body["document"]["warnings"])
    ref = f"{number}-KH/ĐUK"  # the demo gives it 01-KH/ĐUK
    issued = await upload(
        http, stack, path, issuer="duk-cqdn-son-ha", ref=ref, issued_on="2024-03-27"
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["directive_id"] == f"{number}-kh-duk--duk-cqdn-son-ha"


async def test_files_that_cannot_be_read_are_refused_in_plain_words(stack, http):
    odt = await upload(http, stack, Path("x.odt"), b"PK\x03\x04...", "ke-hoach.odt")
    assert odt.status_code == 422 and ".odt" in odt.json()["error"]
    empty = await upload(http, stack, Path("x.txt"), b"", "trong.txt")
    assert empty.status_code == 422 and "empty" in empty.json()["error"]


async def test_ingesting_the_five_seeds_gives_the_forest_of_the_design_notes(stack, http):
    # seed 000 has no number or date: the operator gives them, as the demo does
    operator = {"issuer": "duk-cqdn-son-ha", "ref": "01-KH/ĐUK", "issued_on": "2024-03-27"}
    # seed 001 is a scan: the clerk confirms the restored sentence its requirement quotes
    scan = {"set": "requirement.1.text=Hoàn thành trong Quý II/2024"}
    seeds = {"000": operator, "001": scan, "002": {}, "003": {}, "004": {}}
    ours = set()
    for prefix, form in seeds.items():
        response = await upload(http, stack, seed(prefix), **form)
        assert response.status_code in (200, 201), response.text
        ours.add(response.json()["directive_id"])
    forest = (await http.get(f"{stack.url('issuer')}/api/cascade")).json()["trees"]

    def shape(node):
        """The node with what the five seeds are below it; None if they are not."""
        children = sorted(filter(None, (shape(child) for child in node["children"])))
        if node["placeholder"]:
            return (node["ref"] + " (placeholder)", children) if children else None
        return (node["ref"], children) if node["directive_id"] in ours else None

    assert sorted(filter(None, (shape(tree) for tree in forest))) == sorted(
        [
            ("143-HD/BTGTW (placeholder)", [("1817-CV/TU", []), ("69-KH/BTGTU", [])]),
            ("52-HD/BTGTU (placeholder)", [("32-HD/BTGĐUK", [])]),
            ("289-KH/TU (placeholder)", [("01-KH/ĐUK", [])]),
            ("153-KH/ĐUK (placeholder)", [("101-KH/ĐU", [])]),
        ]
    )
    one = (await http.get(f"{stack.url('issuer')}/api/cascade/101-KH/ĐU")).json()
    assert one["ref"] == "153-KH/ĐUK"
    assert "101-kh-du--du-so-noi-vu-hy" in [c["directive_id"] for c in one["children"]]
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


async def test_a_units_own_plan_counts_as_its_report_to_the_parent(stack, http, stack_js, number):
    # Seed 000, issued as N-KH/ĐUK, asks each grassroots unit to "ban hành Kế hoạch triển
    # khai"; Đảng ủy Sở Y tế then issues its own plan N-KH/ĐU implementing it.
    parent_ref, ref = f"{number}-KH/ĐUK", f"{number}-KH/ĐU"
    parent = await upload(
        http, stack, seed("000"), issuer="duk-cqdn-son-ha", ref=parent_ref, issued_on="2024-03-27"
    )
    assert parent.status_code == 201, parent.text
    text = CHILD_PLAN.replace("12-KH/ĐU", ref).replace("01-KH/ĐUK", parent_ref)
    response = await upload(
        http, stack, Path("x.txt"), text.encode(), f"{number}-KH-DU.txt", issuer="du-so-y-te-son-ha"
    )
    assert response.status_code == 201, response.text
    parent_id = directive_id(parent_ref, "duk-cqdn-son-ha")
    subject = f"chidao.report.submitted.{parent_id}.du-so-y-te-son-ha.r1"

    async def filed():
        try:
            return await stack_js.get_last_msg(topology.REPORTS.name, subject)
        except Exception:
            return None

    message = await eventually(filed, what="the plan to be filed as the unit's report")
    submission = json.loads(message.data)["submission"]
    assert submission["values"]["document_ref"] == ref
    assert submission["values"]["document_date"] == "2024-04-05"
    assert submission["values"]["summary"].startswith(f"Kế hoạch số {ref}: ")
    assert (submission["version"], submission["source"]) == (1, "plan")

    # The child plan's own deadline goes to its two chi bộ.
    def child_assignments():
        return [
            m
            for m in mails_of(stack.mail, response.json()["directive_id"])
            if m.subject.startswith(f"[{ref}]") and "30/11/2024" in m.subject
        ]

    mails = await eventually(
        lambda: len(child_assignments()) == 2 and child_assignments(), what="the child plan's mails"
    )
    assert {m.text().splitlines()[0] for m in mails} == {
        "Kính gửi: Chi bộ Văn phòng Sở Y tế tỉnh Sơn Hà",
        "Kính gửi: Chi bộ Phòng Nghiệp vụ Y, Sở Y tế tỉnh Sơn Hà",
    }


def test_the_command_line_reads_issues_and_shows_the_cascade(stack, tmp_path, number):
    env = {**os.environ, "CHIDAO_ISSUER_URL": stack.url("issuer")}
    path, data = numbered_seed("004", number)
    ref = f"{number}-HD/BTGĐUK"  # seed 004 is 32-HD/BTGĐUK
    document = tmp_path / path.name
    document.write_bytes(data)

    def chidao(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chidao", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    preview = chidao("issue", str(document), "--preview")
    assert preview.returncode == 0, preview.stderr
    assert f"Hướng dẫn số {ref} (Cần Thơ, 29/03/2024)" in preview.stdout
    assert "nơi nhận:   Cấp ủy các TCCSĐ trực thuộc — Thực hiện" in preview.stdout
    # whom it would mail, as what: the grassroots committees are asked for its report
    assert "Sẽ gửi thư cho " in preview.stdout
    assert any(
        "Được giao báo cáo: " in line and "trước ngày" in line
        for line in preview.stdout.splitlines()
    ), preview.stdout
    refused = chidao("issue", str(document))  # its deadline, in 2024, has passed
    assert refused.returncode != 0 and "đã qua" in refused.stderr, refused.stderr
    assert "--allow-past" in refused.stderr
    issued = chidao("issue", str(document), "--allow-past")
    assert issued.returncode == 0, issued.stderr
    assert f"Đã ban hành {ref}: giao " in issued.stdout, issued.stdout
    tree = chidao("cascade", ref)
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert lines[0] == (
        "52-HD/BTGTU  Ban Tuyên giáo Thành ủy Cần Thơ, 14/03/2024  "
        "[được dẫn làm căn cứ, chưa có trong hệ thống]"
    )
    # under it, beside the forest test's seed 004 if that ran first
    assert (
        f"{ref}  Ban Tuyên giáo Đảng ủy Khối Cơ quan Dân Chính Đảng thành phố Cần Thơ, 29/03/2024"
        in [line[4:] for line in lines[1:] if line[:4] in ("└── ", "├── ")]
    )
    # the same file issued through the CLI again is the same directive (no need to say
    # --allow-past again: nothing new is sent)
    again = chidao("issue", str(document))
    assert again.returncode == 0 and f"{ref} đã được ban hành trước đó" in again.stdout


async def test_a_secret_urgent_document_is_mailed_marked_without_its_file_or_words(
    stack, http, number
):
    path, data = numbered_seed("003", number)
    text = data.decode("utf-8").replace("\nKẾ HOẠCH\n", "\nHỎA TỐC\tMẬT\nKẾ HOẠCH\n", 1)
    response = await upload(http, stack, path, text.encode("utf-8"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["document"]["urgency"], body["document"]["secrecy"]) == ("hoa_toc", "mat")

    def mails():
        return mails_of(stack.mail, body["directive_id"])

    sent = await eventually(lambda: len(mails()) >= 12 and mails(), what="its 12 mails")
    for mail in sent:  # the nine chi bộ's assignments, the three others' notices
        assert attachments_of(mail) == []  # the file stays with the issuer
        assert "cây tre Việt Nam" not in mail.subject + mail.text()  # nor its title
        assert "văn bản MẬT" in mail.text()
        assert f"[{number}-KH/ĐU] HỎA TỐC — " in mail.subject
