"""Recalling a directive (thu hồi), in the issuer and the reporter in-process on the
test's nats-server: the leader's recall is kept with its reason and published once; a
recall needs a reason; the unit's link then says the directive was recalled, and no
report nor request for more time is taken under it; no further period is assigned."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from services.issuer.app import create_service as issuer_service
from services.issuer.handlers.periods import period_opened
from services.reporter.app import create_service as reporter_service
from shared import subjects, topology
from shared.contracts import DirectiveRecalled
from shared.settings import Settings
from shared.streams import last_event
from tests.inprocess import serving
from tests.integration.test_issuer_periods import NOW, next_timer, quarterly
from tests.support import stream_count

pytestmark = pytest.mark.integration
UNIT = "cb-snv-van-phong"  # a chi bộ of Đảng ủy Sở Nội vụ in the demo directory


@pytest.fixture
def settings(nats_server) -> Settings:
    """The clock at 10/02/2025: the quarterly directive's first period is still ahead."""
    return Settings(nats_url=nats_server.url, clock=f"sim:{NOW}@1")


@pytest.fixture
async def both(settings):
    async with AsyncExitStack() as stack:
        issuer = await stack.enter_async_context(serving(issuer_service, settings))
        reporter = await stack.enter_async_context(serving(reporter_service, settings))
        yield issuer, reporter


async def test_a_recalled_directive_takes_no_more_reports_and_says_why(both, js):
    issuer, reporter = both
    issued = await issuer.http.post("/api/directives", json=quarterly())
    assert issued.status_code == 201, issued.text
    d = issued.json()["directive_id"]
    subject = f"{subjects.ASSIGNMENT_CREATED}.{d}.{UNIT}.>"
    info = await js.stream_info(topology.ASSIGNMENTS.name, subjects_filter=subject)
    [assigned] = list(info.state.subjects or {})
    requirement = assigned.rsplit(".", 1)[1]
    links = reporter.service.deps.links  # signed as the notifier signs its mails
    token = links.token(d, UNIT, requirement, None, reporter.service.clock.now())
    assert (await reporter.http.get(f"/r/{token}")).status_code == 200

    path = f"/api/directives/{d}/recall"
    no_reason = await issuer.http.post(path, json={"reason": "  "})
    assert no_reason.status_code == 422 and "Ghi lý do thu hồi" in no_reason.json()["error"]
    recalled = await issuer.http.post(path, json={"reason": "Ban hành nhầm <đối tượng>."})
    assert recalled.status_code == 201, recalled.text
    again = await issuer.http.post(path, json={"reason": "Lý do khác"})
    assert again.status_code == 200 and again.json()["reason"] == "Ban hành nhầm <đối tượng>."
    stored = await last_event(
        js, topology.DIRECTIVES.name, subjects.directive_recalled(d), DirectiveRecalled
    )
    assert stored is not None and stored[0].recall.reason == "Ban hành nhầm <đối tượng>."
    recalls = subjects.all_of(subjects.DIRECTIVE_RECALLED)
    assert await stream_count(js, topology.DIRECTIVES.name, recalls) == 1  # once

    page = await reporter.http.get(f"/r/{token}")
    assert page.status_code == 410
    assert "Văn bản đã bị thu hồi" in page.text
    assert "Ban hành nhầm &lt;đối tượng&gt;." in page.text
    report = {"directive_id": d, "unit_id": UNIT, "requirement_id": requirement,
              "values": {"sessions": 1}}  # fmt: skip
    refused = await reporter.http.post("/api/submissions", json=report)
    assert refused.status_code == 409 and "đã thu hồi" in refused.json()["error"], refused.text
    asked = await reporter.http.post(
        f"/api/extensions/{d}/{UNIT}/{requirement}",
        json={"requested_due": "2099-12-31", "reason": "Chờ số liệu"},
    )
    assert asked.status_code == 409

    # the period timer set at issue assigns nothing once the directive is recalled
    before = await stream_count(js, topology.ASSIGNMENTS.name)
    assert await period_opened(issuer.service.deps, await next_timer(js, d)) == 0
    assert await stream_count(js, topology.ASSIGNMENTS.name) == before
    record = await issuer.http.get(f"/api/directives/{d}")
    assert record.json()["recall"]["reason"] == "Ban hành nhầm <đối tượng>."
