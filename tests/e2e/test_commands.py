"""The commands a newcomer runs: the demo, the benchmarks, and their errors."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from chidao.runtime.mailsink import MailSink
from chidao.runtime.nats_server import NatsServer

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).parents[2] / "chidao" / "demo" / "seeds"


def chidao(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chidao", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_demo_closes_two_levels_with_syntheses_naming_on_time_late_and_missing(tmp_path):
    run = chidao("demo", "--var", str(tmp_path), timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    lower = out[out.index("4. The synthesis of Đảng ủy Sở Nội vụ") : out.index("5. ")]
    assert (
        "Số đơn vị phải báo cáo: 9; đã báo cáo: 8 (88,9%), trong đó đúng hạn 6, muộn 2 "
        "(bình quân muộn 2,5 ngày); chưa báo cáo: 1 (quá hạn)." in lower
    )
    assert (
        "- Báo cáo muộn (2): Chi bộ Chi cục Văn thư - Lưu trữ (muộn 1 ngày); "
        "Chi bộ Phòng Cải cách hành chính (muộn 4 ngày)." in lower
    )
    assert "- Chưa báo cáo (1): Chi bộ Trung tâm Lưu trữ lịch sử." in lower
    # the yearly report of seed 000 over two years, the second assigned by the timer
    yearly = out[out.index("7. A yearly report") :]
    assert "Năm 2024:" in yearly and "Năm 2025:" in yearly, yearly[:1000]
    assert "(requirement r3--2025)" in yearly
    followed, chasing = [], []
    for path in sorted((tmp_path / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["Subject"].startswith("[101-KH/ĐU]"):
            if message["X-Chidao-Template"] in ("assignment", "directive_notice"):
                followed.append(message)
            else:
                chasing.append((message["X-Chidao-Template"], message["X-Chidao-Unit"]))
    # 9 chi bộ with the assignment + 3 units receiving it: one mail per addressed unit,
    # each carrying the original document.
    assert len(followed) == 12
    assert len({m["X-Chidao-Unit"] for m in followed}) == 12
    original = (SEEDS / "003_e88aeaad7985e01b.txt").read_bytes()
    assert all(
        [p.get_payload(decode=True) for p in m.iter_attachments()] == [original] for m in followed
    )
    # The returned report was mailed back with its reason; the three that had not reported
    # by then got their mail again (never opened 16 working hours after it came), three
    # reminders and the overdue notice each; the committee one digest.
    not_yet = ["cb-snv-cchc", "cb-snv-tt-luu-tru", "cb-snv-van-thu-luu-tru"]
    assert sorted(chasing) == sorted(
        [("returned", "cb-snv-thanh-tra")]
        + [("unopened", u) for u in not_yet]
        + [("reminder", u) for u in not_yet for _ in range(3)]
        + [("overdue", u) for u in not_yet]
        + [("digest", "du-so-noi-vu-hy")]
    )
    digest = out[out.index("The digest to Đảng ủy Sở Nội vụ") :]
    missing, _, late = digest[: digest.index("4. The synthesis")].partition("muộn (1):")
    assert "Đơn vị chưa báo cáo (2):" in missing
    assert "Chi bộ Phòng Cải cách hành chính" in missing
    assert "Chi bộ Trung tâm Lưu trữ lịch sử" in missing
    assert "Chi bộ Chi cục Văn thư - Lưu trữ (nhận ngày 10/12/2024, muộn 1 ngày)" in late
    assert "Nhắc hạn: còn 7 ngày" in out and "Đôn đốc: quá hạn" in out
    # Every seed was read from its file and the cascade linked them, under 153-KH/ĐUK.
    assert "   -> no number or date in the text: the operator issues it as 01-KH/ĐUK" in out
    assert "   153-KH/ĐUK  Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh, 16/05/2024\n" in out
    assert "   └── 101-KH/ĐU  Đảng ủy Sở Nội vụ, 19/06/2024" in out
    assert "101-KH/ĐU was filed as that report (101-KH/ĐU, on time)" in out

    # The lower synthesis went up and shows in the upper one, with its figures.
    upper = out[out.index("6. The synthesis of Đảng ủy Khối") :]
    assert "| 4 | Đảng ủy Sở Nội vụ | Đúng hạn | 13 | 165 | 84 | 89 | 94,4% |" in upper
    assert "- Chưa báo cáo (1): Đảng bộ Bảo hiểm xã hội tỉnh Hưng Yên." in upper
    assert "Chi bộ Văn phòng Sở: Đề nghị Đảng ủy cấp thêm tài liệu sinh hoạt bản in." in upper
    reports = tmp_path / "reports"
    for directive_id in ("101-kh-du--du-so-noi-vu-hy", "153-kh-duk--duk-cqdn-hung-yen"):
        for suffix in ("docx", "html", "md", "json"):
            assert (reports / f"{directive_id}.{suffix}").stat().st_size > 0
        document = docx.Document(str(reports / f"{directive_id}.docx"))
        assert any(p.text == "BÁO CÁO" for p in document.paragraphs)
        assert (reports / f"status-{directive_id}.html").read_text().count("<svg") >= 2
    assert str(reports) in out and str(tmp_path / "mail") in out
    assert "/directives/153-kh-duk--duk-cqdn-hung-yen/status" in out


def test_the_fanout_benchmark_prints_one_json_line(tmp_path):
    run = chidao("bench", "fanout", "--units", "500", "--var", str(tmp_path))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"units", "seconds", "assignments_per_second"}
    assert result["units"] == 500 and result["seconds"] > 0


@pytest.mark.parametrize("through_reporter", [False, True], ids=["events", "reporter-api"])
def test_the_aggregate_benchmark_prints_one_json_line(tmp_path, through_reporter):
    args = ["bench", "aggregate", "--units", "300", "--var", str(tmp_path)]
    run = chidao(*args, *(["--through-reporter"] if through_reporter else []))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"units", "seconds", "submissions_per_second", "seconds_to_root"}
    assert result["units"] == 300 and result["seconds"] >= result["seconds_to_root"] >= 0


def test_the_notify_benchmark_sends_every_mail_to_the_sink_it_is_given(tmp_path):
    with MailSink(tmp_path / "mail") as sink:
        run = chidao(
            "bench", "notify", "--mails", "60", "--connections", "2",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(sink.port),
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        lines = run.stdout.strip().splitlines()
        assert len(lines) == 1
        result = json.loads(lines[0])
        assert set(result) == {"mails", "connections", "seconds", "mails_per_second"}
        assert (result["mails"], result["connections"]) == (60, 2) and result["seconds"] > 0
        assert len(sink.messages) == 60
        assert len({m.envelope_to[0] for m in sink.messages}) == 60
        assert sink.messages[0].subject.startswith("[101-KH/ĐU] ")


def test_a_broken_directory_file_is_refused_in_plain_words(tmp_path):
    bad = tmp_path / "units.yaml"
    bad.write_text(
        "units:\n  - id: a\n    name: Tỉnh ủy\n    kind: provincial_committee\n"
        "  - id: b\n    name: Chi bộ\n    kind: chi_bo\n    parent: missing\n",
        encoding="utf-8",
    )
    run = chidao("directory", "load", str(bad), "--nats-url", "nats://127.0.0.1:1")
    assert run.returncode == 1
    assert "unit 'b' has parent 'missing', which is not in the file" in run.stderr


def test_the_demo_campaign_is_on_the_audit_trail_as_its_named_staff(tmp_path):
    """Each staff action of the demo, read back from its JetStream store after it ended,
    with the person who did it: the clerk issued, the specialist returned a report, the
    leaders approved and accepted; the units without accounts acted as the operator."""
    run = chidao("demo", "--var", str(tmp_path), timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    with NatsServer(tmp_path / "jetstream") as server:
        audit = chidao("audit", "--csv", "--nats-url", server.url)
    assert audit.returncode == 0, audit.stderr
    rows = list(csv.DictReader(io.StringIO(audit.stdout)))
    done = {(r["actor"], r["action"], r["directive_id"], r["outcome"]) for r in rows}
    plan, parent = "101-kh-du--du-so-noi-vu-hy", "153-kh-duk--duk-cqdn-hung-yen"
    assert ("vanthu.duk", "directive.issue", parent, "ok") in done
    assert ("vanthu.snv", "directive.issue", plan, "ok") in done
    assert ("chuyenvien.snv", "report.review", plan, "ok") in done
    assert ("lanhdao.snv", "synthesis.approve", plan, "ok") in done
    assert ("lanhdao.duk", "report.review", parent, "ok") in done
    assert ("vanthu.cbvp", "report.submit", plan, "ok") in done
    assert ("operator", "report.submit", plan, "ok") in done  # chi bộ without accounts
    signed_in = {r["actor"] for r in rows if r["action"] == "token.create" and r["outcome"] == "ok"}
    assert signed_in == {"vanthu.snv", "chuyenvien.snv", "lanhdao.snv", "vanthu.duk",
                         "lanhdao.duk", "vanthu.cbvp"}  # fmt: skip
    reviewer = next(
        r for r in rows if r["actor"] == "chuyenvien.snv" and r["action"] == "report.review"
    )
    assert reviewer["unit_id"] == "du-so-noi-vu-hy" and reviewer["roles"] == "chuyen_vien"
    assert reviewer["service"] == "reporter" and reviewer["address"] == "127.0.0.1"
