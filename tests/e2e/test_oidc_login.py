"""Signing in with OpenID Connect against a real, certified OpenID provider (panva's
``oidc-provider``, run by Node from tests/e2e/oidc_provider/), with the issuer service
as a process and a real headless Chromium: chidao sends the browser to the provider,
the person types a login and a password on the provider's own form and consents, and is
back on chidao signed in, with the unit and role the provider's claims gave. Also: an
account bound to a local one by its subject, one known to no one (403), a sign-in the
person cancels and a forged state (400, never a 500). Screenshots in var/screenshots/.

Needs node and the provider's packages (``npm ci --no-audit --no-fund`` in
tests/e2e/oidc_provider; .ci/run does it), else it skips saying so."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import nats
import pytest

from chidao.runtime.ports import free_port
from chidao.runtime.stack import Stack
from shared.auth.accounts import Account, write_account
from shared.auth.roles import Role
from shared.directory import load_file
from tests.e2e.browser import browser, screenshot
from tests.factories import DEMO_DIRECTORY
from tests.support import running, wait_for

pytestmark = pytest.mark.e2e

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "chidao-test"
CLIENT_SECRET = "chidao-test-client-secret-not-for-production"
UNIT = "du-so-noi-vu-hy"  # the unit the provider's claims give chuyenvien.ubkt
# a chidao account the provider knows as subject "lanhdao.local" and names no unit for
LOCAL = Account(
    username="lanhdao.snv",
    display_name="Trần Văn Lãnh Đạo",
    unit_id="lanh-dao-snv-hy",
    roles=frozenset({Role.LANH_DAO}),
    oidc_subject="lanhdao.local",
)
WAIT = 20.0


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node here: the OpenID provider of this test runs on Node.js 20+")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(
            "the OpenID provider's packages are not installed: run "
            "`npm ci --no-audit --no-fund` in tests/e2e/oidc_provider (.ci/run does)"
        )
    return node


def _discovery_answers(issuer: str) -> bool:
    try:
        response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("issuer") == issuer


@pytest.fixture(scope="module")
def chidao_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def issuer(tmp_path_factory, chidao_port) -> Iterator[str]:
    """The provider, as a child process; its issuer URL once it answers."""
    node = _node()
    port = free_port()
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"http://127.0.0.1:{chidao_port}/auth/oidc/callback",
        "OIDC_UNIT": UNIT,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, "provider.mjs", str(port)],
            cwd=PROVIDER_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: process.poll() is not None or _discovery_answers(url),
            timeout=30,
            what="the OpenID provider's discovery document",
        )
        assert process.poll() is None, f"the provider exited:\n{log_path.read_text()}"
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _add_account(nats_url: str, account: Account) -> None:
    client = await nats.connect(nats_url)
    try:
        await write_account(client.jetstream(), account)
    finally:
        await client.close()


@pytest.fixture(scope="module")
def chidao(tmp_path_factory, issuer, chidao_port) -> Iterator[str]:
    """The issuer service, signing in through the provider; its URL."""
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("stack"),
        services=("issuer",),
        http_ports={"issuer": chidao_port},
        extra_env={
            "CHIDAO_OIDC_ISSUER": issuer,
            "CHIDAO_OIDC_CLIENT_ID": CLIENT_ID,
            "CHIDAO_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "CHIDAO_OIDC_REDIRECT_URL": f"http://127.0.0.1:{chidao_port}/auth/oidc/callback",
        },
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        asyncio.run(_add_account(stack.admin_nats_url, LOCAL))
        yield stack.url("issuer")


@pytest.fixture
def driver(tmp_path):
    """A browser of its own for each test: no session, at chidao or the provider."""
    chrome = browser(tmp_path / "chromium")
    yield chrome
    chrome.quit()


def _until(driver, condition, what: str):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.wait import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        screenshot(driver, "oidc-timed-out")
        raise AssertionError(f"timed out waiting for {what}; at {driver.current_url}") from None


def _present(css: str):
    def found(driver):
        return driver.find_elements("css selector", css)

    return found


def _at(prefix: str):
    return lambda driver: driver.current_url.startswith(prefix)


def _on_page(url: str):
    """At exactly this address (its query aside)."""
    return lambda driver: driver.current_url.split("?")[0] == url


def _sign_in(driver, chidao: str, issuer: str, login: str, name: str, next: str = "") -> None:
    """From chidao's /login/oidc through the provider's form and consent, back to chidao."""
    driver.get(f"{chidao}/login/oidc" + (f"?next={quote(next)}" if next else ""))
    _until(driver, _present("input[name=login]"), "the provider's login form")
    assert driver.current_url.startswith(issuer), driver.current_url
    driver.find_element("name", "login").send_keys(login)
    driver.find_element("name", "password").send_keys("mật khẩu bất kỳ")
    screenshot(driver, f"{name}-1-provider-login")
    driver.find_element("css selector", "button[type=submit]").click()
    # the provider asks for consent the first time; chidao may answer at once after it
    consent = "input[name=prompt][value=consent]"
    _until(
        driver,
        lambda d: _at(chidao)(d) or _present(consent)(d),
        "the provider's consent page or chidao",
    )
    if not _at(chidao)(driver):
        screenshot(driver, f"{name}-2-provider-consent")
        driver.find_element("css selector", "button[type=submit]").click()
        _until(driver, _at(chidao), "the browser back on chidao")


def _me(driver, chidao: str) -> dict:
    driver.get(f"{chidao}/api/me")
    # Chromium shows a JSON answer in a <pre>
    return json.loads(_until(driver, _present("pre"), "/api/me's answer")[0].text)


def test_the_provider_s_claims_give_the_unit_and_the_role(driver, chidao, issuer):
    _sign_in(driver, chidao, issuer, "chuyenvien.ubkt", "oidc-claims")
    _until(driver, _on_page(f"{chidao}/login"), "chidao's sign-in page (no next given)")
    screenshot(driver, "oidc-claims-3-signed-in")

    session = driver.get_cookie("chidao_session")
    assert session is not None, "no session cookie after the sign-in"
    assert session["httpOnly"] is True
    assert driver.get_cookie("chidao_oidc") is None, "the sign-in's own cookie stayed"

    me = _me(driver, chidao)
    screenshot(driver, "oidc-claims-4-api-me")
    assert me["unit_id"] == UNIT
    assert me["roles"] == ["chuyen_vien"]
    assert me["via"] == "oidc"
    assert me["username"] == "chuyenvien.ubkt"
    assert me["display_name"] == "Nguyễn Thị Chuyên Viên"


def test_an_account_bound_by_its_subject_signs_in_as_the_local_account(driver, chidao, issuer):
    # and a `next` that leaves the site is not followed
    _sign_in(driver, chidao, issuer, "lanhdao.local", "oidc-local", next="//evil.example/x")
    _until(driver, _on_page(f"{chidao}/login"), "chidao's sign-in page, not the other site")
    me = _me(driver, chidao)
    assert me["username"] == LOCAL.username
    assert me["unit_id"] == LOCAL.unit_id
    assert me["roles"] == ["lanh_dao"]
    assert me["via"] == "oidc"


def test_next_is_where_the_browser_goes_after_signing_in(driver, chidao, issuer):
    _sign_in(driver, chidao, issuer, "chuyenvien.ubkt", "oidc-next", next="/api/me")
    _until(driver, _on_page(f"{chidao}/api/me"), "the page named by next")
    assert json.loads(driver.find_element("tag name", "pre").text)["unit_id"] == UNIT


def test_an_account_chidao_does_not_know_is_refused_in_vietnamese(driver, chidao, issuer):
    _sign_in(driver, chidao, issuer, "nguoila", "oidc-unknown")
    text = _until(driver, _present("body"), "chidao's answer")[0].text
    screenshot(driver, "oidc-unknown-3-refused")
    assert "Tài khoản nguoila chưa được cấp quyền trong chidao; đề nghị liên hệ quản trị." in text
    assert driver.get_cookie("chidao_session") is None


def test_a_sign_in_cancelled_at_the_provider_is_a_400_page(driver, chidao, issuer):
    driver.get(f"{chidao}/login/oidc")
    _until(driver, _present("input[name=login]"), "the provider's login form")
    driver.find_element("link text", "[ Cancel ]").click()
    _until(driver, _on_page(f"{chidao}/auth/oidc/callback"), "chidao's callback")
    text = driver.find_element("tag name", "body").text
    screenshot(driver, "oidc-cancelled")
    assert "Đăng nhập qua hệ thống định danh không thành công" in text
    assert "đã bị từ chối hoặc hủy" in text
    assert driver.get_cookie("chidao_session") is None


def test_a_forged_state_is_a_400_not_a_500(chidao, issuer):
    with httpx.Client(base_url=chidao, timeout=10) as client:
        # no sign-in started in this client at all
        bare = client.get("/auth/oidc/callback", params={"code": "abc", "state": "forged"})
        assert bare.status_code == 400, bare.text
        assert "phiên đăng nhập đã hết hạn hoặc không hợp lệ" in bare.text
        # one started, and a state that is not its own
        started = client.get("/login/oidc")
        assert started.status_code == 302
        assert started.headers["location"].startswith(f"{issuer}/auth?")
        assert "code_challenge_method=S256" in started.headers["location"]
        assert "chidao_oidc" in client.cookies
        forged = client.get("/auth/oidc/callback", params={"code": "abc", "state": "forged"})
        assert forged.status_code == 400, forged.text
        assert "chidao_session" not in client.cookies
        # the provider's own error, as a callback receives it
        denied = client.get("/auth/oidc/callback", params={"error": "access_denied"})
        assert denied.status_code == 400, denied.text
