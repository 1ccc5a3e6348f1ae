"""The README's "Running it yourself", run as written: `chidao dev` as its first block
says (with a state directory of the test's own), then every command of the campaign
block after it, in order, from a working directory holding what the block names; each
is checked for what it tells the clerk. A command added to the block, or changed, makes
this test fail until it says what that command must show."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest

from tests.support import wait_for

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
PASSWORD = "chidao-demo-2026"
SECTION = "## Running it yourself"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def readme_blocks() -> tuple[str, list[str]]:
    """The section's `chidao dev` line and the campaign block's commands, each joined
    across its continuation lines (and run by bash as it stands, comment and quotes)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    first, campaign = _blocks(section)[:2]
    commands, current = [], ""
    for line in campaign.splitlines():
        if not current and not line.startswith(".venv/bin/chidao"):
            continue  # a comment line of the block
        current = f"{current} {line.strip()}" if current else line
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        commands.append(current)
        current = ""
    return _without_comment(first.strip().splitlines()[0]), commands


def _without_comment(line: str) -> str:
    """The command's words, as the steps below name them: no comment, no quotes."""
    return " ".join(shlex.split(line, comments=True))


@dataclass
class Step:
    """What the command starting with ``starts`` must print; ``until``: a command whose
    answer follows events still on their way (a roll-up), run again until it does."""

    starts: str
    shows: list[str] = field(default_factory=list)
    until: bool = False


def _check(step: Step, run: subprocess.CompletedProcess[str]) -> str | None:
    """What is wrong with the command's run, or None."""
    if run.returncode != 0:
        return f"exit {run.returncode}: {run.stderr[-1500:]}"
    missing = [s for s in step.shows if s not in run.stdout]
    return f"missing {missing} in:\n{run.stdout[-3000:]}" if missing else None


STEPS = [
    Step("login --username vanthu.duk", ["Đã đăng nhập: vanthu.duk (Phạm Thị Lan)"]),
    Step("issue chidao/demo/plans/153-kh-duk.json", ["Đã ban hành 153-KH/ĐUK: giao 8 yêu cầu"]),
    Step("login --username vanthu.snv", ["Đã đăng nhập: vanthu.snv (Nguyễn Thị Hoa)"]),
    Step(
        "parse chidao/demo/seeds/",
        [
            "Kế hoạch số 101-KH/ĐU (Hưng Yên, 19/06/2024) của Đảng ủy Sở Nội vụ",
            "thời hạn:   trước ngày 10/12/2024 (Thứ Ba): báo cáo kết quả thực hiện",
            "Hướng dẫn số 32-HD/BTGĐUK (Cần Thơ, 29/03/2024)",
        ],
    ),
    Step("parse chidao/demo/seeds/004_c6178579b908293c.txt --json", ['"ref": "32-HD/BTGĐUK"']),
    Step(
        "issue chidao/demo/seeds/003_e88aeaad7985e01b.txt --preview",
        [
            "Sẽ gửi thư cho 12 đơn vị:",
            "Chi bộ Văn phòng Sở (cb-snv-van-phong) <chibo.vanphong@snv.hungyen.example.org>: "
            "Được giao báo cáo: báo cáo kết quả thực hiện, trước ngày 10/12/2024 (Thứ Ba)",
            "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh Hưng Yên (duk-cqdn-hung-yen) "
            "<vanphong@dukhungyen.example.org>: Báo cáo cấp trên (để biết)",
            "Lãnh đạo Sở Nội vụ (lanh-dao-snv-hy) <lanhdao@snv.hungyen.example.org>: Để biết",
        ],
    ),
    Step(
        "issue chidao/demo/seeds/003_e88aeaad7985e01b.txt",
        ["Đã ban hành 101-KH/ĐU: giao 9 yêu cầu báo cáo, gửi 3 thông báo"],
    ),
    Step(
        "issue chidao/demo/seeds/000_190f0edc151fbb06.txt --ref 01-KH/ĐUK",
        ["cảnh báo:   Văn bản không ghi số, ký hiệu", "Sẽ gửi thư cho "],
    ),
    Step(
        "cascade",
        ["153-KH/ĐUK  Đảng ủy Khối", "└── 101-KH/ĐU  Đảng ủy Sở Nội vụ, 19/06/2024"],
        until=True,  # the issuer links the two as it reads the second
    ),
    Step("login --username vanthu.cbvp", ["Đã đăng nhập: vanthu.cbvp"]),
    Step(
        "submit --directive 101-KH/ĐU --unit Chi bộ Văn phòng Sở",
        [
            "Đã nhận báo cáo phiên bản 1 của Chi bộ Văn phòng Sở về 101-KH/ĐU",
            "đúng hạn (hạn: trước ngày 10/12/2024 (Thứ Ba))",
            "participants: 1234",
            "report_file: tệp bao-cao.pdf",
            "difficulties: Thiếu phòng họp.",
        ],
        until=True,  # the reporter learns of the assignment from the issuer's event
    ),
    Step(
        "submit --directive 101-KH/ĐU --unit Chi bộ Văn phòng Sở",
        ["Đã nhận báo cáo phiên bản 2 của Chi bộ Văn phòng Sở", "members_attending: 19"],
    ),
    Step("login --username chuyenvien.snv", ["Đã đăng nhập: chuyenvien.snv"]),
    Step(
        "review --directive 101-KH/ĐU --unit Chi bộ Văn phòng Sở --return",
        [
            "Đã trả lại phiên bản 2 báo cáo của Chi bộ Văn phòng Sở về 101-KH/ĐU để đơn vị sửa, "
            "lý do: Đề nghị bổ sung số tin, bài."
        ],
    ),
    Step(
        "link resend --directive 101-KH/ĐU --unit Chi bộ Thanh tra Sở",
        ["Đã gửi lại thư giao nhiệm vụ, kèm đường dẫn báo cáo, cho Chi bộ Thanh tra Sở."],
    ),
    Step(
        "synthesis 101-KH/ĐU",
        [
            "**1/9 (đúng hạn 1, muộn 0)**",
            "- Báo cáo trả lại để sửa (1): Chi bộ Văn phòng Sở (Đề nghị bổ sung số tin, bài).",
        ],
        until=True,  # the aggregator rolls the report and its review up
    ),
    Step("synthesis 101-KH/ĐU --format docx -o bao-cao.docx", ["Đã ghi bao-cao.docx ("]),
    Step("login --username lanhdao.snv", ["Đã đăng nhập: lanhdao.snv"]),
    Step(
        "synthesis 101-KH/ĐU --approve",
        ["Đã duyệt báo cáo tổng hợp 101-KH/ĐU: gửi lên cấp trên như báo cáo của Đảng ủy Sở"],
    ),
    Step("whoami", ["lanhdao.snv (Lê Quang Thành), đơn vị du-so-noi-vu-hy, lãnh đạo"]),
    Step("logout", ["Đã đăng xuất lanhdao.snv"]),
    Step("forms list", ["sinh-hoat-chinh-tri: Báo cáo kết quả đợt sinh hoạt chính trị, tư tưởng"]),
    Step("forms load tests/fixtures/forms/every-type.yaml", ["loaded 1 form(s): thu-moi-kieu"]),
    Step("directory load chidao/demo/directory.yaml", [": 0 added, 0 changed, "]),
    Step(
        "calendar show 2025",
        ["29/01/2025 (Thứ Tư): Tết Nguyên đán", "26/04/2025 (Thứ Bảy): làm việc (làm bù)"],
    ),
    Step("dlq list", ["no dead letters"]),
    Step("nats declare", ["declared every stream"]),
    Step("audit --since 19/06/2024", ["synthesis.approve", "report.review", "link.resend"]),
]


