"""The five real documents chidao was created from, read as a clerk reads them.
Two have expected output in tests/fixtures/golden/ (copied from ../shared/golden)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from chidao.documents import JSON_FIELDS, as_json
from services.issuer.documents.ingest import resolve_document
from services.issuer.documents.parse import parse_file
from shared.directory import Directory, load_file

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "chidao" / "demo" / "seeds"
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
DIRECTORY = Directory(load_file(ROOT / "chidao" / "demo" / "directory.yaml"))


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def read(prefix: str, issuer: str | None = None):
    return resolve_document(parse_file(seed(prefix)), DIRECTORY, issuer)


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.json")))
def test_the_golden_documents_match_field_for_field(name):
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    got = as_json(resolve_document(parse_file(SEEDS / f"{name}.txt"), DIRECTORY))
    for field in expected:
        assert got[field] == expected[field], field


def test_parse_json_on_the_command_line_gives_the_contract_fields():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "chidao",
            "parse",
            str(seed("004")),
            "--json",
            "--directory",
            str(ROOT / "chidao" / "demo" / "directory.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert tuple(data) == JSON_FIELDS
    assert data["ref"] == "32-HD/BTGĐUK"


def test_seed_000_has_no_number_or_date_and_says_so():
    reading = read("000", issuer="duk-cqdn-son-ha")
    doc = reading.document
    assert doc.ref is None and doc.issued_on is None
    assert any("no number-symbol" in w and "--ref" in w for w in doc.warnings)
    assert any("no date" in w and "--date" in w for w in doc.warnings)
    assert doc.kind == "KH"
    assert doc.issuer == "Ban Thường vụ Đảng ủy khối Cơ quan - Doanh nghiệp tỉnh"
    assert [(b.ref, b.issued_on, b.issuer) for b in doc.basis] == [
        ("289-KH/TU", date(2024, 3, 19), "Ban Thường vụ Tỉnh ủy")
    ]
    assert [r.text for r in doc.recipients] == [
        "Thường trực Tỉnh ủy",
        "Ban Tuyên giáo Tỉnh ủy",
        "Thường trực Đảng ủy Khối",
        "Cấp ủy các chi, đảng bộ cơ sở",
        "Các Ban, Văn phòng, Đoàn Khối",
    ]
    assert doc.archive == "Lưu Văn phòng, Tuyên giáo Đảng ủy."
    # "... cụ thể: ban hành Kế hoạch ... trong tháng 4/2024; báo cáo ... trong tháng 5/2024;
    # báo cáo ... hằng năm vào tháng 12)": three deadlines, to the body named before "cụ thể".
    assert [
        (d.action, d.due_before.date() if d.due_before else None, d.recurrence)
        for d in doc.deadlines
    ] == [
        ("ban hành Kế hoạch triển khai", date(2024, 5, 1), None),
        ("báo cáo kết quả tổ chức quán triệt, tuyên truyền tác phẩm", date(2024, 6, 1), None),
        ("báo cáo kết quả thực hiện đợt sinh hoạt chính trị, tư tưởng", date(2025, 1, 1), "yearly"),
    ]
    assert {d.to for d in doc.deadlines} == {"Đảng ủy Khối (qua Ban Tuyên giáo Đảng ủy Khối)"}
    assert (doc.signer.capacity, doc.signer.title, doc.signer.name) == (
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Lưu Xuân Hải",
    )
    assert len(doc.materials) == 3


def test_seed_001_ocr_without_diacritics_is_still_read():
    reading = read("001")
    doc = reading.document
    assert (doc.kind, doc.ref, doc.issued_on) == ("KH", "69-KH/BTGTU", date(2024, 4, 16))
    assert reading.issuer_unit == "btg-tu-lam-dong"  # "Ban Tuyén gi4o Tinh uy", at "Ldam béng"
    assert [(b.kind, b.ref, b.issued_on) for b in doc.basis] == [
        ("HD", "143-HD/BTGTW", date(2024, 2, 28))
    ]
    assert len(doc.recipients) == 10
    assert [r.role for r in doc.recipients[:2]] == ["report", "report"]  # "(bédo céo)", "(bao céo)"
    assert doc.recipients[3].role == "action"  # "Thanh ay, huyén uy, dang uy truc thudc"
    assert doc.archive == "Luu Ban Tuyén giao Tinh uy."
    # "Hoan thanh trong Quy 11/2024": Quý II/2024
    deadlines = [(d.due_before.date(), d.recurrence) for d in doc.deadlines]
    assert deadlines == [(date(2024, 7, 1), None)]
    assert doc.signer.title == "TRƯỞNG BAN" and doc.signer.name is None
    assert any("diacritics" in w for w in doc.warnings)
    assert any("signer's name" in w for w in doc.warnings)
    assert not any("matches no unit" in w for w in doc.warnings)
    assert len(doc.tasks) == 7


def test_seed_002_letter_with_addressees_like_above_and_an_appendix():
    reading = read("002")
    doc = reading.document
    assert (doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "CV",
        "1817-CV/TU",
        date(2024, 3, 25),
        "Lai Châu",
    )
    assert doc.issuer == "Tỉnh ủy Lai Châu" and reading.issuer_unit == "tu-lai-chau"
    assert doc.title == (
        "Triển khai đợt sinh hoạt chính trị, tư tưởng về nội dung tác phẩm của Tổng Bí thư "
        "Nguyễn Phú Trọng"
    )
    assert doc.addressees == [
        "Các ban đảng, ban cán sự đảng, đảng đoàn, Ban Thường vụ Tỉnh đoàn",
        "Các huyện ủy, thành ủy, đảng ủy trực thuộc",
    ]
    assert [(r.text, r.role) for r in doc.recipients[:2]] == [
        ("Như trên", "same_as_above"),
        ("Ban Tuyên giáo Trung ương", "report"),
    ]
    assert len(doc.recipients) == 6 and doc.archive == "Lưu VPTU."
    # The appendix after the signature ("Kèm theo Công văn số 1817-CV/TU ...") is not a basis.
    assert [b.ref for b in doc.basis] == ["143-HD/BTGTW"]
    assert [(d.action, d.to, d.due_before, d.recurrence) for d in doc.deadlines] == [
        (
            "báo cáo kết quả thực hiện",
            "Ban Thường vụ Tỉnh ủy (qua Ban Tuyên giáo Tỉnh ủy)",
            None,
            "yearly",
        )
    ]
    assert (doc.signer.capacity, doc.signer.title, doc.signer.name) == (
        "T/M BAN THƯỜNG VỤ",
        "PHÓ BÍ THƯ",
        "Vũ Mạnh Hà",
    )
    same_as_above = reading.recipients[0]
    assert same_as_above.units == reading.addressees and reading.addressees


def test_every_seed_parses_well_under_100_ms():
    import time

    for path in sorted(SEEDS.glob("*.txt")):
        parse_file(path)  # warm
        started = time.perf_counter()
        parse_file(path)
        assert time.perf_counter() - started < 0.1, path.name
