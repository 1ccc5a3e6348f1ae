"""Contracts as the tests need them, with everything but what a test cares about filled in."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

from shared.clock import VN_TZ
from shared.contracts import Assignment, ReportingRequirement, Submission, Unit
from shared.contracts.directives import directive_id

DEMO_DIRECTORY = Path(__file__).parents[1] / "chidao" / "demo" / "directory.yaml"
DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
# One chi bộ's figures on the default report form (shared/forms/builtin/sinh-hoat-chinh-tri.yaml)
FIGURES = {
    "sessions": "2", "participants": "40", "members_attending": "18", "members_total": "19",
    "forms": ["hoi-nghi"],
}  # fmt: skip


def attached(filename: str, data: bytes) -> dict:
    """A file as the submissions API takes it."""
    return {"filename": filename, "data": base64.b64encode(data).decode()}


def vn_midnight(days: int) -> str:
    """The start of the day ``days`` from today in Việt Nam, as a deadline is written."""
    day = datetime.now(VN_TZ).date() + timedelta(days=days)
    return datetime.combine(day, datetime.min.time(), VN_TZ).isoformat()


def assignment(unit: str, directive_id: str = "d1", due: datetime | None = DUE) -> Assignment:
    return Assignment(
        directive_id=directive_id,
        directive_kind="KH",
        directive_ref="1-KH/TU",
        directive_title="Kế hoạch",
        directive_issued_on="2024-06-19",
        issuer_unit="root",
        issuer="Tỉnh ủy",
        unit_id=unit,
        requirement=ReportingRequirement(id="r1", action="báo cáo", due_before=due),
        assigned_at="2024-06-19T08:00:00+07:00",
    )


def submission(
    unit: str,
    version: int,
    late: bool,
    sessions: int,
    directive_id: str = "d1",
    **values,
) -> Submission:
    """Version ``version`` of a report first sent a month early or two days late, with
    ``sessions`` and any other values of the default form."""
    first = DUE + timedelta(days=2) if late else DUE - timedelta(days=30)
    return Submission(
        directive_id=directive_id,
        unit_id=unit,
        requirement_id="r1",
        values={"sessions": sessions, **values},
        version=version,
        received_at=first + timedelta(days=version - 1),
        first_received_at=first,
        due_before=DUE,
        on_time=not late,
    )


def committee_with_chi_bo(parent: str, count: int, domain: str = "test.example.org") -> list[Unit]:
    """A grassroots committee and ``count`` chi bộ under it, each with a mailbox."""
    units = [
        Unit(
            id=parent,
            name=f"Đảng ủy {parent}",
            kind="grassroots_committee",
            emails=[f"{parent}@{domain}"],
        )
    ]
    for i in range(1, count + 1):
        units.append(
            Unit(
                id=f"{parent}-cb{i}",
                name=f"Chi bộ số {i} ({parent})",
                kind="chi_bo",
                parent=parent,
                emails=[f"{parent}-cb{i}@{domain}"],
            )
        )
    return units


FAR = "2099-12-10T00:00:00+07:00"  # a deadline no test reaches: every report is on time
_TAKEN: dict[int, str] = {}


def number_for(name: str) -> int:
    """A directive number of its own for ``name`` (a test's node id), from 1000 to 9999:
    the same for the same name, never the same for two names in one session (the tests'
    fixed numbers are all below 1000)."""
    number = 1000 + zlib.crc32(name.encode()) % 9000
    while _TAKEN.setdefault(number, name) != name:
        number = 1000 + (number - 999) % 9000
    return number


def ref_with_number(ref: str, number: int) -> str:
    """``153-KH/ĐUK`` numbered ``number``: ``<number>-KH/ĐUK``."""
    return re.sub(r"^\d+", str(number), ref)


def numbered(directive: dict, number: int) -> tuple[dict, str]:
    """A copy of ``directive`` (JSON, as POST /api/directives takes it) under its own
    number, and its id."""
    ref = ref_with_number(directive["ref"], number)
    return {**directive, "ref": ref}, directive_id(ref, directive["issuer_unit"])


def renumbered_document(text: str, number: int) -> str:
    """A document's text with its own number ("Số 101 -KH/ĐU") replaced by ``number``."""
    return re.sub(r"(Số\s*)\d+(\s*-)", rf"\g<1>{number}\g<2>", text, count=1)


def directive_to_chi_bo(
    issuer_unit: str,
    issuer: str,
    ref: str,
    title: str,
    *,
    requirement: str = "r1",
    due_before: str = FAR,
    form: str | None = None,
    issued_on: str = "2024-06-19",
    place: str | None = None,
) -> dict:
    """A directive (JSON, as POST /api/directives takes it) from ``issuer_unit`` to every
    chi bộ directly under it, asking for one results report."""
    wanted = {"id": requirement, "action": "báo cáo kết quả thực hiện", "due_before": due_before}
    if form is not None:
        wanted["form"] = form
    return {
        "kind": "KH",
        "ref": ref,
        "issued_on": issued_on,
        **({"place": place} if place is not None else {}),
        "issuer_unit": issuer_unit,
        "issuer": issuer,
        "title": title,
        "addressees": [{"under": issuer_unit, "kinds": ["chi_bo"]}],
        "requirements": [wanted],
    }


def plan_for_chi_bo(committee: str, number: int) -> dict:
    """A directive (JSON, as POST /api/directives takes it) from ``committee`` to every chi
    bộ under it, asking for a results report by 2099; its id is ``<number>-kh-du--<committee>``."""
    return directive_to_chi_bo(
        committee,
        f"Đảng ủy {committee}",
        f"{number}-KH/ĐU",
        "Triển khai đợt sinh hoạt chính trị",
        requirement="report",
        due_before="2099-06-01T00:00:00+07:00",
        issued_on="2024-05-20",
        place="Hưng Yên",
    )


SMALL_PLAN = """ĐẢNG BỘ KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH SƠN HÀ\tĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY SỞ Y TẾ
*
Số {number}-KH/ĐU\tSơn Hà, ngày {day:%d} tháng {day:%m} năm {day:%Y}
{marks}
KẾ HOẠCH
Tổng kết công tác tuyên giáo
-----
I- TỔ CHỨC THỰC HIỆN
1. Các chi bộ trực thuộc báo cáo kết quả về Đảng ủy {when}.
Nơi nhận:
- Các chi bộ trực thuộc;
- Lưu VT.
T/M ĐẢNG ỦY
BÍ THƯ
Nguyễn Văn An
"""


def small_plan(number: int, day: date, when: str, marks: str = "") -> str:
    """A one-requirement plan of Đảng ủy Sở Y tế tỉnh Sơn Hà to its chi bộ: report
    ``when`` ("trước ngày 30/11/2099", "trong 05 ngày làm việc kể từ ngày ban hành Kế
    hoạch này"), the header carrying ``marks`` ("HỎA TỐC\\tMẬT") if any."""
    return SMALL_PLAN.format(number=number, day=day, when=when, marks=marks)
