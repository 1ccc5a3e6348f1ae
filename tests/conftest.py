"""Fixtures: a real nats-server with JetStream per test (file store in tmp_path) and a real
SMTP server (aiosmtpd) that keeps what it receives.

Every service the tests start (in this process, or as a child by chidao.runtime.stack)
accepts the operators' token ``tests.support.OPERATOR_TOKEN``, and the tests' HTTP clients
send it, so that a test about something else reaches the staff routes as the admin
command line does; the tests about accounts, roles and scopes use their own clients."""

from __future__ import annotations

import os

import nats
import pytest
import pytest_asyncio

from chidao.runtime.mailsink import MailSink
from chidao.runtime.nats_server import NatsServer
from shared import compat
from shared.settings import Settings
from tests.support import OPERATOR_TOKEN


def pytest_configure(config):
    os.environ.setdefault("CHIDAO_OPERATOR_TOKEN", OPERATOR_TOKEN)
    # What `chidao serve` does for its process (shared.process), minus the log format:
    # the in-process services' pull subscribers need the nats-py fix.
    compat.install()


@pytest.fixture
def nats_server(tmp_path):
    with NatsServer(tmp_path / "jetstream") as server:
        yield server


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory, request):
    """A nats-server shared by one test module's tests, for the modules that serve a
    whole site once (their module-scoped ``site`` fixtures)."""
    name = request.module.__name__.rpartition(".")[2]
    with NatsServer(tmp_path_factory.mktemp(name) / "jetstream") as server:
        yield server.url


@pytest_asyncio.fixture(loop_scope="session")
async def nc(nats_server):
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


@pytest.fixture
def js(nc):
    return nc.jetstream()


@pytest.fixture
def settings(nats_server) -> Settings:
    return Settings(nats_url=nats_server.url)


@pytest.fixture
def mail_sink(tmp_path):
    with MailSink(tmp_path / "mail") as sink:
        yield sink