def _workdir(tmp_path: Path) -> Path:
    """Where the commands run: the repository's files they name, the PDF the clerk
    attaches, and a `.venv/bin/chidao` that is this test's interpreter."""
    work = tmp_path / "work"
    (work / "tests" / "fixtures").mkdir(parents=True)
    (work / "chidao").symlink_to(ROOT / "chidao")
    (work / "tests" / "fixtures" / "forms").symlink_to(ROOT / "tests" / "fixtures" / "forms")
    pdf = ROOT / "tests" / "fixtures" / "documents" / "ke_hoach_101.pdf"
    (work / "bao-cao.pdf").write_bytes(pdf.read_bytes())
    launcher = work / ".venv" / "bin" / "chidao"
    launcher.parent.mkdir(parents=True)
    launcher.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m chidao "$@"\n')
    launcher.chmod(0o755)
    return work


def _environment(tmp_path: Path) -> dict[str, str]:
    """The clerk's shell: nothing pointing elsewhere, the login's token in the test's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CHIDAO_") or k in ("CHIDAO_JS_STORAGE",)
    }
    env["CHIDAO_TOKEN_FILE"] = str(tmp_path / "token")
    env["PYTHONPATH"] = str(ROOT)
    return env


def _mails(var: Path, template: str, unit: str) -> list:
    found = []
    for path in sorted((var / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-Chidao-Template"] == template and message["X-Chidao-Unit"] == unit:
            found.append(message)
    return found


def _run(command: str, work: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=work,
        env=env,
        input=f"{PASSWORD}\n",  # `chidao login` asks for the password
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_every_readme_command_runs_as_written(tmp_path):
    dev_line, commands = readme_blocks()
    steps = [_without_comment(c).removeprefix(".venv/bin/chidao ") for c in commands]
    assert len(steps) == len(STEPS) and all(
        s.startswith(e.starts) for s, e in zip(steps, STEPS, strict=True)
    ), "the README's block and this test's steps differ:\n" + "\n".join(steps)

    var = tmp_path / "dev"
    log = (tmp_path / "dev.out").open("w")
    dev = subprocess.Popen(
        [*shlex.split(dev_line.replace(".venv/bin/chidao", f"{sys.executable} -m chidao")),
         "--var", str(var)],
        cwd=ROOT, env=_environment(tmp_path), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        out = tmp_path / "dev.out"
        wait_for(
            lambda: "Ctrl-C stops everything" in out.read_text() or dev.poll() is not None,
            180,
            "chidao dev to start",
        )
        assert dev.poll() is None, out.read_text()[-3000:]
        assert "simulated: 08 giờ 00, ngày 19/06/2024" in out.read_text()  # the seeds' day

        work, env = _workdir(tmp_path), _environment(tmp_path)
        for command, step in zip(commands, STEPS, strict=True):
            if "--preview" in command and "003_" in command:
                assert not _mails(var, "assignment", "cb-snv-van-phong")  # nothing sent yet
            deadline = time.monotonic() + (60 if step.until else 0)
            while True:
                run = _run(command, work, env)
                problem = _check(step, run)
                if problem is None or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert problem is None, f"$ {command}\n{problem}"

        # what the commands did, seen where the units see it
        wait_for(lambda: _mails(var, "resend", "cb-snv-thanh-tra"), 30, "the link resent")
        document = docx.Document(str(work / "bao-cao.docx"))
        assert any("101-KH/ĐU" in p.text for p in document.paragraphs)
    finally:
        os.killpg(dev.pid, signal.SIGINT)  # Ctrl-C: the stack stops everything it started
        try:
            dev.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait(10)
        log.close()
