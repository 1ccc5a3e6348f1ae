"""Urgency and secrecy marks read from a document's header, in every way they are written
(services/issuer/documents/marks.py)."""

from __future__ import annotations

import pytest

from services.issuer.documents.marks import read_marks
from services.issuer.documents.parse import parse_lines

HEADER = """ĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH SƠN HÀ\tĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY SỞ Y TẾ
*
Số 16-KH/ĐU\tSơn Hà, ngày 05 tháng 4 năm 2024
{marks}
KẾ HOẠCH
Tổng kết công tác tuyên giáo
-----
Các chi bộ khẩn trương báo cáo kết quả về Đảng ủy trước ngày 30/11/2099.
Nơi nhận:
- Các chi bộ trực thuộc;
- Lưu VT.
T/M ĐẢNG ỦY
BÍ THƯ
Nguyễn Văn An
"""


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
    document = parse_lines(HEADER.format(marks=marks).splitlines())
    assert (document.urgency, document.secrecy) == (urgency, secrecy)
    assert document.issuer == "Đảng ủy Sở Y tế"  # the marks are not taken into its name
    assert document.title == "Tổng kết công tác tuyên giáo"


def test_the_words_in_a_sentence_are_no_marks():
    # "khẩn trương", "bí mật" in the body, lower case: nothing urgent nor secret
    assert read_marks(["Các chi bộ khẩn trương báo cáo; giữ bí mật nội dung."]) == (None, None)
    assert read_marks(["Mật"]) == (None, None)  # a mark is written in capitals
