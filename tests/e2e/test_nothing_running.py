"""The command line with nothing running: every command that needs NATS or a service
says, in one line, what is not running and how to start it, and exits non-zero (the
subprocess timeout bounds it: it used to retry for two minutes and print a traceback
1,814 lines long)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from chidao.runtime.ports import free_port

pytestmark = pytest.mark.e2e


def _chidao(*args: str) -> subprocess.CompletedProcess[str]:
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "CHIDAO_NATS_URL": f"nats://127.0.0.1:{port}",
        **{f"CHIDAO_{s}_URL": f"http://127.0.0.1:{port}" for s in ("ISSUER", "REPORTER")},
        "CHIDAO_OPERATOR_TOKEN": "x" * 32,
    }
    return subprocess.run(
        [sys.executable, "-m", "chidao", *args], capture_output=True, text=True, env=env, timeout=30
    )


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("dlq", "list"), "không kết nối được NATS"),
        (("users", "list"), "không kết nối được NATS"),
        (("directory", "load", "chidao/demo/directory.yaml"), "không kết nối được NATS"),
        (("cascade",), "dịch vụ chưa chạy"),
        (("review", "--directive", "d", "--unit", "u", "--accept"), "dịch vụ chưa chạy"),
    ],
    ids=["dlq", "users", "directory", "cascade", "review"],
)
def test_a_command_with_nothing_running_says_so_in_one_line(args, what):
    run = _chidao(*args)
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and what in lines[0], run.stderr[-2000:]
    assert "chidao dev" in lines[0]


def test_a_second_chidao_dev_says_its_port_is_in_use_in_one_line(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    with taken:
        run = _chidao("dev", "--var", str(tmp_path / "dev"), "--nats-port", str(port))
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cổng {port} (NATS) đang được dùng" in lines[0], run.stderr[-2000:]
    assert not (tmp_path / "dev" / "jetstream").exists()  # nothing was started
