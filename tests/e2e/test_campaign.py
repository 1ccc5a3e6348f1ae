"""A campaign end to end, through the four services as processes, a real nats-server and
a real SMTP server.

Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh Hưng Yên asks its 4 grassroots committees for an
implementing plan (deadline in 2099: every report is on time) and all 17 chi bộ below
them for a results report (deadline in 2020: every report is late). Each test issues its
own copy of that plan under its own number and looks only at what that copy caused."""

from __future__ import annotations

import json
import re

import pytest

from shared import topology
from tests.factories import numbered
from tests.support import eventually, mails_of, metric, notifier_finished, stream_count

pytestmark = pytest.mark.e2e

DIRECTIVE = {
    "kind": "KH",
    "ref": "153-KH/ĐUK",
    "issued_on": "2024-05-16",
    "place": "Hưng Yên",
    "issuer_unit": "duk-cqdn-hung-yen",
    "issuer": "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
    "title": "Triển khai đợt sinh hoạt chính trị, tư tưởng về tác phẩm của Tổng Bí thư",
    "addressees": [{"under": "duk-cqdn-hung-yen", "kinds": ["grassroots_committee"]}],
    "recipients": [
        {"text": "Thường trực Tỉnh ủy", "role": "report", "units": [{"unit": "tt-tu-hung-yen"}]},
        {
            "text": "Ban Tuyên giáo Đảng ủy Khối",
            "role": "info",
            "units": [{"unit": "btg-duk-hung-yen"}],
        },
        {
            "text": "Các đảng bộ cơ sở",
            "role": "action",
            "units": [{"under": "duk-cqdn-hung-yen", "kinds": ["grassroots_committee"]}],
        },
    ],
    "requirements": [
        {
            "id": "plan",
            "action": "ban hành kế hoạch triển khai",
            "due_before": "2099-06-01T00:00:00+07:00",
        },
        {
            "id": "report",
            "action": "báo cáo kết quả thực hiện",
            "due_before": "2020-12-10T00:00:00+07:00",
            "assignees": [{"under": "duk-cqdn-hung-yen", "kinds": ["chi_bo"], "depth": "subtree"}],
        },
    ],
}
GRASSROOTS = ["du-so-noi-vu-hy", "du-so-khdt-hy", "du-so-gddt-hy", "db-bhxh-hy"]
CHI_BO_COUNT = 17


@pytest.fixture
def own(number) -> tuple[dict, str]:
    """This test's own copy of DIRECTIVE, under its own number, and its id."""
    return numbered(DIRECTIVE, number)


@pytest.fixture
async def issued(stack, http, own) -> tuple[dict, str]:
    """This test's own copy, issued."""
    response = await issue(http, stack, own[0])
    assert response.status_code == 201, response.text
    return own


async def issue(http, stack, directive):
    # its report was due in 2020: late and missing reports, on purpose
    return await http.post(
        f"{stack.url('issuer')}/api/directives", json=directive, params={"allow_past": "true"}
    )


async def submit(http, stack, directive_id, unit, requirement, **values):
    return await http.post(
        f"{stack.url('reporter')}/api/submissions",
        json={
            "directive_id": directive_id,
            "unit_id": unit,
            "requirement_id": requirement,
            "values": values,
            "narrative": f"Ý kiến của {unit}",
        },
    )


async def test_every_service_answers_health_readiness_and_metrics(stack, http):
    for name in ("issuer", "notifier", "reporter", "aggregator"):
        assert (await http.get(f"{stack.url(name)}/healthz")).json()["status"] == "ok"
        ready = await http.get(f"{stack.url(name)}/readyz")
        assert ready.status_code == 200 and all(ready.json()["checks"].values()), ready.text
    assert (
        "faststream_received_messages_total"
        in (await http.get(f"{stack.url('notifier')}/metrics")).text
    )
    assert (
        "chidao_reports_submitted_total"
        in (await http.get(f"{stack.url('reporter')}/metrics")).text
    )


async def test_issuing_mails_each_addressed_unit_once_in_vietnamese(stack, http, stack_js, own):
    directive, directive_id = own
    ref = directive["ref"]
    response = await issue(http, stack, directive)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["directive_id"] == directive_id
    assert body["assignments"] == body["new_assignments"] == 4 + CHI_BO_COUNT
    assert body["notices"] == 2 and body["warnings"] == []

    def mails(address=None):
        found = mails_of(stack.mail, directive_id)
        return [m for m in found if address is None or address in m.envelope_to]

    await eventually(lambda: len(mails()) >= 23, what="23 mails")
    await notifier_finished(stack_js)
    assert len(mails()) == 23  # 21 assignments + 2 notices, nothing twice
    plan_mail = mails("danguy@skhdt.hungyen.example.org")
    assert len(plan_mail) == 1
    assert plan_mail[0].subject == (
        f"[{ref}] Ban hành kế hoạch triển khai, trước ngày 01/06/2099 (Thứ Hai)"
    )
    text = plan_mail[0].text()
    assert "Kính gửi: Đảng ủy Sở Kế hoạch và Đầu tư tỉnh Hưng Yên" in text
    assert f"Kế hoạch số {ref} ngày 16/05/2024" in text
    # A unit with two mailboxes gets one mail addressed to both.
    both = mails("danguy@snv.hungyen.example.org")
    assert len(both) == 1 and "vpdu@snv.hungyen.example.org" in both[0].envelope_to
    notice = mails("btg@dukhungyen.example.org")
    assert len(notice) == 1 and "Văn bản được gửi để biết" in notice[0].text()


