"""No secret in any log line of a campaign: the four services run at DEBUG against a
nats-server that wants a password, a directive is issued, every unit's signed link is
opened, reports are sent through the form and the API, a tampered link is tried; then
every line every process wrote is searched for the NATS password, the link secret and
each link's token."""

from __future__ import annotations

import secrets

import httpx
import pytest

from chidao.runtime.nats_server import NatsServer
from chidao.runtime.stack import Stack
from shared.directory import load_file
from tests.factories import DEMO_DIRECTORY, directive_to_chi_bo, numbered
from tests.support import OPERATOR_HEADERS, as_operator, mails_of, running, signed_link, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-khdt-hy"
DIRECTIVE = directive_to_chi_bo(
    PARENT,
    "Đảng ủy Sở Kế hoạch và Đầu tư",
    "78-KH/ĐU",
    "Thử nhật ký không lộ bí mật",
    place="Hưng Yên",
)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """The stack on a password-protected nats-server, with its own link secret."""
    var = tmp_path_factory.mktemp("secrets")
    password = "nats-" + secrets.token_urlsafe(18)
    link_secret = secrets.token_urlsafe(40)
    with NatsServer(var / "jetstream", extra_args=("--user", "chidao", "--pass", password)) as ns:
        url = f"nats://chidao:{password}@127.0.0.1:{ns.port}"
        env = {"CHIDAO_LINK_SECRETS": link_secret, "CHIDAO_LOG_LEVEL": "DEBUG"}
        stack = Stack(var_dir=var, nats_url=url, extra_env=env)
        with running(stack, load_file(DEMO_DIRECTORY)):
            yield stack, password, link_secret


def test_no_log_line_holds_a_password_a_link_secret_or_a_token(secured, number):
    stack, password, link_secret = secured
    reporter = stack.url("reporter")
    directive, directive_id = numbered(DIRECTIVE, number)
    issued = as_operator.post(f"{stack.url('issuer')}/api/directives", json=directive, timeout=30)
    assert issued.status_code == 201, issued.text
    expected = issued.json()["assignments"]
    assert expected >= 2

    def assignment_mails():
        found = mails_of(stack.mail, directive_id, "assignment")
        return found if len(found) == expected else None

    mails = wait_for(assignment_mails, 60, "the assignment mails")
    links = [signed_link(m) for m in mails]
    tokens = [link.rsplit("/r/", 1)[1] for link in links]
    with httpx.Client(timeout=30, headers=OPERATOR_HEADERS) as http:
        for link in links:
            assert http.get(link).status_code == 200
        # one report through the form, one through the API, one tampered link
        posted = http.post(links[0], data={"sessions": "2", "participants": "40"})
        assert posted.status_code == 201, posted.text
        unit = mails[1].message["X-Chidao-Unit"]
        sent = http.post(
            f"{reporter}/api/submissions",
            json={"directive_id": directive_id, "unit_id": unit, "requirement_id": "r1",
                  "values": {"sessions": 1}},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        assert http.get(links[0][:-3] + "xyz").status_code == 403
    stack.stop()  # every process flushes and closes its log

    logs = sorted((stack.var_dir / "logs").glob("*.log"))
    assert {p.stem for p in logs} >= {"issuer", "notifier", "reporter", "aggregator"}
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    # the lines this test is about were written, masked
    assert text.count("/r/*** HTTP/1.1") >= len(links) + 2
    for name, secret in [("NATS password", password), ("link secret", link_secret)]:
        assert secret not in text, f"the {name} is in a log line"
    leaked = [t for t in tokens if t in text or t[:20] in text]
    assert not leaked, f"{len(leaked)} of {len(tokens)} link tokens are in the logs"
