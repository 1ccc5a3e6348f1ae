"""Deadlines as directive documents phrase them, read by deadlines.find_deadlines and
dates.find_deadline_time: the exclusive instant in Vietnam time (+07:00), the recurrence, the
action and the body the report goes to. Every phrasing of the issue is here, in a clause such
as an office writes it, plus the OCR spellings and the dates that are not deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.issuer.documents.dates import find_deadline_time
from services.issuer.documents.deadlines import find_deadlines
from services.issuer.documents.parse import parse_lines
from services.issuer.documents.text import fold_keeping_length as fold

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ISSUED = date(2024, 3, 20)  # the document's date unless a case gives another


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def only(clause: str, reference: date | None = ISSUED):
    found = find_deadlines([clause], reference, [])
    assert len(found) == 1, found
    return found[0]


def case(clause, due, recurrence=None, action=None, to=None, reference=ISSUED, **kw):
    return pytest.param(clause, reference, due, recurrence, action, to, **kw)


PHRASINGS = [
    # -- a day ------------------------------------------------------------------------------
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy trước ngày 10/12/2024.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="truoc-ngay",
    ),
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy trước ngày 10-12-2024.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="truoc-ngay-dashes",
    ),
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy trước ngày 10.12.2024.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="truoc-ngay-dots",
    ),
    case(
        "Trước ngày 10/12/2024, các chi bộ báo cáo kết quả thực hiện về Đảng ủy.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="truoc-ngay-first",
    ),
    case(
        "Các chi bộ gửi báo cáo sơ kết về Văn phòng Đảng ủy chậm nhất ngày 15/3/2021.",
        at(2021, 3, 16),  # the 15th still counts
        action="gửi báo cáo sơ kết",
        to="Văn phòng Đảng ủy",
        id="cham-nhat-ngay",
    ),
    case(
        "Các đảng bộ cơ sở báo cáo kết quả về Đảng ủy Khối chậm nhất là ngày 31/12/2024.",
        at(2025, 1, 1),
        action="báo cáo kết quả",
        to="Đảng ủy Khối",
        id="cham-nhat-ngay-year-end",
    ),
    case(
        "Đề nghị các đơn vị gửi báo cáo về Sở Nội vụ trước 14 giờ, ngày 05/12/2017.",
        at(2017, 12, 5, 14),
        action="gửi báo cáo",
        to="Sở Nội vụ",
        id="truoc-gio-ngay",
    ),
    case(
        "Các sở, ngành gửi báo cáo về Văn phòng Bộ trước 16 giờ 30 phút ngày 05/12/2017.",
        at(2017, 12, 5, 16, 30),
        action="gửi báo cáo",
        to="Văn phòng Bộ",
        id="truoc-gio-phut",
    ),
    case(
        "Các đơn vị báo cáo kết quả về Ủy ban nhân dân tỉnh trước ngày 30 tháng 4 năm 2011.",
        at(2011, 4, 30),
        action="báo cáo kết quả",
        to="Ủy ban nhân dân tỉnh",
        id="long-date",
    ),
    case(
        "Các đơn vị báo cáo kết quả về Ủy ban nhân dân tỉnh chậm nhất ngày 30 tháng 4 năm 2011.",
        at(2011, 5, 1),
        action="báo cáo kết quả",
        to="Ủy ban nhân dân tỉnh",
        id="long-date-cham-nhat",
    ),
    case(
        "Các chi bộ báo cáo Ban Thường vụ Đảng ủy Khối kết quả thực hiện trước ngày 10/12/2024.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Ban Thường vụ Đảng ủy Khối",
        id="body-before-object",
    ),
    case(
        "Các chi bộ báo cáo kết quả thực hiện gửi về Ban Tuyên giáo Tỉnh ủy (qua Văn phòng "
        "Tỉnh ủy) trước ngày 10/12/2024.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Ban Tuyên giáo Tỉnh ủy (qua Văn phòng Tỉnh ủy)",
        id="qua-desk",
    ),
    case(
        "Các chi bộ báo cáo Ban Thường vụ Đảng ủy trước ngày 10/12/2024.",
        at(2024, 12, 10),
        action="báo cáo",
        to="Ban Thường vụ Đảng ủy",
        id="body-without-object",
    ),
    case(
        "Sở Nội vụ tổng hợp, báo cáo Ủy ban nhân dân tỉnh trong quý I/2021.",
        at(2021, 4, 1),
        action="báo cáo",
        to="Ủy ban nhân dân tỉnh",
        id="state-body-without-object",
    ),
    # -- a month ----------------------------------------------------------------------------
    case(
        "Các chi bộ ban hành kế hoạch thực hiện trong tháng 5/2024.",
        at(2024, 6, 1),
        action="ban hành kế hoạch thực hiện",
        id="trong-thang",
    ),
    case(
        "Các chi bộ báo cáo kết quả về Đảng ủy trong tháng 12/2024.",
        at(2025, 1, 1),
        action="báo cáo kết quả",
        to="Đảng ủy",
        id="trong-thang-12",
    ),
    case(
        "Trong tháng 5/2024, các chi bộ ban hành kế hoạch thực hiện.",
        at(2024, 6, 1),
        action="ban hành kế hoạch thực hiện",
        id="trong-thang-first",
    ),
    case(
        "Các đảng bộ cơ sở báo cáo kết quả về Ban Tuyên giáo Đảng ủy Khối vào cuối tháng 1/2021.",
        at(2021, 2, 1),
        action="báo cáo kết quả",
        to="Ban Tuyên giáo Đảng ủy Khối",
        id="vao-cuoi-thang",
    ),
    case(
        "Các đảng bộ cơ sở báo cáo kết quả về Ban Tuyên giáo Đảng ủy Khối cuối tháng 1/2021.",
        at(2021, 2, 1),
        action="báo cáo kết quả",
        to="Ban Tuyên giáo Đảng ủy Khối",
        id="cuoi-thang",
    ),
    case(
        "Các chi bộ ban hành kế hoạch thực hiện trong tháng 5.",
        at(2023, 6, 1),
        reference=date(2023, 2, 10),
        action="ban hành kế hoạch thực hiện",
        id="month-takes-document-year",
    ),
    # -- a quarter --------------------------------------------------------------------------
    case(
        "Các đảng bộ cơ sở báo cáo kết quả sơ kết về Ban Tuyên giáo Đảng ủy Khối trong quý I/2021.",
        at(2021, 4, 1),
        action="báo cáo kết quả sơ kết",
        to="Ban Tuyên giáo Đảng ủy Khối",
        id="trong-quy-I",
    ),
    case(
        "Các chi bộ hoàn thành việc tổ chức học tập trong Quý II/2024.",
        at(2024, 7, 1),
        action="hoàn thành việc tổ chức học tập",
        id="quy-II",
    ),
    case(
        "Các chi bộ báo cáo kết quả về Đảng ủy trong quý IV/2024.",
        at(2025, 1, 1),
        action="báo cáo kết quả",
        to="Đảng ủy",
        id="quy-IV",
    ),
    case(
        "Các chi bộ báo cáo kết quả về Đảng ủy trong quý 4 năm 2024.",
        at(2025, 1, 1),
        action="báo cáo kết quả",
        to="Đảng ủy",
        id="quy-4-nam",
    ),
    case(
        "Các chi bộ báo cáo kết quả về Đảng ủy trong quý III.",
        at(2023, 10, 1),
        reference=date(2023, 2, 10),
        action="báo cáo kết quả",
        to="Đảng ủy",
        id="quarter-takes-document-year",
    ),
    # -- recurring --------------------------------------------------------------------------
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy hằng năm vào tháng 12.",
        at(2025, 1, 1),  # the end of the first December after the document
        "yearly",
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="hang-nam-thang-12",
    ),
    case(
        "Hằng năm vào tháng 12, các chi bộ báo cáo kết quả thực hiện về Đảng ủy.",
        at(2025, 1, 1),
        "yearly",
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="hang-nam-first",
    ),
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy hàng năm vào tháng 6.",
        at(2025, 7, 1),  # June 2024 is over when the document is signed in October
        "yearly",
        reference=date(2024, 10, 15),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="hang-nam-month-passed",
    ),
    case(
        "Các chi bộ định kỳ 6 tháng báo cáo kết quả thực hiện về Đảng ủy.",
        None,
        "semiannual",
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="dinh-ky-6-thang",
    ),
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy 6 tháng một lần.",
        None,
        "semiannual",
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="6-thang-mot-lan",
    ),
    case(
        "Các phòng gửi báo cáo tình hình về Văn phòng Sở trước ngày 25 hằng tháng.",
        at(2024, 3, 25),  # the first 25th after the document
        "monthly",
        action="gửi báo cáo tình hình",
        to="Văn phòng Sở",
        id="hang-thang",
    ),
    case(
        "Các phòng gửi báo cáo tình hình về Văn phòng Sở trước ngày 25 hàng tháng.",
        at(2025, 1, 25),
        "monthly",
        reference=date(2024, 12, 28),
        action="gửi báo cáo tình hình",
        to="Văn phòng Sở",
        id="hang-thang-next-year",
    ),
    case(
        "Các phòng gửi báo cáo tình hình về Văn phòng Sở trước ngày 30 hằng tháng.",
        at(2024, 3, 30),
        "monthly",
        action="gửi báo cáo tình hình",
        to="Văn phòng Sở",
        id="hang-thang-day-30",
    ),
    case(
        "Kết quả thực hiện được đưa vào trong báo cáo tổng kết công tác tuyên giáo hằng năm "
        "gửi về Ban Tuyên giáo Tỉnh ủy.",
        None,
        "yearly",
        action="báo cáo tổng kết công tác tuyên giáo",
        to="Ban Tuyên giáo Tỉnh ủy",
        id="trong-bao-cao-hang-nam",
    ),
    # -- a day and month with no year ------------------------------------------------------
    case(
        "Các chi bộ báo cáo kết quả thực hiện về Đảng ủy trước ngày 10/12.",
        at(2024, 12, 10),
        action="báo cáo kết quả thực hiện",
        to="Đảng ủy",
        id="day-month-no-year",
    ),
    # -- OCR output without diacritics ----------------------------------------------------
    case(
        "Cac chi bo bao cao ket qua thuc hien ve Dang uy truoc ngay 10/12/2024.",
        at(2024, 12, 10),
        action="bao cao ket qua thuc hien",
        to="Dang uy",
        id="ocr-truoc-ngay",
    ),
    case(
        "Cac chi bo bao cao ket qua ve Dang uy cham nhat ngay 16 thang 4 ndam 2024.",
        at(2024, 4, 17),
        action="bao cao ket qua",
        to="Dang uy",
        id="ocr-long-date-ndam",
    ),
    case(
        "Cac chi bo ban hanh ke hoach thuc hien trong thang 5/2024.",
        at(2024, 6, 1),
        action="ban hanh ke hoach thuc hien",
        id="ocr-trong-thang",
    ),
    case(
        "Hoan thanh trong Quy 11/2024.",
        at(2024, 7, 1),  # "Quy 11" is OCR for "Quý II"
        action="Hoan thanh",
        id="ocr-quy-11",
    ),
    case(
        "Cac chi bo hoan thanh trong Quy 11.",
        at(2024, 7, 1),
        action="hoan thanh",
        id="ocr-quy-11-no-year",
    ),
    case(
        "Cac chi bo bao cao ket qua ve Dang uy hang nam vao thang 12.",
        at(2025, 1, 1),
        "yearly",
        action="bao cao ket qua",
        to="Dang uy",
        id="ocr-hang-nam",
    ),
    case(
        "Cac chi bo dinh ky 6 thang bao cao ket qua ve Dang uy.",
        None,
        "semiannual",
        action="bao cao ket qua",
        to="Dang uy",
        id="ocr-dinh-ky",
    ),
]


@pytest.mark.parametrize(("clause", "reference", "due", "recurrence", "action", "to"), PHRASINGS)
def test_a_deadline_phrasing_is_read(clause, reference, due, recurrence, action, to):
    deadline = only(clause, reference)
    assert deadline.due_before == due
    if due is not None:
        assert deadline.due_before.utcoffset() == timedelta(hours=7)
        assert deadline.due_before.replace(tzinfo=None) == due.replace(tzinfo=None)
    assert deadline.recurrence == recurrence
    assert deadline.action == action
    assert deadline.to == to
    # The deadline keeps the words it was read from.
    assert deadline.text in clause.replace("\n", " ")
    assert fold(action).split()[0] in fold(deadline.text)


def test_the_clause_a_deadline_comes_from_is_kept_across_a_hard_line_break():
    deadline = only(
        "2. Văn phòng Đảng ủy tổng hợp, báo cáo kết quả thực hiện về Ban Thường vụ Đảng ủy\n"
        "Khối chậm nhất ngày\n30/11/2024."
    )
    assert deadline.text == (
        "Văn phòng Đảng ủy tổng hợp, báo cáo kết quả thực hiện về Ban Thường vụ Đảng ủy "
        "Khối chậm nhất ngày 30/11/2024"
    )
    assert deadline.due_before == at(2024, 12, 1)
    assert deadline.to == "Ban Thường vụ Đảng ủy Khối"


def test_each_clause_of_a_sentence_gets_its_own_deadline_in_date_order():
    found = find_deadlines(
        [
            "Các chi bộ ban hành kế hoạch triển khai trước ngày 15/10/2024; báo cáo kết quả "
            "thực hiện về Đảng ủy (qua Văn phòng Đảng ủy) trong tháng 11/2024; hằng năm vào "
            "tháng 12 báo cáo kết quả thực hiện về Đảng ủy."
        ],
        date(2024, 10, 2),
        [],
    )
    assert [(d.action, d.to, d.due_before, d.recurrence) for d in found] == [
        ("ban hành kế hoạch triển khai", None, at(2024, 10, 15), None),
        (
            "báo cáo kết quả thực hiện",
            "Đảng ủy (qua Văn phòng Đảng ủy)",
            at(2024, 12, 1),
            None,
        ),
        ("báo cáo kết quả thực hiện", "Đảng ủy", at(2025, 1, 1), "yearly"),
    ]


# -- the document's year ---------------------------------------------------------------


def _document(date_line: str, *body: str) -> list[str]:
    return [
        "ĐẢNG BỘ TỈNH HƯNG YÊN\tĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG ỦY SỞ NỘI VỤ",
        f"*\t{date_line}",
        "Số 12-KH/ĐU",
        "KẾ HOẠCH",
        "Tổng kết công tác xây dựng Đảng",
        "Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2022 của Ban Thường vụ Đảng ủy Khối,",
        "Ban Thường vụ Đảng ủy Sở Nội vụ xây dựng Kế hoạch như sau:",
        *body,
        "Nơi nhận:\tT/M BAN THƯỜNG VỤ",
        "- Các chi bộ trực thuộc,\tBÍ THƯ",
        "- Lưu Văn phòng Đảng ủy.\tNguyễn Văn Bình",
    ]


def test_a_month_or_quarter_without_a_year_takes_the_year_of_the_document():
    doc = parse_lines(
        _document(
            "Hưng Yên, ngày 10 tháng 2 năm 2023",
            "1. Các chi bộ ban hành kế hoạch thực hiện trong tháng 5.",
            "2. Các chi bộ báo cáo kết quả thực hiện về Đảng ủy trong quý III.",
            "3. Các chi bộ báo cáo kết quả về Đảng ủy hằng năm vào tháng 12.",
        )
    )
    assert doc.issued_on == date(2023, 2, 10)
    assert [(d.due_before, d.recurrence) for d in doc.deadlines] == [
        (at(2023, 6, 1), None),
        (at(2023, 10, 1), None),
        (at(2024, 1, 1), "yearly"),
    ]
    # Not the year of the document it implements (2022), and no warning about the year.
    assert not any("year" in w for w in doc.warnings)


def test_without_a_document_date_the_year_comes_from_its_basis_with_a_warning():
    doc = parse_lines(
        _document(
            "Hưng Yên, ngày      tháng      năm",
            "1. Các chi bộ ban hành kế hoạch thực hiện trong tháng 5.",
        )
    )
    assert doc.issued_on is None
    assert [d.due_before for d in doc.deadlines] == [at(2022, 6, 1)]
    assert any("2022" in w and "check" in w for w in doc.warnings)


def test_a_yearless_month_with_no_date_to_take_the_year_from_keeps_the_deliverable():
    found = find_deadlines(["Các chi bộ ban hành kế hoạch thực hiện trong tháng 5."], None, [])
    assert [(d.action, d.due_before) for d in found] == [("ban hành kế hoạch thực hiện", None)]


# -- dates that are not deadlines --------------------------------------------------------


@pytest.mark.parametrize(
    "clause",
    [
        pytest.param(
            "Ban Thường vụ Đảng ủy tổ chức hội nghị sơ kết vào cuối tháng 12.", id="meeting"
        ),
        pytest.param(
            "Đảng ủy tổ chức hội nghị tổng kết vào cuối tháng 12/2024 tại Hội trường Sở.",
            id="meeting-with-year",
        ),
        pytest.param("Tổ chức hội nghị báo cáo viên trong tháng 5/2024.", id="bao-cao-vien"),
        pytest.param(
            "Đội ngũ báo cáo viên các cấp tuyên truyền trước ngày 10/12/2024.",
            id="bao-cao-vien-truoc-ngay",
        ),
        pytest.param("Các chi bộ báo cáo kết quả thực hiện về Đảng ủy.", id="no-time"),
        pytest.param(
            "Các chi bộ ban hành kế hoạch thực hiện, gửi về Ban Tuyên giáo Đảng ủy Khối.",
            id="no-time-gui",
        ),
        pytest.param(
            "Căn cứ Kế hoạch số 10-KH/TU ngày 5/3/2021 của Ban Thường vụ Tỉnh ủy, các chi bộ "
            "báo cáo kết quả thực hiện về Đảng ủy.",
            id="only-a-referenced-document-date",
        ),
        pytest.param(
            "Hội nghị tổng kết được tổ chức vào cuối tháng 12 để thảo luận, thông qua báo cáo "
            "chính trị.",
            id="meeting-adopts-a-report",
        ),
    ],
)
def test_a_date_or_a_deliverable_alone_is_not_a_deadline(clause):
    assert find_deadlines([clause], ISSUED, []) == []


def test_a_deliverable_without_any_time_has_no_deadline_time():
    assert (
        find_deadline_time(fold("Các chi bộ báo cáo kết quả thực hiện về Đảng ủy."), ISSUED) is None
    )


def test_a_meeting_next_to_a_deadline_in_the_same_sentence_is_not_taken():
    deadline = only(
        "Đảng ủy tổ chức hội nghị tổng kết vào cuối tháng 12 năm 2024; các chi bộ báo cáo "
        "kết quả thực hiện về Đảng ủy trước ngày 10/12/2024."
    )
    assert deadline.due_before == at(2024, 12, 10)
    assert deadline.to == "Đảng ủy"


@pytest.mark.parametrize(
    ("clause", "due"),
    [
        pytest.param(
            "Các chi bộ báo cáo kết quả thực hiện Kế hoạch số 10-KH/TU ngày 5/3/2021 của "
            "Tỉnh ủy về Đảng ủy trước ngày 30/6/2021.",
            at(2021, 6, 30),
            id="truoc-ngay",
        ),
        pytest.param(
            "Các chi bộ báo cáo kết quả thực hiện Kế hoạch số 10-KH/TU ngày 5/3/2021 của "
            "Tỉnh ủy về Đảng ủy chậm nhất ngày 20/6/2021.",
            at(2021, 6, 21),
            id="cham-nhat",
        ),
        pytest.param(
            "Các chi bộ báo cáo kết quả thực hiện Kế hoạch số 10-KH/TU ngày 5/3/2021 của "
            "Tỉnh ủy về Đảng ủy trong quý II/2021.",
            at(2021, 7, 1),
            id="quy",
        ),
        pytest.param(
            "Các chi bộ báo cáo kết quả thực hiện Kế hoạch số 10-KH/TU ngày 5 tháng 3 năm 2021 "
            "của Tỉnh ủy về Đảng ủy trong tháng 6/2021.",
            at(2021, 7, 1),
            id="long-date-reference",
        ),
    ],
)
def test_the_date_of_a_referenced_document_is_not_the_deadline(clause, due):
    deadline = only(clause)
    assert deadline.due_before == due
    assert deadline.to == "Đảng ủy"
    assert deadline.action.startswith("báo cáo kết quả thực hiện Kế hoạch số 10-KH/TU")
