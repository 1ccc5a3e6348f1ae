"""Helpers for tests: wait on a condition with a deadline, never sleep and hope."""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nats.js import JetStreamContext

# The operators' token every service started by the tests accepts (tests/conftest.py).
OPERATOR_TOKEN = "chidao-tests-operator-token-0123456789abcdef"
OPERATOR_HEADERS = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.05)


async def eventually(
    condition: Callable[[], Any | Awaitable[Any]], within: float = 20.0, what: str = "condition"
) -> Any:
    """Poll ``condition`` (sync or async) until it is truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(0.05)


async def consumer_caught_up(js: JetStreamContext, stream: str, durable: str) -> bool:
    """True once a durable consumer has acknowledged everything in its stream."""
    info = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.num_redelivered == 0


async def handled_up_to(js: JetStreamContext, stream: str, durable: str, seq: int) -> bool:
    """True once a durable consumer was delivered the stream up to sequence ``seq`` (a
    message just published may not count as pending yet) and acknowledged it all."""
    info = await js.consumer_info(stream, durable)
    return info.delivered.stream_seq >= seq and await consumer_caught_up(js, stream, durable)


async def stream_count(js: JetStreamContext, stream: str, subject: str | None = None) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    if subject is None:
        return info.state.messages
    return sum((info.state.subjects or {}).values())


async def metric(http, stack, service: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples that carry ``labels``, scraped from a service."""
    text = (await http.get(f"{stack.url(service)}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        named = line.startswith(name + "{") or line.startswith(name + " ")
        if named and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def notifier_finished(js: JetStreamContext, within: float = 20.0) -> None:
    """Wait until the notifier has acknowledged every assignment event (so that a repeated
    mail, were there one, would have arrived)."""
    from shared import topology

    await eventually(
        lambda: consumer_caught_up(
            js, topology.ASSIGNMENTS.name, topology.NOTIFIER_ASSIGNMENTS.durable
        ),
        within=within,
        what="the notifier to finish",
    )


def header(mail, name: str) -> str:
    """A header of a received mail as plain text ("" when absent)."""
    return str(mail.message[name] or "").strip()


def mails_of(sink, directive_id: str, template: str | None = None, unit: str | None = None) -> list:
    """The mails ``sink`` (a chidao.runtime.mailsink.MailSink) received for one directive
    (its id is a token of the mail's X-Chidao-Event), of ``template`` and to ``unit`` if
    given: what a test sent, whatever other tests sent to the same sink."""
    return [
        m
        for m in list(sink.messages)
        if directive_id in header(m, "X-Chidao-Event").split(".")
        and (template is None or header(m, "X-Chidao-Template") == template)
        and (unit is None or header(m, "X-Chidao-Unit") == unit)
    ]


def delivered(sink, directive_id: str) -> Counter:
    """How many times each (event, unit) mail of a directive arrived."""
    return Counter(
        (header(m, "X-Chidao-Event"), header(m, "X-Chidao-Unit"))
        for m in mails_of(sink, directive_id)
    )


def signed_link(mail) -> str:
    """The unit's signed link (``.../r/<token>``) in a mail."""
    found = re.search(r"http://\S+/r/\S+", mail.text())
    assert found, f"no signed link in {mail.subject!r}"
    return found.group(0)


def assignment_link(sink, directive_id: str, unit: str, timeout: float = 20.0) -> str:
    """The signed link in ``unit``'s assignment mail for a directive, once it arrives."""
    mail = wait_for(
        lambda: next(iter(mails_of(sink, directive_id, "assignment", unit)), None),
        timeout,
        f"{unit}'s assignment mail",
    )
    return signed_link(mail)


@contextmanager
def running(stack, units) -> Iterator[Any]:
    """``stack`` (a chidao.runtime.stack.Stack) started with ``units`` in its directory;
    stopped, whatever happens."""
    from chidao.runtime.admin import store_directory

    try:
        stack.start_infrastructure()
        asyncio.run(store_directory(stack.admin_nats_url, units, stack.js_replicas))
        stack.start(ready_timeout=90)
        yield stack
    finally:
        stack.stop()


class _AsOperator:
    """``httpx.get/post/request`` with the operators' token: a test's calls to the staff
    routes as the admin command line makes them. No cookies are kept (as httpx's
    functions keep none), so a form posted after a page is checked as a browser's is."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        import httpx

        headers = {**OPERATOR_HEADERS, **(kwargs.pop("headers", None) or {})}
        return httpx.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)


as_operator = _AsOperator()
