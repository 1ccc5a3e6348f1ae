"""A directive recalled by its issuer (thu hồi) on the aggregator, in this process on a real
nats-server, fed the events the issuer and the reporter publish.

Đảng ủy Khối Thử (TOP) asks Đảng ủy A for a results report on P, due in three days; Đảng
ủy A implements it with D (basis P, approved by itself), sent to its two chi bộ, one of
which reported. TOP also issued R, whose recall the aggregator consumed before R's own
event (another consumer's), and Đảng ủy A implements R with E. Then D is recalled, with
a reason that carries markup. D's pages and documents say it is recalled, when, by whom
and why (the markup as text); nothing of D goes up any more, by hand or by its timer; a
recall delivered again changes nothing; E's pages say its basis was recalled; the chi
bộ's home no longer has D's deadline due this week."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import docx
import httpx
import lxml.html
import nats
import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.aggregator.adapters.directives import recall_key
from services.aggregator.app import create_service
from services.aggregator.domain.approval import AutoApproval
from services.aggregator.entrypoints.pages import NOT_SENT
from shared import subjects, topology
from shared.auth.tokens import ApiToken, new_secret, token_hash, write_token
from shared.clock import VN_TZ
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    DirectiveRecalled,
    Recall,
    ReportingRequirement,
    ReportSubmitted,
    Submission,
    SynthesisApproved,
    Unit,
)
from shared.deadletters import list_all
from shared.forms import DEFAULT_FORM, builtin
from shared.settings import Settings
from tests.accounts import add_account_async
from tests.inprocess import Running, anonymous_client, serving
from tests.support import eventually, handled_up_to

pytestmark = pytest.mark.integration

TOP, COMMITTEE = "duk-top", "du-a"
CB1, CB2 = "du-a-cb1", "du-a-cb2"
UNITS = [
    Unit(id=TOP, name="Đảng ủy Khối Thử", kind="bloc_committee"),
    Unit(id=COMMITTEE, name="Đảng ủy A", kind="grassroots_committee", parent=TOP),
    Unit(id=CB1, name="Chi bộ số 1", kind="chi_bo", parent=COMMITTEE),
    Unit(id=CB2, name="Chi bộ số 2", kind="chi_bo", parent=COMMITTEE),
]
ACCOUNTS = {
    "lanhdao.a": (COMMITTEE, "van_thu,chuyen_vien,lanh_dao"),
    "vanthu.cb2": (CB2, "van_thu"),
}
NOW = datetime.now(VN_TZ).replace(microsecond=0)
TODAY = NOW.date()
# within the home page's week, so that it is "due this week" until recalled
DUE = datetime.combine(TODAY + timedelta(days=3), datetime.min.time(), VN_TZ)
RECALLED_AT = datetime(2024, 6, 21, 9, 30, tzinfo=VN_TZ)
RECALL_DAY = "21/06/2024"
REASON = "Căn cứ ban hành không còn phù hợp <b>đậm</b> & số liệu sai"
BASIS_REASON = "Ban hành lại bằng Kế hoạch 12-KH/ĐUK"
BY = "Lê Quang Thành (lanhdao.a)"
HEADLINE = f"Văn bản đã bị thu hồi ngày {RECALL_DAY}"


def _issued(ref: str, unit: str, parents: tuple[str, ...] = (), auto: bool = False):
    requirement = ReportingRequirement(
        id="r1", action="báo cáo kết quả thực hiện", due_before=DUE, form=DEFAULT_FORM,
        auto_approve=auto,
    )  # fmt: skip
    directive = Directive(
        kind="KH", ref=ref, issued_on=TODAY, place="Hưng Yên", issuer_unit=unit,
        issuer="Đảng ủy A" if unit == COMMITTEE else "Đảng ủy Khối Thử",
        title="Triển khai đợt sinh hoạt chính trị", requirements=[requirement],
    )  # fmt: skip
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(directive.id), occurred_at=NOW,
        directive_id=directive.id, directive=directive, assignment_count=0,
        parents=list(parents), forms={DEFAULT_FORM: builtin()[DEFAULT_FORM]},
    )  # fmt: skip


P = _issued("9-KH/ĐUK", TOP)
D = _issued("101-KH/ĐU", COMMITTEE, (P.directive_id,), auto=True)
R = _issued("10-KH/ĐUK", TOP)
E = _issued("102-KH/ĐU", COMMITTEE, (R.directive_id,))


def _recall(issued: DirectiveIssued, reason: str, implementing: list[str]) -> DirectiveRecalled:
    return DirectiveRecalled(
        event_id=subjects.directive_recalled_id(issued.directive_id), occurred_at=RECALLED_AT,
        directive_id=issued.directive_id, directive=issued.directive,
        recall=Recall(reason=reason, recalled_at=RECALLED_AT, recalled_by=BY),
        implementing=implementing,
    )  # fmt: skip


async def _publish(js: JetStreamContext, stream: str, subject: str, event, msg_id: str = ""):
    data = event.model_dump_json(by_alias=True).encode()
    headers = {"Nats-Msg-Id": msg_id or event.event_id}
    return await js.publish(subject, data, stream=stream, headers=headers)


async def _issue(js: JetStreamContext, issued: DirectiveIssued, *units: str) -> None:
    await _publish(
        js, topology.DIRECTIVES.name, subjects.directive_issued(issued.directive_id), issued
    )
    d = issued.directive
    for unit in units:
        a = Assignment(
            directive_id=issued.directive_id, directive_kind=d.kind, directive_ref=d.ref,
            directive_title=d.title, directive_issued_on=d.issued_on,
            issuer_unit=d.issuer_unit, issuer=d.issuer, unit_id=unit,
            requirement=d.requirements[0], assigned_at=NOW,
        )  # fmt: skip
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(issued.directive_id, unit, "r1"),
            occurred_at=NOW,
            assignment=a,
        )
        subject = subjects.assignment_created(issued.directive_id, unit, "r1")
        await _publish(js, topology.ASSIGNMENTS.name, subject, event)


async def _report(js: JetStreamContext, directive_id: str, unit: str) -> None:
    submission = Submission(
        directive_id=directive_id, unit_id=unit, requirement_id="r1", values={"sessions": 2},
        version=1, received_at=NOW, first_received_at=NOW, due_before=DUE, on_time=True,
    )  # fmt: skip
    event = ReportSubmitted(
        event_id=subjects.report_submitted_id(directive_id, unit, "r1", 1),
        occurred_at=NOW,
        submission=submission,
    )
    subject = subjects.report_submitted(directive_id, unit, "r1")
    await _publish(js, topology.REPORTS.name, subject, event)


async def recall(js: JetStreamContext, event: DirectiveRecalled, msg_id: str = ""):
    subject = subjects.directive_recalled(event.directive_id)
    return await _publish(js, topology.DIRECTIVES.name, subject, event, msg_id)


async def _token(js: JetStreamContext, username: str) -> dict[str, str]:
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


@dataclass
class Site:
    running: Running
    js: JetStreamContext
    staff: httpx.AsyncClient  # no credential of its own: each call names its account
    tokens: dict[str, dict[str, str]]
    before: dict[str, str] = field(default_factory=dict)  # pages before D was recalled

    @property
    def http(self) -> httpx.AsyncClient:  # the operators' (the admin command line's)
        return self.running.http

    async def page(self, path: str, who: str | None = None) -> str:
        if who is None:
            answer = await self.http.get(path)
        else:
            self.staff.cookies.clear()
            answer = await self.staff.get(path, headers=self.tokens[who])
        assert answer.status_code == 200, answer.text[-2000:]
        return answer.text


async def _synthesis(site: Site, directive_id: str) -> dict:
    answer = await site.http.get(f"/api/directives/{directive_id}/synthesis")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _rolled_up(site: Site, issued: DirectiveIssued, expected: int, submitted: int) -> None:
    async def reached() -> bool:
        answer = await site.http.get(f"/api/directives/{issued.directive_id}/synthesis")
        if answer.status_code != 200:
            return False
        totals = answer.json()["requirements"][0]["totals"]
        return (totals["expected"], totals["submitted"]) == (expected, submitted)

    await eventually(reached, 30, f"{issued.directive.ref} rolled up")


async def _recalled(site: Site, directive_id: str) -> bool:
    return await site.running.service.deps.book.recall(directive_id) is not None


async def _caught_up(js: JetStreamContext, spec: topology.ConsumerSpec, seq: int) -> bool:
    return await handled_up_to(js, spec.stream, spec.durable, seq)


@pytest_asyncio.fixture(scope="module")
async def site(nats_url) -> AsyncIterator[Site]:
    settings = Settings(nats_url=nats_url)
    async with serving(create_service, settings, UNITS) as running:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        async with anonymous_client(running.service) as staff:
            tokens = {}
            for username, (unit, roles) in ACCOUNTS.items():
                await add_account_async(nats_url, username, unit, roles)
                tokens[username] = await _token(js, username)
            s = Site(running, js, staff, tokens)
            await _campaign(s)
            yield s
        await nc.close()


async def _campaign(s: Site) -> None:
    js = s.js
    await _issue(js, P, COMMITTEE)
    await _issue(js, D, CB1, CB2)
    await _report(js, D.directive_id, CB1)
    # R's recall is consumed before R is issued: kept all the same
    await recall(js, _recall(R, BASIS_REASON, [E.directive_id]))
    await eventually(lambda: _recalled(s, R.directive_id), what="R's recall kept")
    await _issue(js, R, COMMITTEE)
    await _issue(js, E, CB1)
    for d, expected, submitted in ((P, 1, 0), (D, 2, 1), (R, 1, 0), (E, 1, 0)):
        await _rolled_up(s, d, expected, submitted)
    status, synthesis = (
        f"/directives/{D.directive_id}/status",
        f"/directives/{D.directive_id}/synthesis",
    )
    s.before = {
        "home": await s.page("/", "vanthu.cb2"),
        "status": await s.page(status),
        "synthesis": await s.page(synthesis, "lanhdao.a"),
    }
    await recall(js, _recall(D, REASON, []))
    await eventually(lambda: _recalled(s, D.directive_id), what="D's recall kept")


def _tree(page: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _notice(page: str) -> str:
    """The recall notice at the top of a page; its reason's markup is text, not tags."""
    [notice] = _tree(page).xpath("//*[@id='recalled']")
    assert notice.xpath(".//b") == []
    return _text(notice)


