"""A directive's mail timeline and "Gửi lại đường dẫn" in the notifier, on a real
nats-server and SMTP server (the notifier in this process): a committee's directive's
assignments mailed, their mails listed with their units; a sibling committee's staff
refused; a chi bộ's staff see only their own unit's mails and may not resend; a resend
mails the unit again once per click and never twice for the same form (its nonce); a
unit the directive did not assign is refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from chidao.runtime.mailsink import MailSink
from services.notifier.app import create_service as notifier_service
from shared import subjects, topology
from shared.auth.tokens import ApiToken, new_secret, token_hash, write_token
from shared.clock import Clock
from shared.contracts import Assignment, AssignmentCreated, ReportingRequirement
from shared.directory import Directory
from shared.links import LinkError, Links, revocation_key
from shared.publishing import publish_event
from shared.settings import Settings
from tests.accounts import add_account_async
from tests.inprocess import anonymous_client, demo_units, serving
from tests.support import eventually, header, mails_of, signed_link

pytestmark = pytest.mark.integration

PARENT = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ
CHILD = "cb-snv-van-phong"  # Chi bộ Văn phòng Sở
SIBLING = "du-so-khdt-hy"  # Đảng ủy Sở Kế hoạch và Đầu tư: another branch
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # no reminder fires
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
DIRECTIVE_ID = "43-kh-du--" + PARENT
ACCOUNTS = {
    "vanthu.snv": (PARENT, "van_thu"),
    "chuyenvien.snv": (PARENT, "chuyen_vien"),
    "quantri.snv": (PARENT, "quan_tri"),  # reads, may not resend (no such role)
    "vanthu.cb": (CHILD, "van_thu"),
    "canbo.khdt": (SIBLING, "van_thu,chuyen_vien,lanh_dao,quan_tri"),
}
MAILS = f"/directives/{DIRECTIVE_ID}/mails"
RESEND = f"{MAILS}/resend"


@dataclass
class Site:
    notifier: httpx.AsyncClient  # anonymous: each call names its account
    sink: MailSink
    tokens: dict[str, dict[str, str]]
    chi_bo: list[str]  # the units the directive assigned
    js: Any  # to revoke a link as the reporter does
    broker: Any  # to publish an assignment as the issuer does

    async def get(self, who: str, path: str = MAILS, **params: str) -> httpx.Response:
        self.notifier.cookies.clear()  # a script's call: no cookie, so no CSRF check
        return await self.notifier.get(path, params=params, headers=self.tokens[who])

    async def resend(self, who: str, nonce: str, unit: str = CHILD) -> httpx.Response:
        self.notifier.cookies.clear()
        form = {"unit": unit, "requirement": "r1", "nonce": nonce}
        return await self.notifier.post(RESEND, data=form, headers=self.tokens[who])


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    with MailSink(tmp_path_factory.mktemp("mailbox")) as mail_sink:
        yield mail_sink


def _assignment(unit: str) -> AssignmentCreated:
    a = Assignment(
        directive_id=DIRECTIVE_ID,
        directive_kind="KH",
        directive_ref="43-KH/ĐU",
        directive_title="Thử thư đã gửi",
        directive_issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer="Đảng ủy Sở Nội vụ",
        unit_id=unit,
        requirement=ReportingRequirement(
            id="r1", action="báo cáo kết quả thực hiện", due_before=DUE
        ),
        assigned_at=NOW,
    )
    return AssignmentCreated(
        event_id=subjects.assignment_created_id(DIRECTIVE_ID, unit, "r1"),
        occurred_at=NOW,
        assignment=a,
    )


async def _token(js, username: str) -> dict[str, str]:
    """A personal API token, written as ``POST /api/auth/tokens`` writes one."""
    secret = new_secret()
    token = ApiToken(
        token_id=token_hash(secret)[:12],
        username=username,
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    await write_token(js, token_hash(secret), token)
    return {"Authorization": f"Bearer {secret}"}


@pytest_asyncio.fixture(scope="module")
async def site(nats_url, sink) -> AsyncIterator[Site]:
    """The notifier alone; the directive's assignments in their stream, as the issuer
    leaves them (the notifier mails them)."""
    settings = Settings(
        nats_url=nats_url, smtp_port=sink.port, smtp_rate=0, public_url="http://reporter.test"
    )
    async with AsyncExitStack() as stack:
        running = await stack.enter_async_context(serving(notifier_service, settings))
        client = await stack.enter_async_context(anonymous_client(running.service))
        tokens = {}
        for username, (unit, roles) in ACCOUNTS.items():
            await add_account_async(nats_url, username, unit, roles)
            tokens[username] = await _token(running.service.js, username)
        directory = Directory(demo_units())
        chi_bo = [c for c in directory.children(PARENT) if directory.require(c).kind == "chi_bo"]
        for unit in chi_bo:
            subject = subjects.assignment_created(DIRECTIVE_ID, unit, "r1")
            await publish_event(
                running.service.broker, subject, topology.ASSIGNMENTS.name, _assignment(unit)
            )
        await eventually(
            lambda: len(mails_of(sink, DIRECTIVE_ID, "assignment")) == len(chi_bo),
            30,
            "every chi bộ's assignment mail",
        )
        yield Site(client, sink, tokens, chi_bo, running.service.js, running.service.broker)


def _rows(page: str, table: str = "timeline") -> list[tuple[str, str]]:
    """(unit id, kind) of each row of a table of the page."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-unit="([^"]+)"(?: data-kind="([^"]+)")?', body)


def _nonce(page: str) -> str:
    found = re.search(r'name="nonce" value="([0-9a-f]{32})"', page)
    assert found, "no resend form on the page"
    return found.group(1)


def _resends(site: Site, unit: str = CHILD) -> list:
    return mails_of(site.sink, DIRECTIVE_ID, "resend", unit)


async def test_the_timeline_lists_the_assignment_mails_with_their_units(site):
    page = await site.get("chuyenvien.snv")
    assert page.status_code == 200, page.text
    rows = _rows(page.text)
    assert sorted(u for u, kind in rows if kind == "assignment") == sorted(site.chi_bo)
    assert len(site.chi_bo) == 9
    assert (
        "Chi bộ Văn phòng Sở" in page.text and "chibo.vanphong@snv.hungyen.example.org" in page.text
    )
    assert "Giao nhiệm vụ" in page.text and "Máy chủ thư đã nhận" in page.text
    assert f'href="/directives/{DIRECTIVE_ID}"' in page.text  # back to the directive's page
    # every assigned chi bộ may have its link resent by the committee's specialist
    assert sorted(u for u, _ in _rows(page.text, "assigned")) == sorted(site.chi_bo)

    one = await site.get("chuyenvien.snv", unit=CHILD)
    assert {u for u, _ in _rows(one.text)} == {CHILD}


async def test_a_sibling_committee_is_refused_and_a_chi_bo_sees_only_its_own(site):
    before = len(_resends(site))
    for answer in (
        await site.get("canbo.khdt"),
        await site.resend("canbo.khdt", "0" * 32),
    ):
        assert answer.status_code == 403, answer.text
        assert "Đảng ủy Sở Nội vụ" in answer.text  # says whose directive it is
    assert len(_resends(site)) == before

    own = await site.get("vanthu.cb")
    assert own.status_code == 200, own.text
    assert {u for u, _ in _rows(own.text)} == {CHILD}
    assert 'name="nonce"' not in own.text  # the report goes to the committee: not theirs
    refused = await site.resend("vanthu.cb", "1" * 32)
    assert refused.status_code == 403, refused.text
    assert len(_resends(site)) == before
    # outside its subtree, even as a filter
    assert (await site.get("vanthu.cb", unit=site.chi_bo[-1])).status_code == 403


async def test_a_resend_mails_the_unit_again_once_per_click(site):
    first_link = signed_link(mails_of(site.sink, DIRECTIVE_ID, "assignment", CHILD)[0])
    page = await site.get("chuyenvien.snv")
    nonce = _nonce(page.text)
    before = len(_resends(site))

    answer = await site.resend("chuyenvien.snv", nonce)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{MAILS}?resent=sent&to={CHILD}"
    assert len(_resends(site)) == before + 1
    mail = _resends(site)[-1]
    assert mail.subject.startswith("[43-KH/ĐU] Gửi lại: ")
    assert "GỬI LẠI" in mail.text() and "Đảng ủy Sở Nội vụ" in mail.text()
    assert signed_link(mail) == first_link  # the same link, again
    assert header(mail, "X-Chidao-Event") == f"resend.{DIRECTIVE_ID}.{CHILD}.r1.{nonce}"

    # the same form again (a double click, the back button): nothing more is sent
    again = await site.resend("chuyenvien.snv", nonce)
    assert again.headers["location"] == f"{MAILS}?resent=repeated&to={CHILD}"
    assert len(_resends(site)) == before + 1

    after = await site.get("chuyenvien.snv", resent="sent", to=CHILD)
    assert "Đã gửi lại thư giao nhiệm vụ" in after.text
    assert _rows(after.text)[0] == (CHILD, "resend")  # newest first

    # a new click (the page shown again has a new nonce) sends once more
    answer = await site.resend("chuyenvien.snv", _nonce(after.text))
    assert answer.headers["location"] == f"{MAILS}?resent=sent&to={CHILD}"
    assert len(_resends(site)) == before + 2
    assert len({header(m, "Message-ID") for m in _resends(site)}) == before + 2


async def test_a_resend_is_refused_for_a_unit_outside_the_directive_or_a_role_without_it(site):
    outside = await site.resend("chuyenvien.snv", "2" * 32, unit=SIBLING)
    assert outside.status_code == 404, outside.text
    assert "không được giao yêu cầu báo cáo này" in outside.text
    assert not mails_of(site.sink, DIRECTIVE_ID, "resend", SIBLING)

    no_role = await site.resend("quantri.snv", "3" * 32)
    assert no_role.status_code == 403, no_role.text
    assert "gửi lại đường dẫn báo cáo" in no_role.text

    forged = await site.resend("chuyenvien.snv", "not-a-nonce")
    assert forged.status_code == 422


async def test_an_unknown_directive_says_in_words_that_nothing_was_sent(site):
    page = await site.get("chuyenvien.snv", f"/directives/99-kh-du--{PARENT}/mails")
    assert page.status_code == 200, page.text
    assert 'id="empty-timeline"' in page.text
    assert "Chưa có thư hay lời nhắc nào được gửi cho văn bản này" in page.text


async def test_a_revoked_link_is_not_mailed_again(site):
    """Once the parent's staff revoked a unit's links (the reporter's bucket), a resend
    would mail a link that opens nothing: it is refused in words and nothing is sent."""
    unit = site.chi_bo[-1]
    assert unit != CHILD
    kv = await site.js.key_value(topology.REVOKED_LINKS.name)
    revoked = b'{"revoked_at": "2024-06-20T08:00:00+07:00", "by": "chuyenvien.snv"}'
    await kv.put(revocation_key(DIRECTIVE_ID, unit, "r1"), revoked)
    page = await site.get("chuyenvien.snv")
    answer = await site.resend("chuyenvien.snv", _nonce(page.text), unit=unit)
    assert answer.headers["location"] == f"{MAILS}?resent=revoked&to={unit}"
    assert not mails_of(site.sink, DIRECTIVE_ID, "resend", unit)
    shown = await site.get("chuyenvien.snv", resent="revoked", to=unit)
    assert "đã bị thu hồi nên không gửi lại" in shown.text


async def test_a_link_resent_after_it_expired_works_again(site):
    """A requirement due in 2024: the link its mail carried expired long ago (the unit's
    page says 410). Resent from the console, the unit gets a link that opens."""
    past, other = _assignment(CHILD), "44-kh-du--" + PARENT  # its own directive's timeline
    a = past.assignment.model_copy(
        update={
            "directive_id": other,
            "requirement": ReportingRequirement(
                id="r2", action="báo cáo sơ kết", due_before=NOW + timedelta(days=10)
            ),
        }
    )
    event_id = subjects.assignment_created_id(other, CHILD, "r2")
    event = past.model_copy(update={"assignment": a, "event_id": event_id})
    subject = subjects.assignment_created(other, CHILD, "r2")
    await publish_event(site.broker, subject, topology.ASSIGNMENTS.name, event)
    links = Links(Settings(), Clock())

    def its_mail() -> list:
        return [m for m in mails_of(site.sink, other, "assignment", CHILD) if "sơ kết" in m.text()]

    mailed = await eventually(its_mail, what="the mail of the requirement due in 2024")
    with pytest.raises(LinkError) as dead:
        links.verify(signed_link(mailed[0]).rsplit("/r/", 1)[1])
    assert dead.value.reason == "expired"

    mails = f"/directives/{other}/mails"
    page = await site.get("chuyenvien.snv", mails)
    site.notifier.cookies.clear()
    form = {"unit": CHILD, "requirement": "r2", "nonce": _nonce(page.text)}
    resend = f"{mails}/resend"
    answer = await site.notifier.post(resend, data=form, headers=site.tokens["chuyenvien.snv"])
    assert answer.headers["location"] == f"{mails}?resent=sent&to={CHILD}", answer.text
    [resent] = mails_of(site.sink, other, "resend", CHILD)
    claims = links.verify(signed_link(resent).rsplit("/r/", 1)[1])
    assert claims.requirement_id == "r2"
    assert claims.expires_at > datetime.now(UTC) + timedelta(days=29)  # the grace, from now
