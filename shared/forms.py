"""The figures units report, with their Vietnamese labels, as the default form of a
political-study campaign like the seeds'. (Report forms of their own come with the
reporting issue; until then every service uses these names.)"""

from __future__ import annotations

FIGURE_LABELS = {
    "sessions": "Số buổi sinh hoạt, quán triệt",
    "participants": "Số lượt người tham gia",
    "members_attending": "Số đảng viên tham gia",
    "members_total": "Tổng số đảng viên",
    "materials": "Số tài liệu phát hành",
    "articles": "Số tin, bài tuyên truyền",
}