async def test_issuing_the_same_directive_again_creates_nothing_new(stack, http, stack_js, issued):
    directive, _ = issued
    before = await stream_count(stack_js, topology.ASSIGNMENTS.name)
    response = await issue(http, stack, directive)
    assert response.status_code == 200
    assert response.json()["status"] == "already_issued"
    assert response.json()["new_assignments"] == 0
    assert await stream_count(stack_js, topology.ASSIGNMENTS.name) == before
    changed = {**directive, "title": "Một tiêu đề khác"}
    conflict = await issue(http, stack, changed)
    assert conflict.status_code == 409
    assert "already issued with different content" in conflict.json()["error"]


async def test_a_redelivered_assignment_sends_no_second_mail(stack, http, stack_js, issued):
    _, directive_id = issued
    unit = "cb-skhdt-tong-hop"

    def mails():
        return mails_of(stack.mail, directive_id, "assignment", unit)

    await eventually(lambda: len(mails()) == 1, what="the first mail")
    skipped = await metric(
        http, stack, "notifier", "chidao_mails_skipped_total", reason="already_sent"
    )
    subject = f"chidao.assignment.created.{directive_id}.{unit}.report"
    original = await stack_js.get_last_msg(topology.ASSIGNMENTS.name, subject)
    # The same event again, past JetStream's duplicate window (a new Nats-Msg-Id): only
    # the notifier's ledger can tell it was already mailed.
    await stack_js.publish(subject, original.data, headers={"Nats-Msg-Id": "redelivery-1"})
    await eventually(
        lambda: _greater(
            metric(http, stack, "notifier", "chidao_mails_skipped_total", reason="already_sent"),
            skipped,
        ),
        what="the repeat to be skipped",
    )
    await notifier_finished(stack_js)  # the repeat acknowledged
    assert len(mails()) == 1


async def _greater(value, than) -> bool:
    return (await value) > than


async def test_a_unit_cannot_report_on_what_it_was_not_assigned(stack, http, issued):
    _, directive_id = issued
    wrong_requirement = await submit(
        http, stack, directive_id, "cb-snv-van-phong", "plan", sessions=1
    )
    assert wrong_requirement.status_code == 403
    assert "cb-snv-van-phong" in wrong_requirement.json()["error"]
    outsider = await submit(http, stack, directive_id, "cb-bhxh-hy-thu", "plan")
    assert outsider.status_code == 403
    unknown = await http.post(
        f"{stack.url('reporter')}/api/submissions",
        json={
            "directive_id": "999-kh-x--nobody",
            "unit_id": "cb-snv-van-phong",
            "requirement_id": "report",
        },
    )
    assert unknown.status_code == 404 and "999-kh-x--nobody" in unknown.json()["error"]
    negative = await submit(http, stack, directive_id, "cb-snv-van-phong", "report", sessions=-2)
    assert negative.status_code == 422
    assert negative.json()["problems"] == {
        "sessions": "Số buổi sinh hoạt, quán triệt: không được nhỏ hơn 0."
    }