def _approve_forms(page: str, directive_id: str) -> list:
    tree = _tree(page)
    status = tree.xpath("//form[contains(@class, 'approve')]")
    console = tree.xpath(f"//form[@action='/directives/{directive_id}/synthesis/approve']")
    return status + console


# -- the recalled directive's own pages ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "who"),
    [("/directives/{}", "lanhdao.a"), ("/directives/{}/status", None),
     ("/directives/{}/synthesis", "lanhdao.a")],
    ids=["directive", "status", "synthesis"],
)  # fmt: skip
async def test_each_page_of_a_recalled_directive_says_so_with_who_when_and_why(site, path, who):
    notice = _notice(await site.page(path.format(D.directive_id), who))
    assert HEADLINE in notice
    assert "Thu hồi lúc 09 giờ 30, ngày 21/06/2024, người thu hồi: " + BY in notice
    assert f"Lý do: {REASON}" in notice  # "<b>" shown as typed


async def test_a_directive_not_recalled_has_no_notice(site):
    for path in (f"/directives/{P.directive_id}", f"/directives/{P.directive_id}/status"):
        tree = _tree(await site.page(path))
        assert not tree.xpath("//*[@id='recalled'] | //*[contains(@class, 'basis-recalled')]")
        # (the leader's "Thu hồi văn bản" form speaks of recalling: it is not a notice)
        assert "Văn bản đã bị thu hồi" not in _text(tree.body)


