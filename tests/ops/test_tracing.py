"""One trace follows a directive: the issue request, the fan-out, the mail to a unit, the
unit's report and the roll-up, across the four service processes, exported over OTLP by
the standard OpenTelemetry variables to a collector."""

from __future__ import annotations

import httpx
import pytest

from chidao.runtime.stack import Stack
from tests.factories import committee_with_chi_bo, plan_for_chi_bo
from tests.ops.otlp_collector import OtlpCollector
from tests.support import OPERATOR_HEADERS, eventually, running

pytestmark = pytest.mark.e2e

COMMITTEE = "du-trace"
DIRECTIVE = plan_for_chi_bo(COMMITTEE, 7)
DIRECTIVE_ID = "7-kh-du--du-trace"


@pytest.fixture(scope="module")
def collector():
    found = OtlpCollector().start()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def stack(collector, tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("stack"),
        extra_env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # export every 0.2 s, not every 5 s
        },
    )
    with running(stack, committee_with_chi_bo(COMMITTEE, 3)):
        yield stack


async def test_one_trace_runs_from_the_issue_request_to_the_roll_up(stack, collector):
    async with httpx.AsyncClient(timeout=30, headers=OPERATOR_HEADERS) as http:
        issued = await http.post(f"{stack.url('issuer')}/api/directives", json=DIRECTIVE)
        assert issued.status_code == 201, issued.text
        await eventually(lambda: len(stack.mail.messages) == 3, what="3 assignment mails")
        submitted = await http.post(
            f"{stack.url('reporter')}/api/submissions",
            json={
                "directive_id": DIRECTIVE_ID,
                "unit_id": f"{COMMITTEE}-cb1",
                "requirement_id": "report",
                "values": {"sessions": 1},
            },
        )
        assert submitted.status_code == 201, submitted.text

    roots = await eventually(lambda: collector.find("issue directive"), what="the issue span")
    trace_id = roots[0].trace_id
    assert roots[0].service == "chidao-issuer"

    def covered() -> set[tuple[str, str]]:
        return {(s.service, s.name) for s in collector.trace(trace_id)}

    # Each process exports on its own schedule: wait until every part has arrived.
    expected = {
        ("chidao-issuer", "fan out"),
        ("chidao-notifier", "send mail"),
        ("chidao-reporter", "store report"),
        ("chidao-aggregator", "roll up report"),
    }
    try:
        await eventually(lambda: expected <= covered(), within=30, what="the whole trace")
    except AssertionError:
        raise AssertionError(f"missing from the trace: {sorted(expected - covered())}") from None

    def mailed() -> set[str]:
        spans = collector.trace(trace_id)
        return {s.attributes["chidao.unit"] for s in spans if s.name == "send mail"}

    units = {f"{COMMITTEE}-cb{i}" for i in (1, 2, 3)}
    try:
        await eventually(lambda: mailed() == units, within=30, what="a mail span per unit")
    except AssertionError:
        raise AssertionError(f"mail spans in the trace for {sorted(mailed())}") from None