async def test_the_synthesis_counts_the_tree_level_by_level(stack, http, issued):
    directive, directive_id = issued
    for unit in ("du-so-noi-vu-hy", "du-so-khdt-hy"):
        receipt = await submit(http, stack, directive_id, unit, "plan", document_ref="12-KH/ĐU")
        assert receipt.status_code == 201 and receipt.json()["on_time"] is True
    for unit, sessions in (
        ("cb-snv-van-phong", 3),
        ("cb-snv-thanh-tra", 2),
        ("cb-skhdt-van-phong", 1),
        ("cb-bhxh-hy-thu", 4),
    ):
        receipt = await submit(
            http, stack, directive_id, unit, "report", sessions=sessions, participants=10
        )
        assert receipt.status_code == 201 and receipt.json()["on_time"] is False
    # A correction replaces the figures and keeps the first version's timeliness.
    again = (directive_id, "cb-bhxh-hy-thu", "report")
    corrected = await submit(http, stack, *again, sessions=5, participants=10)
    assert corrected.json()["version"] == 2 and corrected.json()["on_time"] is False
    repeated = await submit(http, stack, *again, sessions=5, participants=10)
    assert repeated.status_code == 200 and repeated.json()["version"] == 2

    url = f"{stack.url('aggregator')}/api/directives/{directive_id}/synthesis"

    async def rolled_up():
        response = await http.get(url)
        if response.status_code != 200:
            return None
        body = response.json()
        totals = {r["id"]: r["totals"] for r in body["requirements"]}
        # this test's directive was just issued: its assignments and its reports reach the
        # roll-up through two consumers, so wait for both, not the reports alone
        assigned = totals["plan"]["expected"] == 4 and totals["report"]["expected"] == 17
        done = assigned and totals["plan"]["submitted"] == 2 and totals["report"]["submitted"] == 4
        return body if done and totals["report"]["sums"].get("sessions") == 11 else None

    body = await eventually(rolled_up, what="the roll-up of 6 reports")
    plan, report = body["requirements"]
    assert {
        k: plan["totals"][k] for k in ("expected", "submitted", "on_time", "late", "missing")
    } == {"expected": 4, "submitted": 2, "on_time": 2, "late": 0, "missing": 2}
    assert {
        k: report["totals"][k] for k in ("expected", "submitted", "on_time", "late", "missing")
    } == {"expected": 17, "submitted": 4, "on_time": 0, "late": 4, "missing": 13}
    assert report["totals"]["sums"] == {"sessions": 11, "participants": 40}
    assert sorted(u["unit_id"] for u in plan["missing"]) == ["db-bhxh-hy", "du-so-gddt-hy"]
    snv = next(c for c in report["children"] if c["unit_id"] == "du-so-noi-vu-hy")
    assert (snv["expected"], snv["submitted"], snv["late"], snv["missing"]) == (9, 2, 2, 7)

    one_level_down = (await http.get(url, params={"unit": "du-so-noi-vu-hy"})).json()
    plan_snv, report_snv = one_level_down["requirements"]
    assert (plan_snv["totals"]["expected"], plan_snv["totals"]["submitted"]) == (1, 1)
    assert (report_snv["totals"]["expected"], report_snv["totals"]["missing"]) == (9, 7)
    one_level_up = (await http.get(url, params={"unit": "tu-hung-yen"})).json()
    assert one_level_up["requirements"][1]["totals"] == report["totals"]

    markdown = (await http.get(url, params={"format": "md"})).text
    assert "# BÁO CÁO" in markdown and "ĐẢNG CỘNG SẢN VIỆT NAM" in markdown
    assert f"**Kết quả thực hiện Kế hoạch số {directive['ref']} ngày 16/05/2024" in markdown
    assert re.search(r"- Báo cáo muộn \(4\): .*Chi bộ Thanh tra Sở \(muộn \d+ ngày\)", markdown)
    assert "- Chưa báo cáo (2): Đảng bộ Bảo hiểm xã hội tỉnh Hưng Yên" in markdown
    assert "- Số buổi sinh hoạt, quán triệt: 11 buổi." in markdown


async def test_smtp_refusing_for_a_while_delays_mail_but_loses_none(stack, http, stack_js, own):
    failed = await metric(http, stack, "notifier", "chidao_mails_failed_total", kind="transient")
    stack.mail.refuse(421, "Try again later")
    directive_id = own[1]
    directive = {
        **own[0],
        "title": "Kế hoạch thử khi máy chủ thư tạm ngừng",
        "addressees": [{"under": "du-so-gddt-hy", "kinds": ["chi_bo"]}],
        "recipients": [],
        "requirements": [DIRECTIVE["requirements"][0]],
    }
    try:
        assert (await issue(http, stack, directive)).status_code == 201
        await eventually(
            lambda: _greater(
                metric(http, stack, "notifier", "chidao_mails_failed_total", kind="transient"),
                failed,
            ),
            what="the notifier to meet the refusal",
        )
    finally:
        stack.mail.refuse(None)
    addresses = [
        "chibo.vanphong@sgddt.hungyen.example.org",
        "chibo.gdth@sgddt.hungyen.example.org",
        "chibo.khaothi@sgddt.hungyen.example.org",
    ]

    def to(address):
        return [m for m in mails_of(stack.mail, directive_id) if address in m.envelope_to]

    def delivered():
        return all(to(a) for a in addresses)

    await eventually(delivered, within=60, what="the delayed mails")
    await notifier_finished(stack_js)
    for address in addresses:
        assert len(to(address)) == 1


async def test_the_trace_of_an_issue_reaches_the_mail_it_causes(stack, stack_js, issued):
    _, directive_id = issued
    subject = f"chidao.assignment.created.{directive_id}.cb-sgddt-khao-thi.report"
    message = await stack_js.get_last_msg(topology.ASSIGNMENTS.name, subject)
    trace_id = message.headers["traceparent"].split("-")[1]
    event_id = json.loads(message.data)["event_id"]
    log = stack.procs["notifier"].log_path

    def mail_logged_in_trace():
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("event") == "mail sent" and entry.get("event_id") == event_id:
                return entry
        return None

    entry = await eventually(mail_logged_in_trace, what="the notifier's log line")
    assert entry["trace_id"] == trace_id