async def test_the_synthesis_and_its_documents_carry_the_recall(site):
    s = await _synthesis(site, D.directive_id)
    assert s["directive"]["recalled"] == {
        "recalled_at": RECALLED_AT.isoformat(), "recalled_by": BY, "reason": REASON,
    }  # fmt: skip
    assert s["directive"]["basis_recalled"] == []
    top = f"{HEADLINE}, người thu hồi: {BY}. Lý do: {REASON}."
    md = await site.http.get(f"/api/directives/{D.directive_id}/synthesis?format=md")
    first = md.text.splitlines()[0]
    assert first == "**" + top.replace("<", "\\<").replace(">", "\\>") + "**"
    answer = await site.http.get(f"/api/directives/{D.directive_id}/synthesis?format=docx")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(answer.content)).paragraphs]
    assert paragraphs[0] == top
    # nothing recalled in a synthesis: the JSON says so, and still reads as before
    other = (await _synthesis(site, P.directive_id))["directive"]
    assert (other["recalled"], other["basis_recalled"]) == (None, [])


# -- nothing of it goes up any more -------------------------------------------------------


async def test_the_approve_buttons_are_gone(site):
    status = await site.page(f"/directives/{D.directive_id}/status")
    synthesis = await site.page(f"/directives/{D.directive_id}/synthesis", "lanhdao.a")
    assert _approve_forms(site.before["status"], D.directive_id)  # there before the recall
    assert _approve_forms(site.before["synthesis"], D.directive_id)
    assert _approve_forms(status, D.directive_id) == []
    assert _approve_forms(synthesis, D.directive_id) == []


