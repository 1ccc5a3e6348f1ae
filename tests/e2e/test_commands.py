"""The commands a newcomer runs: the demo, the benchmarks, and their errors."""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chidao.runtime.mailsink import MailSink

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).parents[2] / "chidao" / "demo" / "seeds"


def chidao(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chidao", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_demo_ends_with_a_synthesis_naming_on_time_late_and_missing_units(tmp_path):
    run = chidao("demo", "--var", str(tmp_path), timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    assert "Đã báo cáo: 8 (88,9%), trong đó đúng hạn 6, muộn 2" in out
    assert "**Báo cáo muộn (2):** Chi bộ Chi cục Văn thư - Lưu trữ" in out
    assert "**Chưa báo cáo (1):** Chi bộ Trung tâm Lưu trữ lịch sử" in out
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
    # The three that had not reported by then got three reminders and the overdue notice
    # each; the committee got one digest.
    not_yet = ["cb-snv-cchc", "cb-snv-tt-luu-tru", "cb-snv-van-thu-luu-tru"]
    assert sorted(chasing) == sorted(
        [("reminder", u) for u in not_yet for _ in range(3)]
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
    assert len({m["X-Chidao-Unit"] for m in followed}) == 12
    original = (SEEDS / "003_e88aeaad7985e01b.txt").read_bytes()
    assert all(
        [p.get_payload(decode=True) for p in m.iter_attachments()] == [original] for m in followed
    )
    # Every seed was read from its file and the cascade linked them.
    assert "   -> no number or date in the text: the operator issues it as 01-KH/ĐUK" in out
    assert (
        "   153-KH/ĐUK  Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh, 16/05/2024  [referred to" in out
    )
    assert "   └── 101-KH/ĐU  Đảng ủy Sở Nội vụ, 19/06/2024" in out
    report = tmp_path / "reports" / "101-kh-du--du-so-noi-vu-hy.md"
    assert "Chi bộ Văn phòng Sở" in report.read_text(encoding="utf-8")
    assert str(tmp_path / "mail") in out and str(report) in out


def test_the_fanout_benchmark_prints_one_json_line(tmp_path):
    run = chidao("bench", "fanout", "--units", "500", "--var", str(tmp_path))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"units", "seconds", "assignments_per_second"}
    assert result["units"] == 500 and result["seconds"] > 0


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
