"""The whole system as it runs: nats-server, the SMTP sink and the four services as
separate processes, with the demo directory loaded."""

from __future__ import annotations

import httpx
import nats
import pytest
import pytest_asyncio

from chidao.runtime.stack import Stack
from shared.directory import load_file
from tests.factories import DEMO_DIRECTORY, number_for
from tests.support import OPERATOR_HEADERS, running


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(var_dir=tmp_path_factory.mktemp("stack"))
    with running(stack, load_file(DEMO_DIRECTORY)):
        yield stack


@pytest_asyncio.fixture(loop_scope="session")
async def stack_js(stack):
    client = await nats.connect(stack.nats.url)
    yield client.jetstream()
    await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def http():
    async with httpx.AsyncClient(timeout=30, headers=OPERATOR_HEADERS) as client:
        yield client


@pytest.fixture
def number(request) -> int:
    """This test's own directive number, from its node id: a test issues its own directive
    and asserts only about it, so it passes alone and in any order."""
    return number_for(request.node.nodeid)
