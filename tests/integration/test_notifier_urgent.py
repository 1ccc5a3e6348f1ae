"""An urgent directive's assignment mails go out ahead of the mail queue: the directive.issued
consumer sends them itself, in the test process on a real nats-server and a real SMTP
server, while the assignment.created consumer is held up (its subscriber not running, as
behind a 300,000-unit backlog); started later, that consumer sends nothing twice. A
directive that is not urgent gets nothing from the directive consumer, as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from unittest.mock import patch

import pytest

from chidao.runtime.mailsink import MailSink, ReceivedMail
from services.notifier.app import create_service
from services.notifier.deps import Deps
from services.notifier.handlers.directives import directive_issued
from services.notifier.handlers.urgent import AssignmentsNotYetPublished
from shared import subjects, topology
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    AttachedFile,
    Directive,
    DirectiveIssued,
    Notice,
    RecipientRole,
    ReportingRequirement,
)
from shared.objects import describe, store
from shared.publishing import publish_event
from shared.service import Service
from shared.settings import Settings
from tests.factories import committee_with_chi_bo
from tests.inprocess import Running, serving
from tests.support import consumer_caught_up, eventually, stream_count

pytestmark = pytest.mark.integration

PARENT = "du-k"
UNITS = committee_with_chi_bo(PARENT, 4)
CHI_BO = [f"{PARENT}-cb{i}" for i in (1, 2, 3)]
INFORMED = f"{PARENT}-cb4"  # sent the directive to know, without an assignment
DUE = datetime.fromisoformat("2099-06-01T00:00:00+07:00")  # timers far off: none fires
NOW = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
# a secret directive's original as the issuer keeps it: ciphertext, sealed
CIPHERTEXT = b"\x8f\x02 not a document anyone may read"


def a_directive(ref: str, urgency: str | None, document: AttachedFile | None) -> Directive:
    return Directive(
        kind="CV",
        ref=ref,
        issued_on="2024-06-19",
        issuer_unit=PARENT,
        issuer=f"Đảng ủy {PARENT}",
        title="Triển khai ngay biện pháp phòng, chống bão số 3",
        requirements=[
            ReportingRequirement(id="report", action="báo cáo tình hình", due_before=DUE)
        ],
        document=document,
        urgency=urgency,
    )


def an_assignment(d: Directive, unit: str) -> Assignment:
    return Assignment(
        directive_id=d.id,
        directive_kind=d.kind,
        directive_ref=d.ref,
        directive_title=d.title,
        directive_issued_on=d.issued_on,
        issuer_unit=PARENT,
        issuer=d.issuer,
        unit_id=unit,
        requirement=d.requirements[0],
        assigned_at=NOW,
        document=d.document,
        urgency=d.urgency,
    )


def issued(d: Directive) -> DirectiveIssued:
    return DirectiveIssued(
        event_id=subjects.directive_issued_id(d.id),
        occurred_at=NOW,
        directive_id=d.id,
        directive=d,
        assignment_count=len(CHI_BO),
        notices=[Notice(unit_id=INFORMED, role=RecipientRole.INFO)],
    )


async def publish_assignments(running: Running, d: Directive) -> None:
    """As the issuer leaves them, right after directive.issued."""
    for unit in CHI_BO:
        a = an_assignment(d, unit)
        ids = (a.directive_id, a.unit_id, a.requirement.id)
        event = AssignmentCreated(
            event_id=subjects.assignment_created_id(*ids), occurred_at=NOW, assignment=a
        )
        subject = subjects.assignment_created(*ids)
        await publish_event(running.service.broker, subject, topology.ASSIGNMENTS.name, event)


async def publish_issued(running: Running, event: DirectiveIssued) -> None:
    subject = subjects.directive_issued(event.directive_id)
    await publish_event(running.service.broker, subject, topology.DIRECTIVES.name, event)


def held_up(settings: Settings) -> Service:
    """The notifier with its assignment.created subscriber never started: its durable
    consumer exists and keeps every assignment pending, as a long backlog would."""
    subscriber = Service.subscriber

    def all_but_assignments(self: Service, spec: topology.ConsumerSpec, **kwargs: Any) -> Any:
        if spec == topology.NOTIFIER_ASSIGNMENTS:
            return lambda handler: handler
        return subscriber(self, spec, **kwargs)

    with patch.object(Service, "subscriber", all_but_assignments):
        return create_service(settings)


@pytest.fixture
def notifier_settings(nats_server, mail_sink) -> Settings:
    return Settings(
        nats_url=nats_server.url,
        smtp_port=mail_sink.port,
        smtp_rate=0,
        public_url="http://reporter.test",
    )


@asynccontextmanager
async def notifier(create, settings: Settings) -> AsyncIterator[Running]:
    async with serving(create, settings, UNITS) as running:
        yield running


def deps_of(running: Running) -> Deps:
    deps = running.service.deps
    assert isinstance(deps, Deps)
    return deps


def mails(sink: MailSink, unit: str, template: str) -> list[ReceivedMail]:
    address = f"{unit}@test.example.org"
    return [m for m in sink.to(address) if m.message["X-Chidao-Template"] == template]


def sample(running: Running, name: str, **labels: str) -> float:
    return running.service.registry.get_sample_value(name, labels) or 0.0


async def pending(js, spec: topology.ConsumerSpec) -> int:
    return (await js.consumer_info(spec.stream, spec.durable)).num_pending


async def caught_up(js, spec: topology.ConsumerSpec) -> None:
    await eventually(lambda: consumer_caught_up(js, spec.stream, spec.durable), what=spec.durable)


async def test_an_urgent_directives_units_are_mailed_ahead_then_never_twice(
    notifier_settings, mail_sink, js
):
    original = describe(CIPHERTEXT, "Công văn 41 mật.pdf", "application/pdf")
    sealed = original.model_copy(update={"sealed": True})
    d = a_directive("41-CV/ĐU", "hoa_toc", sealed)
    event = issued(d)
    own_timers = f"{subjects.TIMER}.notifier.*.{d.id}.>"

    async with notifier(held_up, notifier_settings) as first:
        # the original's bytes are in the store: only the seal keeps them out of the mails
        await store(js, topology.DOCUMENTS.name, sealed, CIPHERTEXT)
        # handled before the issuer has published the assignments: the notice goes, the
        # event comes back after a short wait
        await publish_issued(first, event)
        await eventually(lambda: mails(mail_sink, INFORMED, "directive_notice"), what="notice")
        with pytest.raises(AssignmentsNotYetPublished):
            await directive_issued(deps_of(first), event)
        assert not any(mails(mail_sink, unit, "assignment") for unit in CHI_BO)
        await publish_assignments(first, d)

        for unit in CHI_BO:
            [mail] = await eventually(
                lambda u=unit: mails(mail_sink, u, "assignment"), what=f"{unit}'s mail"
            )
            assert mail.subject.startswith("[41-CV/ĐU] HỎA TỐC — Báo cáo tình hình")
            assert "http://reporter.test/r/" in mail.text()
            assert not list(mail.message.iter_attachments())  # sealed: never attached
            assert "gửi kèm" not in mail.text()
        await caught_up(js, topology.NOTIFIER_DIRECTIVES)
        assert len(mails(mail_sink, INFORMED, "directive_notice")) == 1
        # every one from the directive consumer: the assignment consumer took none yet
        assert await pending(js, topology.NOTIFIER_ASSIGNMENTS) == len(CHI_BO)
        assert sample(first, "chidao_urgent_mails_total") == len(CHI_BO)
        # and their timers: two working-day reminders, the overdue notice and the
        # unopened timer per unit, the parent's digest
        assert await stream_count(js, topology.TIMERS.name, own_timers) == 4 * len(CHI_BO) + 1
        ledger = deps_of(first).ledger
        for unit in CHI_BO:
            key = f"{subjects.assignment_created_id(d.id, unit, 'report')}.{unit}"
            entry, _ = await ledger.get(key)
            assert entry is not None and entry.status == "sent"

    # the assignment consumer gets to them at last: nothing more goes
    async with notifier(create_service, notifier_settings) as later:
        await caught_up(js, topology.NOTIFIER_ASSIGNMENTS)
        for unit in CHI_BO:
            assert len(mails(mail_sink, unit, "assignment")) == 1
        skipped = {"template": "assignment", "reason": "already_sent"}
        assert sample(later, "chidao_mails_skipped_total", **skipped) == len(CHI_BO)
        assert sample(later, "chidao_mails_sent_total", template="assignment") == 0
        assert sample(later, "chidao_urgent_mails_total") == 0
        # each timer scheduled again under its id replaced itself
        assert await stream_count(js, topology.TIMERS.name, own_timers) == 4 * len(CHI_BO) + 1


async def test_a_directive_not_urgent_gets_no_assignment_mail_from_the_directive_consumer(
    notifier_settings, mail_sink, js
):
    d = a_directive("42-CV/ĐU", None, None)
    async with notifier(held_up, notifier_settings) as running:
        await publish_assignments(running, d)
        await publish_issued(running, issued(d))

        await eventually(lambda: mails(mail_sink, INFORMED, "directive_notice"), what="notice")
        await caught_up(js, topology.NOTIFIER_DIRECTIVES)
        for unit in CHI_BO:
            assert mails(mail_sink, unit, "assignment") == []
        assert await pending(js, topology.NOTIFIER_ASSIGNMENTS) == len(CHI_BO)
        assert sample(running, "chidao_urgent_mails_total") == 0
