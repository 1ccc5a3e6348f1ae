"""Closing a level, through the four services as processes on a simulated clock.

Đảng ủy Khối issues a plan P to its grassroots committees; two of them implement it with
plans of their own (their basis names P). Đảng ủy Sở Nội vụ's staff approve their
synthesis by hand; Đảng ủy Sở Kế hoạch và Đầu tư's plan says its synthesis goes up by
itself before P's deadline. Each synthesis becomes that committee's report on P, with
its figures, and Đảng ủy Khối's roll-up adds them up; a return for correction reopens
one and mails the committee; an accepted one cannot be replaced."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chidao.runtime.stack import Stack
from shared.clock import VN_TZ, parse_clock
from shared.directory import load_file
from tests.factories import DEMO_DIRECTORY
from tests.support import eventually, running

pytestmark = pytest.mark.e2e

DAYS_PER_SECOND = 2
KHOI = "duk-cqdn-hung-yen"
SNV, SKHDT = "du-so-noi-vu-hy", "du-so-khdt-hy"
P = "88-kh-duk--duk-cqdn-hung-yen"
D_SNV, D_SKHDT = "12-kh-du--du-so-noi-vu-hy", "13-kh-du--du-so-khdt-hy"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("levels"),
        clock=f"sim:2024-06-01T08:00:00+07:00@{DAYS_PER_SECOND * 86400}",
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        yield stack


def _midnight(instant: datetime, days: int) -> str:
    day = instant.date() + timedelta(days=days)
    return datetime.combine(day, datetime.min.time(), VN_TZ).isoformat()


def _directive(ref, issuer_unit, issuer, issued_on, requirements, basis=(), chi_bo=False):
    return {
        "kind": "KH",
        "ref": ref,
        "issued_on": issued_on,
        "place": "Hưng Yên",
        "issuer_unit": issuer_unit,
        "issuer": issuer,
        "title": "Triển khai đợt sinh hoạt chính trị (thử hai cấp)",
        "basis": list(basis),
        "addressees": [
            {"under": issuer_unit, "kinds": ["chi_bo" if chi_bo else "grassroots_committee"]}
        ],
        "requirements": requirements,
    }


async def _post(http, url, **kw):
    response = await http.post(url, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _totals(http, stack, directive_id, requirement, unit=None):
    url = f"{stack.url('aggregator')}/api/directives/{directive_id}/synthesis"
    body = (await http.get(url, params={"unit": unit} if unit else None)).json()
    return next(r for r in body["requirements"] if r["id"] == requirement)


async def _submit(http, stack, directive_id, unit, **values):
    return await _post(
        http,
        f"{stack.url('reporter')}/api/submissions",
        json={"directive_id": directive_id, "unit_id": unit, "requirement_id": "r1",
              "values": values},
    )  # fmt: skip


async def test_a_committee_s_approved_synthesis_is_its_report_one_level_up(stack, http):
    clock = parse_clock(stack.clock, stack.clock_anchor)
    today = clock.now().date().isoformat()
    issuer = stack.url("issuer")
    parent = _directive(
        "88-KH/ĐUK", KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh", today,
        [{"id": "plan", "action": "ban hành kế hoạch triển khai",
          "due_before": _midnight(clock.now(), 20)},
         {"id": "report", "action": "báo cáo kết quả thực hiện",
          "due_before": _midnight(clock.now(), 40)}],
    )  # fmt: skip
    await _post(http, f"{issuer}/api/directives", json=parent)
    basis = [{"kind": "KH", "ref": "88-KH/ĐUK", "issued_on": today}]
    result = {"id": "r1", "action": "báo cáo kết quả thực hiện",
              "due_before": _midnight(clock.now(), 25)}  # fmt: skip
    await _post(
        http,
        f"{issuer}/api/directives",
        json=_directive("12-KH/ĐU", SNV, "Đảng ủy Sở Nội vụ", today, [result], basis, True),
    )
    await _post(
        http,
        f"{issuer}/api/directives",
        json=_directive(
            "13-KH/ĐU", SKHDT, "Đảng ủy Sở Kế hoạch và Đầu tư", today,
            [{**result, "auto_approve": True}], basis, True,
        ),
    )  # fmt: skip

    # Their own plans were filed as their reports on P's "issue a plan" requirement.
    plan = await eventually(
        lambda: _plans_filed(http, stack), within=30, what="the two plans filed as reports"
    )
    assert (plan["on_time"], plan["late"]) == (2, 0)

    # Đảng ủy Sở Nội vụ's chi bộ report; its staff approve and send the synthesis up.
    await _submit(
        http, stack, D_SNV, "cb-snv-van-phong", sessions=3, members_attending=18,
        members_total=19, forms=["hoi-nghi"], difficulties="Thiếu phòng họp.",
    )  # fmt: skip
    await _submit(http, stack, D_SNV, "cb-snv-thanh-tra", sessions=1, members_attending=8,
                  members_total=9, forms=["sinh-hoat-chi-bo"])  # fmt: skip
    await eventually(
        lambda: _submitted(http, stack, D_SNV, "r1", 2), within=20, what="the lower roll-up"
    )
    aggregator = stack.url("aggregator")
    approved = await _post(http, f"{aggregator}/api/directives/{D_SNV}/synthesis/approve")
    assert (approved["target_directive_id"], approved["target_requirement_id"]) == (P, "report")
    assert approved["values"] == {
        "sessions": 4,
        "members_attending": 26,
        "members_total": 28,
        "forms": ["hoi-nghi", "sinh-hoat-chi-bo"],
        "difficulties": "Chi bộ Văn phòng Sở: Thiếu phòng họp.",
    }
    up = await eventually(
        lambda: _submitted(http, stack, P, "report", 1), within=20, what="the report one up"
    )
    assert up["totals"]["sums"]["sessions"] == 4
    assert up["totals"]["ratios"]["attendance_rate"] == pytest.approx(100 * 26 / 28)
    history = (await http.get(f"{stack.url('reporter')}/api/submissions/{P}/{SNV}/report")).json()
    first = history["versions"][0]
    assert (first["version"], first["on_time"]) == (1, True)

    # Đảng ủy Khối returns it; the committee is mailed; a chi bộ reports late; again.
    reporter = stack.url("reporter")
    await _post(http, f"{reporter}/api/submissions/{P}/{SNV}/report/review",
                json={"decision": "return", "reason": "Thiếu số liệu của hai chi bộ."})  # fmt: skip
    returned = await eventually(
        lambda: [m for m in stack.mail.messages if m.message["X-Chidao-Template"] == "returned"
                 and m.message["X-Chidao-Unit"] == SNV],
        within=20, what="the returned-report mail",
    )  # fmt: skip
    assert "Thiếu số liệu của hai chi bộ." in returned[0].text()
    await _submit(http, stack, D_SNV, "cb-snv-ton-giao", sessions=2, members_attending=7,
                  members_total=7)  # fmt: skip
    await eventually(
        lambda: _submitted(http, stack, D_SNV, "r1", 3), within=20, what="the third report"
    )
    again = await _post(http, f"{aggregator}/api/directives/{D_SNV}/synthesis/approve")
    assert again["values"]["sessions"] == 6
    corrected = await eventually(
        lambda: _version(http, stack, P, SNV, "report", 2), within=20, what="version 2 up"
    )
    assert (
        corrected["on_time"] is True and corrected["first_received_at"] == first["received_at"]
    )  # timeliness stays that of the first version

    # Accepted, it cannot be replaced by another approval.
    await _post(http, f"{reporter}/api/submissions/{P}/{SNV}/report/review",
                json={"decision": "accept"})  # fmt: skip
    await eventually(
        lambda: _accepted(http, stack, P, "report", 1), within=20, what="the acceptance"
    )
    refused = await http.post(f"{aggregator}/api/directives/{D_SNV}/synthesis/approve")
    assert refused.status_code == 409 and refused.json()["reason"] == "accepted"

    # Đảng ủy Sở Kế hoạch và Đầu tư approved nothing by hand: its synthesis goes up by
    # itself an hour before P's deadline, with what its chi bộ sent.
    await _submit(http, stack, D_SKHDT, "cb-skhdt-van-phong", sessions=5,
                  members_attending=10, members_total=12)  # fmt: skip
    automatic = await eventually(
        lambda: _version(http, stack, P, SKHDT, "report", 1), within=60,
        what="the automatic approval before P's deadline",
    )  # fmt: skip
    assert automatic["values"]["sessions"] == 5 and automatic["on_time"] is True
    due = datetime.fromisoformat(parent["requirements"][1]["due_before"])
    assert datetime.fromisoformat(automatic["received_at"]) >= due - timedelta(hours=1)

    report = await eventually(
        lambda: _submitted(http, stack, P, "report", 2), within=20, what="both committees"
    )
    t = report["totals"]
    assert (t["expected"], t["submitted"], t["on_time"], t["accepted"]) == (4, 2, 2, 1)
    assert t["sums"]["sessions"] == 11
    assert t["ratios"]["attendance_rate"] == pytest.approx(100 * (33 + 10) / (35 + 12))
    assert sorted(e["name"] for e in report["missing"]) == [
        "Đảng bộ Bảo hiểm xã hội tỉnh Hưng Yên",
        "Đảng ủy Sở Giáo dục và Đào tạo tỉnh Hưng Yên",
    ]


async def _plans_filed(http, stack):
    plan = await _totals(http, stack, P, "plan")
    return plan["totals"] if plan["totals"]["submitted"] == 2 else None


async def _submitted(http, stack, directive_id, requirement, count):
    section = await _totals(http, stack, directive_id, requirement)
    return section if section["totals"]["submitted"] == count else None


async def _accepted(http, stack, directive_id, requirement, count):
    section = await _totals(http, stack, directive_id, requirement)
    return section if section["totals"]["accepted"] == count else None


async def _version(http, stack, directive_id, unit, requirement, version):
    url = f"{stack.url('reporter')}/api/submissions/{directive_id}/{unit}/{requirement}"
    response = await http.get(url)
    if response.status_code != 200:
        return None
    latest = response.json()["versions"][-1]
    return latest if latest["version"] == version else None
