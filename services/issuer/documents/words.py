"""A reading in the words its readers use: the kinds of recipient, the kinds of field,
and the parser's warnings (written in English for the logs and the API) in Vietnamese, the
names they quote kept as written. The draft page and the command line both say them."""

from __future__ import annotations

import re

from shared.contracts import RecipientRole

ROLES = {
    RecipientRole.ACTION.value: "Thực hiện (được giao báo cáo)",
    RecipientRole.REPORT.value: "Báo cáo cấp trên (để biết)",
    RecipientRole.INFO.value: "Để biết",
    RecipientRole.SAME_AS_ABOVE.value: "Như trên (các nơi Kính gửi)",
}
KINDS = {
    "number": "số, ký hiệu",
    "date": "ngày ban hành",
    "basis": "căn cứ",
    "recipient": "nơi nhận",
    "deadline": "thời hạn",
}
# The parser's warnings are written for the command line (English); the page says them
# in Vietnamese, the names they quote kept as written.
_WARNINGS = (
    (r'^"Nơi nhận" entry "(.*)" matches no unit in the directory.*$',
     'Mục “Nơi nhận” “{0}” không khớp đơn vị nào trong danh bạ: sẽ không ai nhận thư cho mục này.'),
    (r'^"Kính gửi" entry "(.*)" matches no unit in the directory$',
     'Mục “Kính gửi” “{0}” không khớp đơn vị nào trong danh bạ.'),
    (r'^the issuer "(.*)" matches no unit in the directory$',
     'Cơ quan ban hành “{0}” không khớp đơn vị nào trong danh bạ.'),
    (r"^the document has no number-symbol.*$",
     "Văn bản không ghi số, ký hiệu: nhập số, ký hiệu trước khi ban hành."),
    (r"^the document has no date.*$",
     "Văn bản không ghi ngày ban hành: chọn ngày trước khi ban hành."),
    (r"^deadlines that give no year were read as in (\d+).*$",
     "Các thời hạn không ghi năm được hiểu là năm {0}: đề nghị kiểm tra lại."),
    (r'^the issuer "(.*)" could be any of: (.*); name it with --issuer$',
     "Cơ quan ban hành “{0}” có thể là: {1}; chọn một (--issuer)."),
    (r"^diacritics were restored; still doubtful: (.*)$",
     "Đã khôi phục dấu tiếng Việt cho trích yếu và các yêu cầu; còn chưa chắc: {0}. "
     "Đọc lại rồi xác nhận hoặc sửa trước khi ban hành."),
    (r"^diacritics were restored in the title and the requirements; read them over$",
     "Đã khôi phục dấu tiếng Việt cho trích yếu và các yêu cầu: đọc lại trước khi ban hành."),
    (r'^the deadline of "(.*)" ends on (\S+), a day off \((.*)\); the last working day '
     r"before it is (\S+)$",
     "Thời hạn “{0}” rơi vào ngày {1}, ngày nghỉ ({2}); ngày làm việc cuối cùng trước đó là "
     "{3}: đề nghị kiểm tra lại."),
    (r"^could not tell which body issued the document$",
     "Không xác định được cơ quan ban hành văn bản."),
    (r"^could not tell what kind of document this is.*$",
     "Không xác định được loại văn bản (Kế hoạch, Hướng dẫn...)."),
    (r"^could not find the title.*$", "Không tìm thấy trích yếu của văn bản."),
    (r'^found no "Nơi nhận" list.*$', "Không thấy mục “Nơi nhận”: chưa có nơi nào nhận văn bản."),
    (r"^found no signer's name.*$", "Không thấy tên người ký dưới chữ ký."),
    (r"^the text has lost most of its Vietnamese diacritics.*$",
     "Văn bản gần như mất hết dấu tiếng Việt (bản quét?): tên đơn vị được đọc bỏ qua dấu; "
     "đề nghị kiểm tra lại."),
)  # fmt: skip


def warning_words(warning: str) -> str:
    for pattern, words in _WARNINGS:
        found = re.match(pattern, warning, re.DOTALL)
        if found:
            return words.format(*found.groups())
    return warning


# How often a periodic report is due, as the parser names it.
RECURRENCES = {
    "semiannual": "định kỳ 6 tháng",
    "yearly": "hằng năm",
    "quarterly": "hằng quý",
    "monthly": "hằng tháng",
    "periodic": "định kỳ",
}
