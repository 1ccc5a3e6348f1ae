"""A scan that lost its diacritics (seed 001) gets them back where the lexicon can tell,
and says which words it could not settle (services/issuer/documents/diacritics.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.issuer.documents.diacritics import Restorer
from services.issuer.documents.ingest import resolve_document
from services.issuer.documents.lexicon import STORED, built, stored
from services.issuer.documents.parse import parse_file
from shared.directory import Directory, load_file

ROOT = Path(__file__).parents[2]
DIRECTORY = Directory(load_file(ROOT / "chidao/demo/directory.yaml"))
SEED_001 = ROOT / "chidao/demo/seeds/001_ec79a5c3036ac224.txt"
# The title as the signed paper reads, typed by a person from the scan.
TITLE = (
    "Triển khai đợt sinh hoạt chính trị, tư tưởng sâu rộng về nội dung tác phẩm “Xây dựng "
    "và phát triển nền đối ngoại, ngoại giao Việt Nam toàn diện, hiện đại mang đậm bản sắc "
    "“Cây tre Việt Nam” của Tổng Bí thư Nguyễn Phú Trọng"
)
# Sentences of the same scan's body, and how the paper reads them.
BODY = [
    (
        "Gilp can b, dang vién va cac tang 16p Nhan dan nhan thirc sau sac vé noi dung cét 18i "
        "cua tac pham",
        "Giúp cán bộ, đảng viên và các tầng lớp Nhân dân nhận thức sâu sắc về nội dung cốt lõi "
        "của tác phẩm",
    ),
    (
        "tao khdng khi phan khéi, tin tuong vao sy lanh dao caa Bang",
        "tạo không khí phấn khởi, tin tưởng vào sự lãnh đạo của Đảng",
    ),
    (
        "Hinh thire t6 chire da dang, phong phu, sang tao, hiéu qua, thiét thuc",
        "Hình thức tổ chức đa dạng, phong phú, sáng tạo, hiệu quả, thiết thực",
    ),
]


def restorer() -> Restorer:
    names = [n for unit in DIRECTORY for n in (unit.name, *unit.aliases)]
    return Restorer(stored().with_names(names))


def right_words(restored: str, truth: str) -> int:
    return sum(a == b for a, b in zip(restored.split(), truth.split(), strict=True))


def test_seed_001_is_read_with_its_title_and_requirement_in_proper_vietnamese():
    reading = resolve_document(parse_file(SEED_001), DIRECTORY)
    document = reading.document
    assert right_words(document.title, TITLE) == len(TITLE.split())  # 47 of 47
    assert document.title == TITLE
    assert document.place == "Lâm Đồng"  # "Ldam béng"
    assert [r.action for r in reading.requirements] == ["Hoàn thành"]  # "Hoan thanh"
    assert reading.issuer_name == "Ban Tuyên giáo Tỉnh ủy Lâm Đồng"
    # "Hoan thanh trong Quy 11/2024": "trong" or "trọng", "Quy" or "Quý", the context
    # cannot tell: the sentence the mail quotes waits for the issuer
    assert reading.doubts == {"requirement.1.text": ["trong", "Quy"]}
    assert any("diacritics were restored" in w for w in document.warnings)


@pytest.mark.parametrize(("scanned", "truth"), BODY)
def test_a_word_restored_wrong_is_never_passed_off_as_sure(scanned, truth):
    restored = restorer().restore(scanned)
    written, paper = restored.text.split(), truth.split()
    assert len(written) == len(paper)
    wrong = [w.strip(",") for w, p in zip(written, paper, strict=True) if w != p]
    assert all(w in restored.doubtful for w in wrong), (restored.text, restored.doubtful)
    assert right_words(restored.text, truth) >= len(paper) - 2


def test_a_word_the_lexicon_never_saw_is_kept_as_it_was_and_doubtful():
    restored = restorer().restore("Ke hoach trien khai Kzxqw")
    assert restored.text == "Kế hoạch triển khai Kzxqw"
    assert restored.doubtful == ["Kzxqw"]


def test_numbers_and_abbreviations_keep_their_spelling():
    restored = restorer().restore("thuc hien Ke hoach 101-KH/DU, BTGTU")
    assert restored.text == "thực hiện Kế hoạch 101-KH/DU, BTGTU"


def test_the_stored_lexicon_is_what_its_sources_make():
    fresh = json.loads(STORED.read_text(encoding="utf-8")) == built().as_json()
    assert fresh, "a seed, form or template changed: run `make lexicon` and commit lexicon.json"
