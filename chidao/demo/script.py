"""What happens in the demo campaign: the parent plan 153-KH/ĐUK, the units' reports on
it and on 101-KH/ĐU, and the staff's decisions. Values are those of the default report
form (``shared/forms/builtin/sinh-hoat-chinh-tri.yaml``)."""

from __future__ import annotations

import json
from pathlib import Path

# Kế hoạch 153-KH/ĐUK of Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh Hưng Yên is not a seed:
# seed 003 (101-KH/ĐU) implements it. The demo issues it first, as the level above.
PARENT = json.loads((Path(__file__).parent / "plans" / "153-kh-duk.json").read_text("utf-8"))
PARENT_ID = "153-kh-duk--duk-cqdn-hung-yen"


def _values(sessions, participants, attending, total, forms, **more) -> dict:
    return {
        "sessions": sessions,
        "participants": participants,
        "members_attending": attending,
        "members_total": total,
        "forms": forms,
        **more,
    }


# The chi bộ of Đảng ủy Sở Nội vụ on 101-KH/ĐU: (unit, when, values). "late+N" reports N
# days and one hour after the deadline (N+1 days late); cb-snv-tt-luu-tru never reports.
CHI_BO_REPORTS = [
    ("cb-snv-van-phong", "on_time", _values(3, 42, 18, 19, ["hoi-nghi", "sinh-hoat-chi-bo"],
     materials=20, articles=4, proposals="Đề nghị Đảng ủy cấp thêm tài liệu sinh hoạt bản in.")),
    ("cb-snv-to-chuc-bien-che", "on_time", _values(2, 25, 12, 12, ["sinh-hoat-chi-bo"],
     articles=1)),
    ("cb-snv-xdcq-ctn", "on_time", _values(2, 30, 14, 15, ["sinh-hoat-chi-bo", "truc-tuyen"],
     articles=2)),
    ("cb-snv-thanh-tra", "on_time", _values(1, 11, 8, 9, ["sinh-hoat-chi-bo"],
     difficulties="Một đảng viên đi công tác dài ngày, sẽ sinh hoạt bù.")),
    ("cb-snv-thi-dua-khen-thuong", "on_time", _values(2, 16, 10, 10,
     ["sinh-hoat-chi-bo", "ban-tin"], articles=1)),
    ("cb-snv-ton-giao", "on_time", _values(1, 12, 7, 7, ["sinh-hoat-chi-bo"])),
    ("cb-snv-van-thu-luu-tru", "late+0", _values(1, 20, 9, 11, ["hoi-nghi"],
     difficulties="Đơn vị thiếu phòng họp đủ chỗ cho toàn thể đảng viên.")),
    ("cb-snv-cchc", "late+3", _values(1, 9, 6, 6, ["sinh-hoat-chi-bo"])),
]  # fmt: skip

# Đảng ủy Sở Nội vụ returns one report for correction; the chi bộ sends it again.
RETURNED = (
    "cb-snv-thanh-tra",
    "Đề nghị bổ sung số tin, bài tuyên truyền của chi bộ.",
    {"articles": 1},
)

# The other grassroots committees report on 153-KH/ĐUK directly; db-bhxh-hy never does.
COMMITTEE_REPORTS = [
    ("du-so-khdt-hy", _values(4, 61, 40, 42, ["hoi-nghi", "truc-tuyen"], articles=6,
     proposals="Đề nghị Đảng ủy Khối tổ chức hội nghị trực tuyến toàn Khối.")),
    ("du-so-gddt-hy", _values(5, 88, 51, 55, ["hoi-nghi", "sinh-hoat-chi-bo"], materials=120,
     articles=9, difficulties="Một số chi bộ trường học sinh hoạt ghép do trùng lịch dạy.")),
]  # fmt: skip
