"""Urgency and secrecy marks read from a document's header, in every way they are written
(services/issuer/documents/marks.py)."""

from __future__ import annotations

from datetime import date

import pytest

from services.issuer.documents.marks import read_marks
from services.issuer.documents.parse import parse_lines
from tests.factories import small_plan

WHEN = "trước ngày 30/11/2099; các chi bộ khẩn trương thực hiện"


@pytest.mark.parametrize(
    ("marks", "urgency", "secrecy"),
    [
        ("KHẨN", "khan", None),
        ("THƯỢNG KHẨN", "thuong_khan", None),
        ("HỎA TỐC", "hoa_toc", None),
        ("MẬT", None, "mat"),
        ("TỐI MẬT\tHỎA TỐC", "hoa_toc", "toi_mat"),  # two cells of the header's table
        ("TUYET MAT", None, "tuyet_mat"),  # a scan without diacritics
        ("[KHAN]", "khan", None),
        ("", None, None),
    ],
)
def test_the_marks_of_the_header_are_read(marks, urgency, secrecy):
    document = parse_lines(small_plan(16, date(2024, 4, 5), WHEN, marks).splitlines())
    assert (document.urgency, document.secrecy) == (urgency, secrecy)
    assert document.issuer == "Đảng ủy Sở Y tế"  # the marks are not taken into its name
    assert document.title == "Tổng kết công tác tuyên giáo"


def test_the_words_in_a_sentence_are_no_marks():
    # "khẩn trương", "bí mật" in the body, lower case: nothing urgent nor secret
    assert read_marks(["Các chi bộ khẩn trương báo cáo; giữ bí mật nội dung."]) == (None, None)
    assert read_marks(["Mật"]) == (None, None)  # a mark is written in capitals
