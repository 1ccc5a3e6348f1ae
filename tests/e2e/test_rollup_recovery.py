"""The roll-up stays right when the aggregator is killed in the middle of a stream of
reports and when events arrive twice: four levels (Tỉnh ủy, Đảng ủy Khối, the grassroots
committees, their 17 chi bộ), late, missing and corrected reports, through the services
as processes and a real nats-server."""

from __future__ import annotations

import pytest

from shared import subjects, topology
from tests.support import consumer_caught_up, eventually

pytestmark = pytest.mark.e2e

ROOT, KHOI = "tu-hung-yen", "duk-cqdn-hung-yen"
DIRECTIVE = {
    "kind": "HD",
    "ref": "5-HD/ĐUK",
    "issued_on": "2024-06-19",
    "issuer_unit": KHOI,
    "issuer": "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
    "title": "Thử tổng hợp khi dịch vụ khởi động lại",
    "addressees": [{"under": KHOI, "kinds": ["chi_bo"], "depth": "subtree"}],
    "requirements": [
        {"id": "r1", "action": "báo cáo kết quả thực hiện",
         "due_before": "2024-12-10T00:00:00+07:00"}
    ],
}  # fmt: skip
DIRECTIVE_ID = "5-hd-duk--duk-cqdn-hung-yen"


async def _chi_bo(http, stack) -> list[str]:
    url = f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"
    body = (await http.get(url)).json()
    units = [e["unit_id"] for e in body["requirements"][0]["missing"]]
    return sorted(units) if len(units) == 17 else []


def _values(i: int) -> dict:
    return {
        "sessions": i,
        "members_attending": i,
        "members_total": i + 1,
        "forms": ["hoi-nghi"] if i % 2 else ["truc-tuyen", "hoi-nghi"],
    }


async def test_killed_mid_stream_and_fed_twice_the_roll_up_still_adds_up(stack, http, stack_js):
    response = await http.post(  # its deadline (2024) does not matter here
        f"{stack.url('issuer')}/api/directives", json=DIRECTIVE, params={"allow_past": "true"}
    )
    assert response.status_code == 201, response.text
    chi_bo = await eventually(lambda: _chi_bo(http, stack), what="17 assignments rolled up")
    reporter = f"{stack.url('reporter')}/api/submissions"

    async def report(unit: str, values: dict) -> dict:
        body = {"directive_id": DIRECTIVE_ID, "unit_id": unit, "requirement_id": "r1"}
        sent = await http.post(reporter, json={**body, "values": values})
        assert sent.status_code == 201, sent.text
        return sent.json()

    # The deadline is long past: every report is late. Ten report, then the aggregator
    # dies; four more and three corrections come while it is down; three never report.
    for i, unit in enumerate(chi_bo[:10], start=1):
        await report(unit, _values(i))
    await eventually(
        lambda: consumer_caught_up(
            stack_js, topology.REPORTS.name, topology.AGGREGATOR_REPORTS.durable
        ),
        what="the first ten rolled up",
    )
    stack.procs["aggregator"].kill()
    for i, unit in enumerate(chi_bo[10:14], start=11):
        await report(unit, _values(i))
    for i, unit in enumerate(chi_bo[:3], start=1):
        corrected = await report(unit, _values(i * 10))
        assert corrected["version"] == 2 and corrected["on_time"] is False

    # The same events again, as a replay would publish them (new message ids).
    for unit in chi_bo[:5]:
        original = await stack_js.get_last_msg(
            topology.REPORTS.name, subjects.report_submitted(DIRECTIVE_ID, unit, "r1")
        )
        await stack_js.publish(original.subject, original.data,
                               headers={"Nats-Msg-Id": f"twice.{unit}"})  # fmt: skip
    stack.start_service("aggregator")

    # What the 14 reporting units sent, latest versions: 1..14 with 10, 20, 30 for 1..3.
    sessions = [i * 10 if i <= 3 else i for i in range(1, 15)]
    totals = {}

    async def settled():
        url = f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"
        body = (await http.get(url, params={"unit": ROOT})).json()
        totals.update(body["requirements"][0]["totals"])
        return totals["submitted"] == 14 and totals["sums"].get("sessions") == sum(sessions)

    await eventually(settled, within=60, what="the roll-up after the restart")
    assert (totals["expected"], totals["submitted"], totals["late"], totals["missing"]) == (
        17, 14, 14, 3,
    )  # fmt: skip
    assert totals["sums"] == {
        "sessions": sum(sessions),
        "members_attending": sum(sessions),
        "members_total": sum(sessions) + 14,
    }
    assert totals["ratios"]["attendance_rate"] == pytest.approx(
        100 * sum(sessions) / (sum(sessions) + 14)
    )
    odd = sum(1 for i in range(1, 15) if (i * 10 if i <= 3 else i) % 2)
    assert totals["choices"]["forms"] == {"hoi-nghi": 14, "truc-tuyen": 14 - odd}
    # each level agrees with the one below it
    url = f"{stack.url('aggregator')}/api/directives/{DIRECTIVE_ID}/synthesis"
    khoi = (await http.get(url, params={"unit": KHOI})).json()["requirements"][0]
    assert khoi["totals"] == totals
    assert sum(c["submitted"] for c in khoi["children"]) == 14
    assert sum(c["sums"].get("sessions", 0) for c in khoi["children"]) == sum(sessions)
