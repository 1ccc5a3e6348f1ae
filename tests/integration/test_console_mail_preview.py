"""The draft page shows the mails issuing would send, as the notifier writes them: the
issuer asks the notifier over NATS (request and reply), each running in this process on
a real nats-server with a real SMTP sink. After issuing, the mail a unit receives is the
one previewed, but for its own signed link."""

from __future__ import annotations

import html
import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from chidao.runtime.mailsink import MailSink
from services.issuer.app import create_service as issuer_service
from services.notifier.app import create_service as notifier_service
from shared.directory import Directory
from shared.settings import Settings
from tests.accounts import signed_in_accounts
from tests.inprocess import anonymous_client, demo_units, serving
from tests.support import eventually

pytestmark = pytest.mark.integration

SEED = Path(__file__).parents[2] / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
UNIT = "du-so-noi-vu-hy"
ACCOUNTS = {"vanthu.snv": (UNIT, "van_thu")}
PLACEHOLDER = "http://reporter.test/r/(mã-riêng-của-đơn-vị)"
MAIL = re.compile(
    r'<details class="mail">\s*<summary>Thư gửi (?P<unit>[^<]+) <span class="kind">'
    r"\((?P<kind>được giao báo cáo|nhận văn bản)\)</span></summary>\s*"
    r"<p><strong>Tiêu đề:</strong> (?P<subject>[^<]+)</p>\s*"
    r'<pre class="mail-text" tabindex="0">(?P<text>.*?)</pre>',
    re.S,
)


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    with MailSink(tmp_path_factory.mktemp("mailbox")) as mail_sink:
        yield mail_sink


@pytest_asyncio.fixture(scope="module")
async def site(nats_url, sink):
    settings = Settings(
        nats_url=nats_url, smtp_port=sink.port, smtp_rate=0, public_url="http://reporter.test"
    )
    async with AsyncExitStack() as stack:
        issuer = await stack.enter_async_context(serving(issuer_service, settings))
        await stack.enter_async_context(serving(notifier_service, settings))
        client = await stack.enter_async_context(anonymous_client(issuer.service))
        tokens = await signed_in_accounts(nats_url, client, ACCOUNTS)
        yield client, tokens["vanthu.snv"]


def _previewed(page: str) -> list[dict[str, str]]:
    return [{k: html.unescape(v) for k, v in m.groupdict().items()} for m in MAIL.finditer(page)]


async def _draft(client: httpx.AsyncClient, token: dict[str, str]) -> tuple[str, str]:
    client.cookies.clear()
    upload = {"file": ("003.txt", SEED.read_bytes())}
    uploaded = await client.post("/issue", files=upload, headers=token)
    assert uploaded.status_code == 303, uploaded.text
    draft = uploaded.headers["location"]
    # the seed's deadline (10/12/2024) is past: moved, as a clerk would before issuing
    first = (await client.get(draft, headers=token)).text
    form = {"revision": _revision(first), "requirement-0-due": "2099-12-10"}
    saved = await client.post(draft, data=form, headers=token)
    assert saved.status_code == 303, saved.text
    shown = await client.get(draft, headers=token)
    assert shown.status_code == 200, shown.text
    return draft, shown.text


def _revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, "the draft form carries its revision"
    return found.group(1)


async def test_the_draft_shows_each_kind_of_recipients_mail_as_the_notifier_writes_it(site):
    client, token = site
    _, page = await _draft(client, token)
    mails = _previewed(page)
    kinds = {m["kind"] for m in mails}
    assert kinds == {"được giao báo cáo", "nhận văn bản"}, mails
    names = {u.name for u in demo_units()}
    for mail in mails:
        assert mail["unit"] in names, mail
        assert mail["subject"].startswith("[101-KH/ĐU] "), mail
        assert mail["unit"] in mail["text"], mail  # the mail greets the unit by name
    asked = next(m for m in mails if m["kind"] == "được giao báo cáo")
    assert PLACEHOLDER in asked["text"]  # where each unit's own link will be
    # what the unit's form will ask for, so that it can prepare
    assert "sẽ hỏi (chuẩn bị trước số liệu):" in asked["text"]
    assert "  - Số buổi sinh hoạt" in asked["text"], asked["text"]
    assert "Chưa xem được thư mẫu" not in page


async def test_the_mail_a_unit_receives_is_the_one_previewed_but_for_its_link(site, sink):
    client, token = site
    draft, page = await _draft(client, token)
    asked = next(m for m in _previewed(page) if m["kind"] == "được giao báo cáo")
    unit = next(u for u in demo_units() if u.name == asked["unit"])
    before = len(sink.to(unit.emails[0]))
    form = {"revision": _revision(page)}
    client.cookies.clear()
    issued = await client.post(f"{draft}/issue", data=form, headers=token)
    assert issued.status_code == 303, issued.text
    received = await eventually(
        lambda: [m for m in sink.to(unit.emails[0])[before:] if m.subject == asked["subject"]],
        what=f"the assignment mail at {unit.emails[0]}",
    )
    text = received[0].text()
    link = re.search(r"http://reporter\.test/r/[A-Za-z0-9_.\-]+", text)
    assert link, text
    assert text.replace(link.group(0), PLACEHOLDER).rstrip() == asked["text"].rstrip()
    assert Directory(demo_units()).name(unit.id) == asked["unit"]