async def test_approving_a_recalled_directive_is_refused_in_plain_words(site):
    api = await site.http.post(f"/api/directives/{D.directive_id}/synthesis/approve")
    assert api.status_code == 409
    assert api.json() == {
        "error": f"Văn bản đã bị thu hồi ngày {RECALL_DAY}: không còn yêu cầu báo cáo theo "
        "văn bản này, nên không duyệt, gửi báo cáo tổng hợp của văn bản lên cấp trên.",
        "reason": "recalled",
    }
    page = await site.http.post(f"/directives/{D.directive_id}/status", data={"requirement": "r1"})
    assert page.status_code == 409 and NOT_SENT["recalled"] in page.text
    console = await site.http.post(f"/directives/{D.directive_id}/synthesis/approve")
    assert console.status_code == 409 and NOT_SENT["recalled"] in console.text
    assert await _approval(site.js, D.directive_id) is None


async def test_its_automatic_approval_does_nothing_when_its_timer_fires(site):
    timer = AutoApproval(directive_id=D.directive_id, requirement_id="r1", at=DUE)
    subject = subjects.fired("aggregator", "approve", D.directive_id, "r1")
    ack = await site.js.publish(
        subject, timer.model_dump_json().encode(), stream=topology.TIMERS.name
    )
    await eventually(lambda: _caught_up(site.js, topology.AGGREGATOR_TIMERS, ack.seq), 20, "timer")
    assert await _approval(site.js, D.directive_id) is None
    assert await list_all(site.js) == []  # skipped, not refused


async def _approval(js: JetStreamContext, directive_id: str) -> SynthesisApproved | None:
    subject = subjects.synthesis_approved(directive_id, COMMITTEE, "r1")
    try:
        msg = await js.get_last_msg(topology.SYNTHESIS.name, subject)
    except NotFoundError:
        return None
    return SynthesisApproved.model_validate_json(msg.data)


# -- kept once ------------------------------------------------------------------------------


async def test_a_recall_delivered_again_changes_nothing(site):
    kv = await site.js.key_value(topology.AGGREGATOR_DIRECTIVES_BUCKET.name)
    entry = await kv.get(recall_key(D.directive_id))
    page = _notice(await site.page(f"/directives/{D.directive_id}"))
    # as a redelivery: the same event again (another message id, or JetStream drops it)
    ack = await recall(site.js, _recall(D, REASON, []), msg_id="again")
    await eventually(lambda: _caught_up(site.js, topology.AGGREGATOR_RECALLS, ack.seq), 20, "it")
    again = await kv.get(recall_key(D.directive_id))
    assert (again.revision, again.value) == (entry.revision, entry.value)
    assert _notice(await site.page(f"/directives/{D.directive_id}")) == page
    # the recalls are not directives
    assert sorted(await site.running.service.deps.book.ids()) == sorted(
        d.directive_id for d in (P, D, R, E)
    )


