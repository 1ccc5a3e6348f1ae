"""Whole documents of both families, written here as offices produce them (two columns
flattened with tabs, lines broken in mid-sentence, a blank line after every line, markdown
emphasis, an appendix after the signature, OCR text), read by parse.parse_lines field by
field; and one of them as a Word file read by parse.parse_upload."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx
import pytest

from services.issuer.documents.parse import parse_lines, parse_upload

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN)


def spaced(lines: list[str]) -> list[str]:
    """A blank line after every line, as text extracted from PDF often has."""
    return [part for line in lines for part in (line, "")]


def basis_of(doc):
    return [(b.kind, b.ref, b.issued_on, b.issuer) for b in doc.basis]


def recipients_of(doc):
    return [(r.text, r.role) for r in doc.recipients]


def deadlines_of(doc):
    return [(d.action, d.to, d.due_before, d.recurrence) for d in doc.deadlines]


def signer_of(doc):
    return (doc.signer.capacity, doc.signer.title, doc.signer.name) if doc.signer else None


NO_NUMBER = "no number-symbol"
NO_DATE = "no date"


def number_or_date_warnings(doc) -> list[str]:
    return [w for w in doc.warnings if NO_NUMBER in w or NO_DATE in w]


# -- a Party Kế hoạch, T/M BAN THƯỜNG VỤ ------------------------------------------------------

PARTY_PLAN = [
    " \tĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP\tĐẢNG CỘNG SẢN VIỆT NAM",
    "ĐẢNG ỦY SỞ NỘI VỤ",
    "*\tHưng Yên, ngày 02 tháng 10 năm 2024",
    "Số 115-KH/ĐU",
    "",
    "**KẾ HOẠCH**",
    "**Học tập, quán triệt và triển khai thực hiện Nghị quyết Hội nghị lần thứ mười**",
    "**Ban Chấp hành Trung ương Đảng khóa XIII**",
    "-----",
    "Thực hiện Kế hoạch số 160-KH/ĐUK ngày 20/9/2024 của Ban Thường vụ Đảng ủy Khối",
    "Cơ quan - Doanh nghiệp tỉnh về học tập, quán triệt và triển khai thực hiện Nghị quyết",
    "Hội nghị lần thứ mười Ban Chấp hành Trung ương Đảng khóa XIII, Ban Thường vụ Đảng ủy",
    "Sở Nội vụ xây dựng Kế hoạch thực hiện như sau:",
    "**I. MỤC ĐÍCH, YÊU CẦU**",
    "1. Giúp cán bộ, đảng viên nắm vững nội dung cơ bản của Nghị quyết; tạo sự thống nhất",
    "về nhận thức và hành động trong toàn Đảng bộ.",
    "2. Việc học tập phải được tổ chức *nghiêm túc, thiết thực*, hiệu quả.",
    "**II. THỜI GIAN, HÌNH THỨC**",
    "- Thời gian: Đảng ủy tổ chức hội nghị học tập vào cuối tháng 10/2024 tại Hội trường Sở.",
    "- Hình thức: trực tiếp kết hợp trực tuyến.",
    "**III. TỔ CHỨC THỰC HIỆN**",
    "1. Các chi bộ trực thuộc tổ chức cho đảng viên học tập đầy đủ; ban hành kế hoạch",
    "triển khai trước ngày 15/10/2024; báo cáo kết quả thực hiện về Đảng ủy (qua Văn phòng",
    "Đảng ủy) trong tháng 11/2024.",
    "2. Văn phòng Đảng ủy tổng hợp, báo cáo kết quả thực hiện về Ban Thường vụ Đảng ủy Khối",
    "chậm nhất ngày 30/11/2024.",
    "",
    "Nơi nhận:\tT/M BAN THƯỜNG VỤ",
    "- Đảng ủy Khối CQ-DN tỉnh (để b/c),\tBÍ THƯ",
    "- Ban Tuyên giáo Đảng ủy Khối (báo cáo),",
    "- Các chi bộ trực thuộc Đảng bộ,",
    "- Lãnh đạo Sở Nội vụ (để biết),",
    "- Lưu Văn phòng Đảng ủy.\t(Đã ký)",
    "\tNguyễn Văn Bình",
]


# Plan 115-KH/ĐU, as text here and as a Word file further down: the same header and basis.
PLAN_115_BASIS = [
    (
        "KH",
        "160-KH/ĐUK",
        date(2024, 9, 20),
        "Ban Thường vụ Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
    )
]


def assert_plan_115_header(doc) -> None:
    assert (doc.family, doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "party",
        "KH",
        "115-KH/ĐU",
        date(2024, 10, 2),
        "Hưng Yên",
    )
    assert doc.issuer == "Đảng ủy Sở Nội vụ"


def test_party_plan_is_read_field_by_field():
    doc = parse_lines(PARTY_PLAN)
    assert_plan_115_header(doc)
    assert doc.title == (
        "Học tập, quán triệt và triển khai thực hiện Nghị quyết Hội nghị lần thứ mười "
        "Ban Chấp hành Trung ương Đảng khóa XIII"
    )
    assert basis_of(doc) == PLAN_115_BASIS
    assert doc.addressees == []
    assert recipients_of(doc) == [
        ("Đảng ủy Khối CQ-DN tỉnh", "report"),  # "(để b/c)"
        ("Ban Tuyên giáo Đảng ủy Khối", "report"),  # "(báo cáo)"
        ("Các chi bộ trực thuộc Đảng bộ", None),  # the directory decides
        ("Lãnh đạo Sở Nội vụ", "info"),  # "(để biết)"
    ]
    assert doc.archive == "Lưu Văn phòng Đảng ủy."
    # The meeting "vào cuối tháng 10/2024" is not a deadline.
    assert deadlines_of(doc) == [
        ("ban hành kế hoạch triển khai", None, at(2024, 10, 15), None),
        ("báo cáo kết quả thực hiện", "Đảng ủy (qua Văn phòng Đảng ủy)", at(2024, 12, 1), None),
        ("báo cáo kết quả thực hiện", "Ban Thường vụ Đảng ủy Khối", at(2024, 12, 1), None),
    ]
    assert doc.deadlines[2].text == (
        "Văn phòng Đảng ủy tổng hợp, báo cáo kết quả thực hiện về Ban Thường vụ Đảng ủy Khối "
        "chậm nhất ngày 30/11/2024"
    )
    assert signer_of(doc) == ("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Bình")
    assert doc.warnings == []
    assert doc.ocr is False


# -- a Party Hướng dẫn of a board: two bodies in the header block -----------------------------

PARTY_GUIDE = spaced(
    [
        "TỈNH ỦY LÂM ĐỒNG\tĐẢNG CỘNG SẢN VIỆT NAM",
        "BAN TUYÊN GIÁO",
        "*",
        "Số 75-HD/BTGTU\tĐà Lạt, ngày 12 tháng 3 năm 2024",
        "HƯỚNG DẪN",
        "Tuyên truyền kỷ niệm 70 năm Chiến thắng Điện Biên Phủ",
        "(07/5/1954 - 07/5/2024)",
        "-----",
        "Thực hiện Hướng dẫn số 130-HD/BTGTW ngày 05/01/2024 của Ban Tuyên giáo Trung ương",
        "về tuyên truyền các ngày kỷ niệm năm 2024, Ban Tuyên giáo Tỉnh ủy hướng dẫn tuyên",
        "truyền như sau:",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Tuyên truyền sâu rộng ý nghĩa lịch sử của Chiến thắng Điện Biên Phủ.",
        "II. NỘI DUNG, HÌNH THỨC",
        "1. Tổ chức hội nghị báo cáo viên cấp tỉnh trong tháng 4/2024.",
        "III. TỔ CHỨC THỰC HIỆN",
        "1. Các huyện ủy, thành ủy, đảng ủy trực thuộc xây dựng kế hoạch tuyên truyền, gửi về",
        "Ban Tuyên giáo Tỉnh ủy trong quý I/2024; định kỳ 6 tháng báo cáo kết quả về Ban Tuyên",
        "giáo Tỉnh ủy.",
        "2. Báo Lâm Đồng, Đài PT-TH tỉnh gửi báo cáo nhanh về Ban Tuyên giáo Tỉnh ủy trước ngày",
        "25 hằng tháng.",
        "3. Kết quả thực hiện Hướng dẫn được đưa vào trong báo cáo tổng kết công tác tuyên giáo",
        "hằng năm gửi về Ban Tuyên giáo Tỉnh ủy.",
        "Nơi nhận:\tK/T TRƯỞNG BAN",
        "- Ban Tuyên giáo Trung ương (báo cáo),\tPHÓ TRƯỞNG BAN",
        "- Thường trực Tỉnh ủy (báo cáo),",
        "- Thành ủy, huyện ủy, đảng ủy trực thuộc,",
        "- Báo Lâm Đồng, Đài PT-TH tỉnh,",
        "- Lưu BTG TU.\tTrần Thị Mai",
    ]
)
PARTY_GUIDE_DEADLINES = [
    ("xây dựng kế hoạch tuyên truyền", "Ban Tuyên giáo Tỉnh ủy", at(2024, 4, 1), None),
    ("gửi báo cáo nhanh", "Ban Tuyên giáo Tỉnh ủy", at(2024, 3, 25), "monthly"),
    ("báo cáo kết quả", "Ban Tuyên giáo Tỉnh ủy", None, "semiannual"),
    ("báo cáo tổng kết công tác tuyên giáo", "Ban Tuyên giáo Tỉnh ủy", None, "yearly"),
]


def test_party_guide_of_a_board_is_read_field_by_field():
    doc = parse_lines(PARTY_GUIDE)
    assert (doc.family, doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "party",
        "HD",
        "75-HD/BTGTU",
        date(2024, 3, 12),
        "Đà Lạt",
    )
    # "TỈNH ỦY LÂM ĐỒNG" over "BAN TUYÊN GIÁO": the board of that committee.
    assert doc.issuer == "Ban Tuyên giáo Tỉnh ủy Lâm Đồng"
    assert doc.title == (
        "Tuyên truyền kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (07/5/1954 - 07/5/2024)"
    )
    assert basis_of(doc) == [("HD", "130-HD/BTGTW", date(2024, 1, 5), "Ban Tuyên giáo Trung ương")]
    assert recipients_of(doc) == [
        ("Ban Tuyên giáo Trung ương", "report"),
        ("Thường trực Tỉnh ủy", "report"),
        ("Thành ủy, huyện ủy, đảng ủy trực thuộc", None),
        ("Báo Lâm Đồng, Đài PT-TH tỉnh", None),
    ]
    assert doc.archive == "Lưu BTG TU."
    # "hội nghị báo cáo viên ... trong tháng 4/2024" is not a deadline; every one read is right.
    assert deadlines_of(doc)
    for deadline in deadlines_of(doc):
        assert deadline in PARTY_GUIDE_DEADLINES
    assert doc.signer.title == "PHÓ TRƯỞNG BAN" and doc.signer.name == "Trần Thị Mai"
    assert doc.warnings == []


def test_party_guide_misses_no_deadline_when_a_line_breaks_before_a_name():
    assert sorted(deadlines_of(parse_lines(PARTY_GUIDE)), key=str) == sorted(
        PARTY_GUIDE_DEADLINES, key=str
    )


def test_party_signature_k_t_is_the_capacity():
    assert signer_of(parse_lines(PARTY_GUIDE)) == (
        "K/T TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Trần Thị Mai",
    )


# -- a state Quyết định --------------------------------------------------------------------

STATE_DECISION = [
    "ỦY BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "TỈNH LAI CHÂU\tĐộc lập - Tự do - Hạnh phúc",
    "Số: 156/QĐ-UBND\tLai Châu, ngày 05 tháng 02 năm 2024",
    "QUYẾT ĐỊNH",
    "Ban hành Kế hoạch cải cách hành chính tỉnh Lai Châu năm 2024",
    "ỦY BAN NHÂN DÂN TỈNH LAI CHÂU",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;",
    "Căn cứ Quyết định số 1291/QĐ-BNV ngày 30/12/2021 của Bộ Nội vụ về việc phê duyệt Đề án",
    "xác định Chỉ số cải cách hành chính;",
    "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 12/TTr-SNV ngày 30/01/2024.",
    "QUYẾT ĐỊNH:",
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch cải cách hành chính tỉnh Lai Châu",
    "năm 2024.",
    "Điều 2. Giao Sở Nội vụ theo dõi, đôn đốc các sở, ngành thực hiện; tổng hợp, báo cáo kết quả",
    "thực hiện về Ủy ban nhân dân tỉnh trước ngày 10/12/2024.",
    "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, thủ trưởng các sở,",
    "ban, ngành chịu trách nhiệm thi hành Quyết định này./.",
    "Nơi nhận:\tTM. ỦY BAN NHÂN DÂN",
    "- Như Điều 3;\tKT. CHỦ TỊCH",
    "- Bộ Nội vụ (b/c);\tPHÓ CHỦ TỊCH",
    "- Thường trực Tỉnh ủy (b/c);",
    "- Lưu: VT, NC.",
    "\tTống Thanh Hải",
]
STATE_DECISION_TITLE = "Ban hành Kế hoạch cải cách hành chính tỉnh Lai Châu năm 2024"


def test_state_decision_is_read_field_by_field():
    doc = parse_lines(STATE_DECISION)
    assert (doc.family, doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "state",
        "QĐ",
        "156/QĐ-UBND",
        date(2024, 2, 5),
        "Lai Châu",
    )
    assert doc.issuer == "Ủy ban nhân dân tỉnh Lai Châu"
    assert doc.title.startswith(STATE_DECISION_TITLE)
    numbered = [b for b in basis_of(doc) if b[1]]
    assert ("QĐ", "1291/QĐ-BNV", date(2021, 12, 30), "Bộ Nội vụ") in numbered
    # "Theo đề nghị ... Tờ trình" is a proposal, not a basis.
    assert all("TTr" not in ref for _, ref, _, _ in numbered)
    assert doc.addressees == []
    assert recipients_of(doc) == [
        ("Như Điều 3", "same_as_above"),  # the units named in Article 3
        ("Bộ Nội vụ", "report"),  # "(b/c)"
        ("Thường trực Tỉnh ủy", "report"),
    ]
    assert doc.archive == "Lưu: VT, NC."
    assert deadlines_of(doc) == [
        ("báo cáo kết quả thực hiện", "Ủy ban nhân dân tỉnh", at(2024, 12, 10), None)
    ]
    assert "KT. CHỦ TỊCH" in doc.signer.capacity
    assert (doc.signer.title, doc.signer.name) == ("PHÓ CHỦ TỊCH", "Tống Thanh Hải")
    assert number_or_date_warnings(doc) == []
    assert doc.warnings == []


def test_state_decision_title_stops_before_the_enacting_authority():
    assert parse_lines(STATE_DECISION).title == STATE_DECISION_TITLE


def test_state_basis_with_a_year_in_the_number_is_read():
    refs = [b.ref for b in parse_lines(STATE_DECISION).basis if b.ref]
    assert refs == ["30/2020/NĐ-CP", "1291/QĐ-BNV"]


def test_state_signature_keeps_both_capacity_lines():
    capacity = parse_lines(STATE_DECISION).signer.capacity
    assert "TM. ỦY BAN NHÂN DÂN" in capacity and "KT. CHỦ TỊCH" in capacity


# -- a state Công văn ----------------------------------------------------------------------

STATE_LETTER = [
    "BỘ THÔNG TIN VÀ TRUYỀN THÔNG\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "\tĐộc lập - Tự do - Hạnh phúc",
    "Số: 3478/BTTTT-VP\tHà Nội, ngày 25 tháng 9 năm 2023",
    "V/v báo cáo kết quả thực hiện Chương trình",
    "chuyển đổi số quốc gia năm 2023",
    "**Kính gửi:**",
    "- Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương;",
    "- Sở Thông tin và Truyền thông các tỉnh, thành phố.",
    "Thực hiện Quyết định số 942/QĐ-TTg ngày 15/6/2021 của Thủ tướng Chính phủ phê duyệt",
    "Chiến lược phát triển Chính phủ điện tử, Bộ Thông tin và Truyền thông đề nghị Quý cơ quan:",
    "1. Đánh giá kết quả chuyển đổi số năm 2023, gửi báo cáo về Bộ Thông tin và Truyền thông",
    "(qua Văn phòng Bộ) trước 14 giờ, ngày 05/12/2023.",
    "2. Cử đầu mối phối hợp, gửi danh sách về Bộ chậm nhất ngày 15/10/2023.",
    "Trân trọng./.",
    "Nơi nhận:\tTL. BỘ TRƯỞNG",
    "- Như trên;\tCHÁNH VĂN PHÒNG",
    "- Bộ trưởng (để b/c);",
    "- Các Thứ trưởng (để biết);",
    "- Lưu: VT, VP.\tNguyễn Văn Hùng",
]


def test_state_letter_is_read_field_by_field():
    doc = parse_lines(STATE_LETTER)
    assert (doc.family, doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "state",
        "CV",  # from "V/v": the number's code (BTTTT-VP) names the body, not the kind
        "3478/BTTTT-VP",
        date(2023, 9, 25),
        "Hà Nội",
    )
    assert doc.issuer == "Bộ Thông tin và Truyền thông"
    assert doc.title == ("báo cáo kết quả thực hiện Chương trình chuyển đổi số quốc gia năm 2023")
    assert [(b.kind, b.ref, b.issued_on) for b in doc.basis] == [
        ("QĐ", "942/QĐ-TTg", date(2021, 6, 15))
    ]
    assert doc.addressees == [
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
        "Sở Thông tin và Truyền thông các tỉnh, thành phố",
    ]
    assert recipients_of(doc) == [
        ("Như trên", "same_as_above"),
        ("Bộ trưởng", "report"),
        ("Các Thứ trưởng", "info"),
    ]
    assert doc.archive == "Lưu: VT, VP."
    assert deadlines_of(doc) == [
        ("gửi danh sách", "Bộ", at(2023, 10, 16), None),
        (
            "gửi báo cáo",
            "Bộ Thông tin và Truyền thông (qua Văn phòng Bộ)",
            at(2023, 12, 5, 14),
            None,
        ),
    ]
    assert signer_of(doc) == ("TL. BỘ TRƯỞNG", "CHÁNH VĂN PHÒNG", "Nguyễn Văn Hùng")
    assert doc.warnings == []


def test_state_basis_issuer_stops_before_what_the_document_does():
    assert [b.issuer for b in parse_lines(STATE_LETTER).basis] == ["Thủ tướng Chính phủ"]


# -- a Party Công văn with "Như trên" and an appendix after the signature -----------------------

PARTY_LETTER_WITH_APPENDIX = spaced(
    [
        "HUYỆN ỦY ĐỨC TRỌNG\tĐẢNG CỘNG SẢN VIỆT NAM",
        "*",
        "Số 245-CV/HU\tĐức Trọng, ngày 18 tháng 4 năm 2024",
        "V/v tổ chức sinh hoạt chính trị, tư tưởng",
        "về tác phẩm của Tổng Bí thư",
        "Kính gửi: - Các chi, đảng bộ cơ sở trực thuộc,",
        "- Trung tâm Chính trị huyện.",
        "Thực hiện Kế hoạch số 69-KH/BTGTU ngày 16/4/2024 của Ban Tuyên giáo Tỉnh ủy, Ban "
        "Thường vụ",
        "Huyện ủy yêu cầu:",
        "1. Các chi, đảng bộ cơ sở tổ chức sinh hoạt chuyên đề về tác phẩm (có danh mục tài liệu",
        "kèm theo); báo cáo kết quả về Ban Thường vụ Huyện ủy (qua Ban Tuyên giáo Huyện ủy)",
        "trong quý II.",
        "2. Trung tâm Chính trị huyện hoàn thành việc biên soạn tài liệu trong tháng 5.",
        "Nơi nhận:\tT/M BAN THƯỜNG VỤ",
        "- Như trên,\tPHÓ BÍ THƯ",
        "- Ban Tuyên giáo Tỉnh ủy (để b/c),",
        "- Thường trực Huyện ủy,",
        "- Lưu Văn phòng Huyện ủy.\tPhạm Thị Hoa",
        "DANH MỤC TÀI LIỆU SINH HOẠT",
        "(Kèm theo Công văn số 245-CV/HU ngày 18/4/2024 của Ban Thường vụ Huyện ủy)",
        "1. Tác phẩm của Tổng Bí thư Nguyễn Phú Trọng.",
        "2. Hướng dẫn số 143-HD/BTGTW ngày 28/02/2024 của Ban Tuyên giáo Trung ương; các",
        "chi bộ báo cáo kết quả về Đảng ủy trước ngày 01/01/2023.",
    ]
)


def test_party_letter_with_an_appendix_and_like_above():
    doc = parse_lines(PARTY_LETTER_WITH_APPENDIX)
    assert (doc.family, doc.kind, doc.ref, doc.issued_on, doc.place) == (
        "party",
        "CV",
        "245-CV/HU",
        date(2024, 4, 18),
        "Đức Trọng",
    )
    assert doc.issuer == "Huyện ủy Đức Trọng"
    assert doc.title == "tổ chức sinh hoạt chính trị, tư tưởng về tác phẩm của Tổng Bí thư"
    # Neither "Kèm theo Công văn số 245-CV/HU" nor the list in the appendix is a basis.
    assert basis_of(doc) == [("KH", "69-KH/BTGTU", date(2024, 4, 16), "Ban Tuyên giáo Tỉnh ủy")]
    assert doc.addressees == ["Các chi, đảng bộ cơ sở trực thuộc", "Trung tâm Chính trị huyện"]
    assert recipients_of(doc) == [
        ("Như trên", "same_as_above"),
        ("Ban Tuyên giáo Tỉnh ủy", "report"),
        ("Thường trực Huyện ủy", None),
    ]
    assert doc.archive == "Lưu Văn phòng Huyện ủy."
    # Quý II and tháng 5 without a year are those of the document (2024); nothing comes from
    # the appendix.
    assert deadlines_of(doc) == [
        ("hoàn thành việc biên soạn tài liệu", None, at(2024, 6, 1), None),
        (
            "báo cáo kết quả",
            "Ban Thường vụ Huyện ủy (qua Ban Tuyên giáo Huyện ủy)",
            at(2024, 7, 1),
            None,
        ),
    ]
    assert signer_of(doc) == ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Phạm Thị Hoa")
    assert doc.warnings == []


# -- a draft with no number and no date ------------------------------------------------------

DRAFT_WITHOUT_NUMBER_OR_DATE = [
    "ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH\tĐẢNG CỘNG SẢN VIỆT NAM",
    "*",
    "Số        -KH/ĐUK\t       , ngày      tháng      năm 2024",
    "KẾ HOẠCH",
    "Tổ chức Hội nghị tổng kết công tác tuyên giáo năm 2024",
    "Thực hiện Kế hoạch số 289-KH/TU ngày 19/3/2024 của Ban Thường vụ Tỉnh ủy,",
    "Ban Thường vụ Đảng ủy Khối xây dựng Kế hoạch như sau:",
    "1. Cấp ủy các chi, đảng bộ cơ sở báo cáo kết quả về Đảng ủy Khối trong tháng 11.",
    "Nơi nhận:\tT/M BAN THƯỜNG VỤ",
    "- Thường trực Tỉnh ủy (báo cáo),\tBÍ THƯ",
    "- Cấp ủy các chi, đảng bộ cơ sở,",
    "- Lưu Văn phòng.\tLưu Xuân Hải",
]


def test_a_document_without_number_or_date_says_so():
    doc = parse_lines(DRAFT_WITHOUT_NUMBER_OR_DATE)
    assert (doc.kind, doc.ref, doc.issued_on) == ("KH", None, None)
    assert doc.issuer == "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh"
    assert doc.title == "Tổ chức Hội nghị tổng kết công tác tuyên giáo năm 2024"
    assert basis_of(doc) == [("KH", "289-KH/TU", date(2024, 3, 19), "Ban Thường vụ Tỉnh ủy")]
    assert recipients_of(doc) == [
        ("Thường trực Tỉnh ủy", "report"),
        ("Cấp ủy các chi, đảng bộ cơ sở", None),
    ]
    # The month's year comes from the basis, and the reader is told to check it.
    assert deadlines_of(doc) == [("báo cáo kết quả", "Đảng ủy Khối", at(2024, 12, 1), None)]
    warnings = number_or_date_warnings(doc)
    assert len(warnings) == 2
    assert any(NO_NUMBER in w and "--ref" in w for w in warnings)
    assert any(NO_DATE in w and "--date" in w for w in warnings)
    assert any("2024" in w and "check" in w for w in doc.warnings)
    assert signer_of(doc) == ("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Lưu Xuân Hải")


# -- OCR output without diacritics ----------------------------------------------------------

OCR_PLAN = [
    "BAN TUYEN GIAO TINH UY\tDANG CONG SAN VIET NAM",
    "S6 69-KH/BTGTU\tLam Dong, ngay 16 thang 4 ndam 2024",
    "KE HOACH",
    "trien khai dot sinh hoat chinh tri, tu tuong sau rong ve noi dung tac pham",
    "Thuc hien huong dan so 143-HD/BTGTW, ngay 28/02/2024 cua Ban Tuyen giao Trung uong,",
    "Ban Tuyen giao Tinh uy xay dung ke hoach thuc hien nhu sau:",
    "1. Cac huyen uy, thanh uy, dang uy truc thuoc bao cao ket qua ve Ban Tuyen giao Tinh uy",
    "truoc ngay 30/6/2024.",
    "2. Hoan thanh trong Quy 11/2024.",
    "Noi nhan:\tTRUONG BAN",
    "- Ban Tuyen giao Trung uong (bao cao),",
    "- Thuong truc Tinh uy (bao cao),",
    "- Luu Ban Tuyen giao Tinh uy.\tNguyen Van Ba",
]


def test_ocr_text_without_diacritics_is_read():
    doc = parse_lines(OCR_PLAN)
    assert doc.ocr is True
    assert (doc.family, doc.kind, doc.ref, doc.issued_on) == (
        "party",
        "KH",
        "69-KH/BTGTU",  # "S6 69-KH/BTGTU"
        date(2024, 4, 16),  # "ngay 16 thang 4 ndam 2024"
    )
    assert [(b.kind, b.ref, b.issued_on) for b in doc.basis] == [
        ("HD", "143-HD/BTGTW", date(2024, 2, 28))
    ]
    assert recipients_of(doc) == [  # "Noi nhan"
        ("Ban Tuyen giao Trung uong", "report"),
        ("Thuong truc Tinh uy", "report"),
    ]
    assert doc.archive == "Luu Ban Tuyen giao Tinh uy."
    assert deadlines_of(doc) == [
        ("bao cao ket qua", "Ban Tuyen giao Tinh uy", at(2024, 6, 30), None),
        ("Hoan thanh", None, at(2024, 7, 1), None),  # "Quy 11/2024" is Quý II/2024
    ]
    assert (doc.signer.title, doc.signer.name) == ("TRƯỞNG BAN", "Nguyen Van Ba")
    assert number_or_date_warnings(doc) == []
    assert any("diacritics" in w for w in doc.warnings)


# -- layout does not change what is read ----------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [PARTY_PLAN, STATE_DECISION, STATE_LETTER, DRAFT_WITHOUT_NUMBER_OR_DATE],
    ids=["party-plan", "state-decision", "state-letter", "draft"],
)
def test_blank_lines_between_every_line_change_nothing(lines):
    assert parse_lines(spaced(lines)) == parse_lines(lines)


# -- a Word file ----------------------------------------------------------------------------


def _cell_lines(cell, lines: list[str]) -> None:
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _party_plan_docx() -> bytes:
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    _cell_lines(left, ["ĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP", "ĐẢNG ỦY SỞ NỘI VỤ", "*"])
    left.add_paragraph("Số 115-KH/ĐU")
    _cell_lines(right, ["ĐẢNG CỘNG SẢN VIỆT NAM", "Hưng Yên, ngày 02 tháng 10 năm 2024"])
    document.add_paragraph("KẾ HOẠCH").runs[0].bold = True
    document.add_paragraph(
        "Học tập, quán triệt Nghị quyết Hội nghị lần thứ mười Ban Chấp hành Trung ương Đảng "
        "khóa XIII"
    )
    document.add_paragraph(
        "Thực hiện Kế hoạch số 160-KH/ĐUK ngày 20/9/2024 của Ban Thường vụ Đảng ủy Khối "
        "Cơ quan - Doanh nghiệp tỉnh, Ban Thường vụ Đảng ủy Sở Nội vụ xây dựng Kế hoạch thực "
        "hiện như sau:"
    )
    broken = document.add_paragraph("1. Các chi bộ trực thuộc báo cáo kết quả")
    broken.add_run().add_break()  # a line break inside the paragraph
    broken.add_run("thực hiện về Đảng ủy trước ngày 10/12/2024.")
    closing = document.add_table(rows=1, cols=2)
    left, right = closing.rows[0].cells
    _cell_lines(
        left,
        [
            "Nơi nhận:",
            "- Đảng ủy Khối CQ-DN tỉnh (để b/c),",
            "- Các chi bộ trực thuộc Đảng bộ,",
            "- Lưu Văn phòng Đảng ủy.",
        ],
    )
    _cell_lines(right, ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "", "Nguyễn Văn Bình"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_word_file_with_two_column_tables_is_read_like_the_text():
    doc = parse_upload(_party_plan_docx(), "x.docx")
    assert_plan_115_header(doc)
    assert doc.title == (
        "Học tập, quán triệt Nghị quyết Hội nghị lần thứ mười Ban Chấp hành Trung ương Đảng "
        "khóa XIII"
    )
    assert basis_of(doc) == PLAN_115_BASIS
    assert recipients_of(doc) == [
        ("Đảng ủy Khối CQ-DN tỉnh", "report"),
        ("Các chi bộ trực thuộc Đảng bộ", None),
    ]
    assert doc.archive == "Lưu Văn phòng Đảng ủy."
    assert deadlines_of(doc) == [("báo cáo kết quả thực hiện", "Đảng ủy", at(2024, 12, 10), None)]
    assert signer_of(doc) == ("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Bình")
    assert doc.warnings == []
