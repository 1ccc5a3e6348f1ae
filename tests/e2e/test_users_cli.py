"""The admin command line for staff accounts and the audit trail, against a real
nats-server (``chidao users ...``, ``chidao audit``); signing in from the command line
against a running issuer (``chidao login``, ``whoami``, ``logout``); and ``chidao serve``
refusing to start in production with the development defaults."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from chidao.cli import app
from chidao.client import NOT_SIGNED_IN, ApiError, call
from chidao.runtime.accounts import read_audit
from chidao.runtime.admin import store_directory
from chidao.runtime.stack import Stack
from shared.auth.accounts import password_matches, read_account
from shared.directory import load_file
from tests.factories import DEMO_DIRECTORY
from tests.support import running

UNIT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ, in the demo directory
PASSWORD = "mat-khau-rat-dai-2026"


def chidao(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    result = chidao(*args, input=input)
    assert result.exit_code == 0, f"chidao {' '.join(args)}: {result.output}"
    return result.output


@pytest.fixture
def nats_url(nats_server) -> str:
    asyncio.run(store_directory(nats_server.url, load_file(DEMO_DIRECTORY)))
    return nats_server.url


async def _account(nats_url: str, username: str):
    import nats

    nc = await nats.connect(nats_url)
    try:
        return await read_account(nc.jetstream(), username)
    finally:
        await nc.close()


def account(nats_url: str, username: str):
    return asyncio.run(_account(nats_url, username))


def test_add_then_list_refusing_duplicates_and_unknown_units(nats_url):
    out = ok(
        "users", "add", "nguyenvana", "--unit", UNIT, "--roles", "van_thu,chuyen_vien",
        "--name", "Nguyễn Văn A", "--email", "a@snv.example.org", "--nats-url", nats_url,
    )  # fmt: skip
    # a generated password, printed once, that opens the account
    password = out.split("password: ")[1].split()[0]
    made = account(nats_url, "nguyenvana")
    assert made is not None and password_matches(made, password)
    assert {r.value for r in made.roles} == {"van_thu", "chuyen_vien"}
    assert made.display_name == "Nguyễn Văn A" and made.email == "a@snv.example.org"

    listed = ok("users", "list", "--nats-url", nats_url)
    assert "nguyenvana" in listed and "Nguyễn Văn A" in listed and UNIT in listed
    assert "van_thu,chuyen_vien" in listed
    assert "no accounts" in ok(
        "users", "list", "--unit", "cb-snv-van-phong", "--nats-url", nats_url
    )

    again = chidao(
        "users", "add", "nguyenvana", "--unit", UNIT, "--roles", "van_thu",
        "--name", "Nguyễn Văn A", "--nats-url", nats_url,
    )  # fmt: skip
    assert again.exit_code == 1 and "exists already" in again.output

    nowhere = chidao(
        "users", "add", "tranb", "--unit", "khong-co-don-vi", "--roles", "van_thu",
        "--name", "Trần B", "--nats-url", nats_url,
    )  # fmt: skip
    assert nowhere.exit_code == 1
    assert "unit 'khong-co-don-vi' is not in the directory" in nowhere.output
    assert account(nats_url, "tranb") is None


def test_password_from_stdin_disable_enable_and_roles(nats_url):
    ok(
        "users", "add", "lethic", "--unit", UNIT, "--roles", "chuyen_vien", "--name", "Lê Thị C",
        "--password-stdin", "--nats-url", nats_url, input=PASSWORD + "\n",
    )  # fmt: skip
    before = account(nats_url, "lethic")
    assert password_matches(before, PASSWORD)

    short = chidao(
        "users", "add", "ngand", "--unit", UNIT, "--roles", "van_thu", "--name", "Ngà D",
        "--password-stdin", "--nats-url", nats_url, input="ngan\n",
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 10 characters" in short.output

    assert "disabled" in ok("users", "disable", "lethic", "--nats-url", nats_url)
    disabled = account(nats_url, "lethic")
    assert disabled.disabled and disabled.valid_after > before.valid_after
    row = next(line for line in ok("users", "list", "--nats-url", nats_url).splitlines()
               if line.startswith("lethic"))  # fmt: skip
    assert row.endswith("disabled")
    ok("users", "enable", "lethic", "--nats-url", nats_url)
    enabled = account(nats_url, "lethic")
    assert not enabled.disabled and enabled.valid_after == disabled.valid_after

    ok("users", "set-roles", "lethic", "lanh_dao,quan_tri", "--nats-url", nats_url)
    assert {r.value for r in account(nats_url, "lethic").roles} == {"lanh_dao", "quan_tri"}
    wrong = chidao("users", "set-roles", "lethic", "lanh_dao,giam_doc", "--nats-url", nats_url)
    assert wrong.exit_code == 1 and "giam_doc" in wrong.output
    for role in ("van_thu", "chuyen_vien", "lanh_dao", "quan_tri"):
        assert role in wrong.output
    assert {r.value for r in account(nats_url, "lethic").roles} == {"lanh_dao", "quan_tri"}

    new_password = "mot-mat-khau-moi-2026"
    ok("users", "set-password", "lethic", "--password-stdin", "--nats-url", nats_url,
       input=new_password + "\n")  # fmt: skip
    changed = account(nats_url, "lethic")
    assert password_matches(changed, new_password) and not password_matches(changed, PASSWORD)
    assert changed.valid_after > enabled.valid_after

    missing = chidao("users", "disable", "khongai", "--nats-url", nats_url)
    assert missing.exit_code == 1 and "no account 'khongai'" in missing.output


def test_every_change_is_in_the_audit_trail_as_the_operator(nats_url):
    ok(
        "users", "add", "phamd", "--unit", UNIT, "--roles", "van_thu", "--name", "Phạm D",
        "--nats-url", nats_url,
    )  # fmt: skip
    ok("users", "set-roles", "phamd", "van_thu,chuyen_vien", "--nats-url", nats_url)
    ok("users", "disable", "phamd", "--nats-url", nats_url)

    entries = asyncio.run(read_audit(nats_url, None))
    mine = [e for e in entries if "phamd" in e.detail]
    assert [e.action for e in mine] == ["account.create", "account.set_roles", "account.disable"]
    for entry in mine:
        assert (entry.actor, entry.via, entry.service, entry.outcome) == (
            "operator",
            "operator",
            "cli",
            "ok",
        )
        assert entry.target_unit_id == UNIT

    exported = ok("audit", "--csv", "--nats-url", nats_url)
    rows = list(csv.DictReader(io.StringIO(exported)))
    actions = [r["action"] for r in rows if "phamd" in r["detail"]]
    assert actions == ["account.create", "account.set_roles", "account.disable"]
    assert all(r["actor"] == "operator" and r["target_unit_id"] == UNIT for r in rows)

    table = ok("audit", "--unit", UNIT, "--nats-url", nats_url)
    assert "account.set_roles" in table and "operator" in table
    today = datetime.now(UTC).date()
    assert "account.create" in ok("audit", "--since", f"{today}", "--nats-url", nats_url)
    tomorrow = today + timedelta(days=1)
    assert "no entries" in ok("audit", "--since", f"{tomorrow}", "--nats-url", nats_url)
    yesterday = today - timedelta(days=1)
    assert "no entries" in ok("audit", "--until", f"{yesterday}", "--nats-url", nats_url)
    assert "no entries" in ok("audit", "--user", "someone-else", "--nats-url", nats_url)
    assert "no entries" in ok("audit", "--unit", "cb-snv-van-phong", "--nats-url", nats_url)


def test_login_whoami_and_logout_against_the_issuer(tmp_path, monkeypatch):
    stack = Stack(var_dir=tmp_path / "stack", services=("issuer",))
    with running(stack, load_file(DEMO_DIRECTORY)):
        url = stack.admin_nats_url
        ok(
            "users", "add", "vanthu.test", "--unit", UNIT, "--roles", "van_thu",
            "--name", "Nguyễn Thị Thư", "--password-stdin", "--nats-url", url,
            input=PASSWORD + "\n",
        )  # fmt: skip
        token_file = tmp_path / "config" / "token"
        for variable in ("CHIDAO_TOKEN", "CHIDAO_OPERATOR_TOKEN"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("CHIDAO_TOKEN_FILE", str(token_file))
        monkeypatch.setenv("CHIDAO_ISSUER_URL", stack.url("issuer"))

        signed_out = chidao("whoami")
        assert signed_out.exit_code == 1
        assert NOT_SIGNED_IN in signed_out.output
        assert NOT_SIGNED_IN.startswith("chưa đăng nhập") and "chạy `chidao login`" in NOT_SIGNED_IN

        wrong = chidao("login", "--username", "vanthu.test", "--password-stdin", input="sai\n")
        assert wrong.exit_code == 1 and "không đúng" in wrong.output
        assert not token_file.exists()

        out = ok(
            "login", "--username", "vanthu.test", "--password-stdin", "--name", "test",
            input=PASSWORD + "\n",
        )  # fmt: skip
        assert "Đã đăng nhập: vanthu.test (Nguyễn Thị Thư)" in out and UNIT in out
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600

        me = ok("whoami")
        assert "vanthu.test (Nguyễn Thị Thư)" in me and UNIT in me and "qua mã đăng nhập" in me

        assert chidao("cascade").exit_code == 0  # every role reads the cascade

        # a clerk may not read the audit trail: a 403 says why, in the server's words
        with pytest.raises(ApiError) as refused:
            call("GET", f"{stack.url('issuer')}/api/audit")
        assert refused.value.status == 403
        assert str(refused.value) == refused.value.body["error"]
        assert "không có quyền" in str(refused.value)

        assert "đã bị thu hồi" in ok("logout")
        assert not token_file.exists()
        assert "Chưa đăng nhập." in ok("logout")
        after = chidao("whoami")
        assert after.exit_code == 1 and "chạy `chidao login`" in after.output


def test_serve_refuses_to_start_in_production_with_the_defaults(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIDAO_")}
    env.update(CHIDAO_ENV="production", CHIDAO_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "chidao", "serve", "issuer"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "chidao: refusing to start in production:" in done.stderr
    for variable in ("CHIDAO_LINK_SECRETS", "CHIDAO_SESSION_SECRETS", "CHIDAO_COOKIE_SECURE"):
        assert variable in done.stderr
    assert "Traceback" not in done.stderr