async def test_a_recall_consumed_before_the_directive_is_shown_once_it_is(site):
    notice = _notice(await site.page(f"/directives/{R.directive_id}"))
    assert HEADLINE in notice and BASIS_REASON in notice


# -- what implements a recalled directive ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "who"),
    [("/directives/{}", "lanhdao.a"), ("/directives/{}/status", None),
     ("/directives/{}/synthesis", "lanhdao.a")],
    ids=["directive", "status", "synthesis"],
)  # fmt: skip
async def test_a_directive_implementing_a_recalled_one_says_its_basis_was_recalled(site, path, who):
    basis = (
        f"Văn bản căn cứ (Kế hoạch số 10-KH/ĐUK) đã bị thu hồi ngày {RECALL_DAY}: lý do "
        f"{BASIS_REASON}; đề nghị xem xét điều chỉnh."
    )
    tree = _tree(await site.page(path.format(E.directive_id), who))
    assert [_text(p) for p in tree.xpath("//*[contains(@class, 'basis-recalled')]")] == [basis]
    assert not tree.xpath("//*[@id='recalled']")  # E itself stands
    # D implements P, which stands: nothing said
    d = _tree(await site.page(path.format(D.directive_id), who))
    assert not d.xpath("//*[contains(@class, 'basis-recalled')]")
    s = await _synthesis(site, E.directive_id)
    assert [b["directive_id"] for b in s["directive"]["basis_recalled"]] == [R.directive_id]


# -- the home page ---------------------------------------------------------------------------


def _week(page: str) -> list[str]:
    """The directives under "Hạn trong tuần này"."""
    return [_text(a) for a in _tree(page).xpath("//section[@aria-labelledby='week']//li/a")]


def _card(page: str, section: str, document: str) -> str:
    tree = _tree(page)
    [card] = tree.xpath(f"//section[@aria-labelledby='{section}']/article[.//h3/a='{document}']")
    return _text(card)


async def test_the_home_page_no_longer_counts_a_recalled_deadline_as_due(site):
    assert _week(site.before["home"]) == ["Kế hoạch số 101-KH/ĐU"]  # before: due in 3 days
    home = await site.page("/", "vanthu.cb2")
    assert _week(home) == []
    card = _card(home, "assigned", "Kế hoạch số 101-KH/ĐU")
    assert HEADLINE in card and "Không phải báo cáo: văn bản đã bị thu hồi" in card
    assert "Quá hạn" not in card and "Chưa đến hạn" not in card and "Lập báo cáo" not in card


async def test_the_committee_s_home_marks_what_was_recalled(site):
    home = await site.page("/", "lanhdao.a")
    # from above: P is due this week, R was recalled before it was even listed
    assert _week(home) == ["Kế hoạch số 9-KH/ĐUK"]
    assert HEADLINE in _card(home, "assigned", "Kế hoạch số 10-KH/ĐUK")
    assert HEADLINE not in _card(home, "assigned", "Kế hoạch số 9-KH/ĐUK")
    # its own: D recalled, E implements what was recalled
    mine = _card(home, "issued", "Kế hoạch số 101-KH/ĐU")
    assert HEADLINE in mine and "Hạn tiếp theo: Không phải báo cáo" in mine
    e = _card(home, "issued", "Kế hoạch số 102-KH/ĐU")
    assert f"Văn bản căn cứ (Kế hoạch số 10-KH/ĐUK) đã bị thu hồi ngày {RECALL_DAY}" in e
    assert HEADLINE not in e


async def test_a_synthesis_answering_a_recalled_directive_is_not_sent_up(site):
    """E implements R, which its issuer recalled: nothing is asked under R any more, so
    E's synthesis has nothing to go up to; said in words, not the plain "no target"."""
    api = await site.http.post(f"/api/directives/{E.directive_id}/synthesis/approve")
    assert api.status_code == 409, api.text
    assert api.json()["reason"] == "parent_recalled"
    assert "Kế hoạch số 10-KH/ĐUK" in api.json()["error"]
    page = await site.http.post(f"/directives/{E.directive_id}/status", data={"requirement": "r1"})
    assert page.status_code == 409 and NOT_SENT["parent_recalled"] in page.text
