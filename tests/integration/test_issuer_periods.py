"""A recurring requirement's periods in the issuer, on the test's nats-server: issuing
assigns the period still ahead and sets a durable timer for the next; the timer, handled
(twice, as a redelivery would), assigns the next period once, under its own requirement
id, and sets the one after; past its end it assigns nothing more."""

from __future__ import annotations

import json

import pytest

from services.issuer.app import create_service
from services.issuer.handlers.periods import PeriodTimer, period_opened
from shared import subjects, topology
from shared.contracts import AssignmentCreated, ReportingRequirement
from shared.periods import periods
from shared.settings import Settings
from shared.streams import last_event
from tests.inprocess import serving
from tests.integration.test_issuer_handlers import CHI_BO, SEEDS, directive
from tests.support import stream_count

pytestmark = pytest.mark.integration
NOW = "2025-02-10T09:00:00+07:00"


@pytest.fixture
def settings(nats_server) -> Settings:
    return Settings(nats_url=nats_server.url, clock=f"sim:{NOW}@1")


def quarterly(**more) -> dict:
    body = directive(ref="12-KH/ĐU", title="Báo cáo hằng quý")
    body["requirements"] = [
        {
            "id": "r1",
            "action": "báo cáo kết quả thực hiện",
            "due_before": "2025-03-20T00:00:00+07:00",
            "recurrence": "quarterly",
            "until": "2025-10-01T00:00:00+07:00",  # Q1 to Q3
            **more,
        }
    ]
    return body


async def next_timer(js, directive_id: str) -> PeriodTimer:
    return await next_timer_of(js, directive_id, "r1")


async def next_timer_of(js, directive_id: str, requirement: str) -> PeriodTimer:
    subject = subjects.timer("issuer", "period", directive_id, requirement)
    message = await js.get_last_msg(topology.TIMERS.name, subject)
    return PeriodTimer.model_validate(json.loads(message.data))


async def test_each_period_is_assigned_once_when_the_one_before_is_due(settings, js):
    async with serving(create_service, settings) as issuer:
        issued = await issuer.http.post("/api/directives", json=quarterly())
        assert issued.status_code == 201, issued.text
        d = issued.json()["directive_id"]
        q1 = f"{subjects.ASSIGNMENT_CREATED}.{d}.*.r1--2025-q1"
        assert await stream_count(js, topology.ASSIGNMENTS.name, q1) == CHI_BO
        timer = await next_timer(js, d)
        assert (timer.index, timer.at.isoformat()) == (1, "2025-03-20T00:00:00+07:00")

        deps = issuer.service.deps
        assert await period_opened(deps, timer) == CHI_BO
        assert await period_opened(deps, timer) == 0  # redelivered: nothing twice
        q2 = f"{subjects.ASSIGNMENT_CREATED}.{d}.*.r1--2025-q2"
        assert await stream_count(js, topology.ASSIGNMENTS.name, q2) == CHI_BO
        unit = issuer.service.directory.children("du-so-noi-vu-hy")[0]
        found = await last_event(
            js,
            topology.ASSIGNMENTS.name,
            subjects.assignment_created(d, unit, "r1--2025-q2"),
            AssignmentCreated,
        )
        assert found is not None
        a = found[0].assignment
        assert (a.requirement.period, a.requirement.period_of) == ("Quý II/2025", "r1")
        assert a.requirement.due_before.isoformat() == "2025-06-20T00:00:00+07:00"
        assert a.assigned_at == timer.at  # the period opened when Q1 was due

        third = await next_timer(js, d)
        assert third.index == 2
        await period_opened(deps, third)
        last = await next_timer(js, d)
        assert last.index == 2  # Q3 is the last: no timer for Q4
        assert await period_opened(deps, PeriodTimer(**{**third.model_dump(), "index": 3})) == 0
        assert await stream_count(js, topology.ASSIGNMENTS.name) == 3 * CHI_BO


async def test_issuing_past_a_period_assigns_the_one_still_ahead(settings, js):
    body = quarterly(due_before="2024-12-20T00:00:00+07:00", until=None)
    async with serving(create_service, settings) as issuer:
        issued = await issuer.http.post("/api/directives", json=body)
        assert issued.status_code == 201, issued.text
        d = issued.json()["directive_id"]
        # Q4/2024 was due before the clock's 10/02/2025: Q1/2025 is assigned
        assert await stream_count(js, topology.ASSIGNMENTS.name) == CHI_BO
        q1 = f"{subjects.ASSIGNMENT_CREATED}.{d}.*.r1--2025-q1"
        assert await stream_count(js, topology.ASSIGNMENTS.name, q1) == CHI_BO
        assert (await next_timer(js, d)).index == 2


async def test_seed_004s_periodic_report_given_its_period_runs_over_several(settings, js):
    """ "định kỳ báo cáo" names no period: the clerk gives it, and the first deadline."""
    seed = SEEDS / "004_c6178579b908293c.txt"
    sets = [
        "requirement.2.recurrence=6 tháng",
        "requirement.2.due_before=15/06/2025",
        "requirement.2.until=31/12/2026",
    ]
    async with serving(create_service, settings) as issuer:
        wrong = await issuer.http.post(
            "/api/directives/upload",
            files={"file": (seed.name, seed.read_bytes())},
            data={"allow_past": "true", "set": ["requirement.2.recurrence=thỉnh thoảng"]},
        )
        assert wrong.status_code == 422 and "hằng quý" in wrong.json()["error"], wrong.text
        answer = await issuer.http.post(
            "/api/directives/upload",
            files={"file": (seed.name, seed.read_bytes())},
            data={"allow_past": "true", "set": sets},
        )
        assert answer.status_code == 201, answer.text
        d = answer.json()["directive_id"]
        record = (await issuer.http.get(f"/api/directives/{d}")).json()
        periodic = record["directive"]["requirements"][1]
        assert (periodic["recurrence"], periodic["due_before"]) == (
            "semiannual",
            "2025-06-15T00:00:00+07:00",
        )
        first = f"{subjects.ASSIGNMENT_CREATED}.{d}.*.r2--2025-h1"
        assert await stream_count(js, topology.ASSIGNMENTS.name, first) > 0
        timer = await next_timer_of(js, d, "r2")
        assert timer.index == 1  # 6 tháng cuối năm 2025, then the two halves of 2026
        periods_of = [p.label for p in periods(ReportingRequirement(**periodic))]
        assert periods_of == [
            "6 tháng đầu năm 2025",
            "6 tháng cuối năm 2025",
            "6 tháng đầu năm 2026",
            "6 tháng cuối năm 2026",
        ]
