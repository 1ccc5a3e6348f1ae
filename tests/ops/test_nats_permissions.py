"""Least privilege in NATS: deploy/nats/accounts.conf is what ``chidao nats permissions``
generates from shared/topology.py; with it, each service's user is refused every
escalation an attacker holding its password would try (purging or deleting streams,
rewriting the directory, sourcing it into a stream of one's own, updating another's
stream, publishing another's events, reading another's buckets, taking over another's
durable consumer, listening to another's replies), while the four services, each as its
own user, run a campaign without a single permissions violation."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sys
from pathlib import Path

import httpx
import nats
import pytest
import pytest_asyncio
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig, StreamSource, SubjectTransform
from nats.js.errors import BadRequestError

from chidao.nats_permissions import ACCESS, SERVICES, accounts_conf, consumers_of, grants
from chidao.runtime.stack import Stack
from shared import subjects, topology
from shared.contracts import Unit
from shared.contracts.previews import MailPreview
from shared.directory import load_file, store_units
from shared.settings import Settings, nats_options
from tests.ops.nats_cluster import DEPLOY_NATS, NatsCluster
from tests.support import OPERATOR_HEADERS, eventually, running

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
DEMO_DIRECTORY = ROOT / "chidao" / "demo" / "directory.yaml"
SEED = ROOT / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
API = "$JS.API"
VICTIM = Unit(id="cb-victim", name="Chi bộ bị nhắm", kind="chi_bo", emails=["chibo@example.org"])
FORGED_SOURCE = {
    "name": "CHIDAO_REPORTS",
    "subject_transforms": [
        {
            "src": "chidao.report.submitted.*.*.*",
            "dest": "$KV.chidao_directory.unit.{{wildcard(2)}}",
        }
    ],
}
REPUBLISH = {"src": ">", "dest": "chidao.directive.issued.forged"}


def test_the_committed_accounts_conf_is_the_generated_one():
    committed = (DEPLOY_NATS / "accounts.conf").read_text(encoding="utf-8")
    assert committed == accounts_conf(), (
        "deploy/nats/accounts.conf differs from the topology: run "
        "`chidao nats permissions > deploy/nats/accounts.conf`"
    )


def test_no_service_may_delete_update_or_purge_but_the_notifier_its_timers():
    for service in SERVICES:
        allowed = [subject for _, subjects in grants(service) for subject in subjects]
        destructive = [
            s
            for s in allowed
            if any(verb in s for verb in (".DELETE.", ".UPDATE.", ".PURGE.", ".RESTORE."))
        ]
        expected = [f"{API}.STREAM.PURGE.CHIDAO_TIMERS"] if service == "notifier" else []
        assert destructive == expected, f"{service} may {destructive}"
        assert f"{API}.>" not in allowed and f"{API}.STREAM.CREATE.*" not in allowed


# --- an attacker with a service's password -------------------------------------------


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """One nats-server with deploy/nats/accounts.conf, the whole topology declared by the
    admin, one unit in the directory and one report in CHIDAO_REPORTS."""
    cluster = NatsCluster(tmp_path_factory.mktemp("permissions"), size=1).start()

    async def declare() -> None:
        nc = await nats.connect(**nats_options(cluster.url("admin")))
        js = nc.jetstream()
        await topology.ensure_all(js, Settings())
        await store_units(js, [VICTIM])
        await js.publish(
            "chidao.report.submitted.d1.cb-victim.r1", b"{}", headers={"Nats-Msg-Id": "r-1"}
        )
        await nc.close()

    try:
        asyncio.run(declare())
        yield cluster
    finally:
        cluster.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def admin(node):
    nc = await nats.connect(**nats_options(node.url("admin")))
    yield nc.jetstream()
    await nc.close()


class Attacker:
    """A client holding ``user``'s password, counting what the server refuses it."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.errors: list[str] = []
        self.nc: nats.NATS | None = None

    async def connect(self, url: str) -> Attacker:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc).lower())

        options = nats_options(url, service=self.user)
        self.nc = await nats.connect(**options, error_cb=on_error, allow_reconnect=False)
        return self

    async def try_all(self, attempts: list[tuple[str, str, dict | bytes | None]]) -> list[str]:
        """Send every attempt (what, subject, body); the ones the server did not refuse."""
        assert self.nc is not None
        for _, subject, body in attempts:
            payload = json.dumps(body).encode() if isinstance(body, dict) else body or b""
            await self.nc.publish(
                subject, payload, reply=self.nc.new_inbox(), headers={"Nats-Msg-Id": subject}
            )
        await self.nc.flush()

        def unrefused() -> list[str]:
            return [
                f"{what}: {subject}"
                for what, subject, _ in attempts
                if not any(f'publish to "{subject.lower()}"' in e for e in self.errors)
            ]

        with contextlib.suppress(AssertionError):
            await eventually(lambda: not unrefused(), within=5, what="every refusal")
        return unrefused()

    async def subscribe_refused(self, subject: str) -> bool:
        assert self.nc is not None
        sub = await self.nc.subscribe(subject)
        await self.nc.flush()
        try:
            await eventually(
                lambda: any(f'subscription to "{subject.lower()}"' in e for e in self.errors),
                within=5,
                what=f"the refusal to subscribe to {subject}",
            )
            return True
        except AssertionError:
            return False
        finally:
            await sub.unsubscribe()


def example_subject(pattern: str) -> str:
    return pattern.replace(".>", ".forged.x").replace(".*", ".forged")


def escalations(user: str) -> list[tuple[str, str, dict | bytes | None]]:
    """Everything ``user`` must be refused: (what, subject, body)."""
    access = ACCESS[user]
    every_stream = [
        topology.stream_name(s)
        for s in (*topology.STREAMS, *topology.BUCKETS, *topology.OBJECT_STORES)
    ]
    attempts: list[tuple[str, str, dict | bytes | None]] = [
        ("purge the reports", f"{API}.STREAM.PURGE.CHIDAO_REPORTS", {}),
        ("delete a report", f"{API}.STREAM.MSG.DELETE.CHIDAO_REPORTS", {"seq": 1}),
        ("read a whole stream as a snapshot", f"{API}.STREAM.SNAPSHOT.CHIDAO_REPORTS", {}),
        ("purge the account", f"{API}.ACCOUNT.PURGE.CHIDAO", None),
        ("move a stream's leader", f"{API}.STREAM.LEADER.STEPDOWN.CHIDAO_REPORTS", None),
        (
            "source the directory into a stream of its own, through a subject transform",
            f"{API}.STREAM.CREATE.COPY_{user.upper()}",
            {
                "name": f"COPY_{user.upper()}",
                "sources": [
                    {
                        "name": "KV_chidao_directory",
                        "subject_transforms": [{"src": "$KV.>", "dest": "copy.>"}],
                    }
                ],
            },
        ),
        ("load a form", f"$KV.{topology.FORMS.name}.form.forged", b"{}"),
    ]
    if topology.DIRECTORY not in access.writes:  # the issuer's administration pages may
        attempts.append(
            (
                "rewrite the directory: a unit's e-mail address",
                f"$KV.{topology.DIRECTORY.name}.unit.{VICTIM.id}",
                VICTIM.model_copy(update={"emails": ["attacker@evil.example"]}).model_dump(),
            )
        )
    for name in every_stream:
        attempts.append((f"delete {name}", f"{API}.STREAM.DELETE.{name}", None))
        # adding a source (the directory fed from the reports through a transform) or a
        # republish (every stored message re-sent as directive.issued): even on its own
        attempts.append(
            (
                f"update {name}: a source with a subject transform and a republish",
                f"{API}.STREAM.UPDATE.{name}",
                {"name": name, "sources": [FORGED_SOURCE], "republish": REPUBLISH},
            )
        )
    for other in SERVICES:
        if other == user:
            continue
        for pattern in ACCESS[other].publishes:
            attempts.append((f"publish {other}'s event", example_subject(pattern), b"{}"))
        for question in ACCESS[other].asks:
            if question not in access.asks:
                attempts.append((f"ask {other}'s question", question, b"{}"))
        for durable in consumers_of(other):
            stream, name = durable.stream, durable.durable
            config = {
                "stream_name": stream,
                "config": {
                    "durable_name": name,
                    "name": name,
                    "filter_subject": durable.filter_subject,
                    "ack_policy": "explicit",
                    "max_deliver": 1,
                },
            }
            attempts += [
                (
                    f"create or update {other}'s durable",
                    f"{API}.CONSUMER.CREATE.{stream}.{name}.{durable.filter_subject}",
                    config,
                ),
                (
                    f"create {other}'s durable, legacy subject",
                    f"{API}.CONSUMER.DURABLE.CREATE.{stream}.{name}",
                    config,
                ),
                (
                    f"fetch from {other}'s durable",
                    f"{API}.CONSUMER.MSG.NEXT.{stream}.{name}",
                    {"batch": 1},
                ),
                (f"acknowledge for {other}'s durable", f"$JS.ACK.{stream}.{name}.1.1.1.0.0", b""),
            ]
    for durable in topology.CONSUMERS:
        attempts.append(
            (
                "delete a durable consumer",
                f"{API}.CONSUMER.DELETE.{durable.stream}.{durable.durable}",
                None,
            )
        )
    readable = {topology.stream_name(s) for s in (*access.reads, *access.follows)}
    followed = {topology.stream_name(s) for s in (*access.follows, *access.objects)}
    for name in every_stream:
        if name not in readable:
            attempts.append((f"read {name}", f"{API}.DIRECT.GET.{name}.forged", None))
        if name not in followed:
            attempts.append(
                (f"read all of {name} through a consumer", f"{API}.CONSUMER.CREATE.{name}", {})
            )
    written = {topology.stream_name(s) for s in access.writes}
    for spec in (*topology.BUCKETS, *topology.OBJECT_STORES):
        if topology.stream_name(spec) not in written:
            prefix = "$O" if spec in topology.OBJECT_STORES else "$KV"
            attempts.append((f"write {spec.name}", f"{prefix}.{spec.name}.M.forged", b"{}"))
    return attempts


@pytest.mark.parametrize("user", SERVICES)
async def test_a_service_user_is_refused_every_escalation(node, admin, user):
    before = {
        "reports": (await admin.stream_info("CHIDAO_REPORTS")).state.messages,
        "directives": (await admin.stream_info("CHIDAO_DIRECTIVES")).state.messages,
    }
    attacker = await Attacker(user).connect(node.url(user))
    try:
        holes = await attacker.try_all(escalations(user))
        listening = [
            subject
            for subject in (
                *(f"_INBOX.{other}.>" for other in SERVICES if other != user),
                # the questions another service answers: nobody else may hear them
                *(
                    question
                    for other in SERVICES
                    if other != user
                    for question in ACCESS[other].answers
                    if question not in ACCESS[user].answers
                ),
                "_INBOX.*",  # the replies of any client using the default prefix
                ">",
                "chidao.>",
                "$KV.>",
            )
            if not await attacker.subscribe_refused(subject)
        ]
    finally:
        assert attacker.nc is not None
        await attacker.nc.close()
    assert not holes, f"{user} was allowed:\n" + "\n".join(holes)
    assert not listening, f"{user} may listen to {listening}"

    # and nothing changed, as the admin sees it
    for spec in (*topology.STREAMS, *topology.BUCKETS, *topology.OBJECT_STORES):
        info = await admin.stream_info(topology.stream_name(spec))
        assert not info.config.sources and not info.config.republish, info.config.name
    assert (await admin.stream_info("CHIDAO_REPORTS")).state.messages == before["reports"]
    assert (await admin.stream_info("CHIDAO_DIRECTIVES")).state.messages == before["directives"]
    unit = await (await admin.key_value(topology.DIRECTORY.name)).get(f"unit.{VICTIM.id}")
    assert Unit.model_validate_json(unit.value).emails == VICTIM.emails
    names = [info.config.name for info in await admin.streams_info()]
    assert not [n for n in names if n.startswith("COPY_")]
    for durable in topology.CONSUMERS:
        info = await admin.consumer_info(durable.stream, durable.durable)
        assert info.config.max_deliver == Settings().js_max_deliver, durable.durable


async def test_an_owner_cannot_change_its_stream_by_creating_it_again(node, admin):
    """A service may create what it owns, but for a stream that exists JetStream refuses
    any other configuration: no source, no republish slips in."""
    reporter = await nats.connect(**nats_options(node.url("reporter"), service="reporter"))
    try:
        js = reporter.jetstream(timeout=5)
        with pytest.raises(BadRequestError, match="already in use"):
            await js.add_stream(
                StreamConfig(
                    name=topology.REPORTS.name,
                    subjects=list(topology.REPORTS.subjects),
                    sources=[
                        StreamSource(
                            name="KV_chidao_directory",
                            subject_transforms=[SubjectTransform(src="$KV.>", dest="copy.>")],
                        )
                    ],
                )
            )
        # the same configuration it declares is harmless: it is a success
        await js.add_stream(topology.stream_config(topology.REPORTS, Settings()))
    finally:
        await reporter.close()
    config = (await admin.stream_info(topology.REPORTS.name)).config
    assert not config.sources and not config.republish


async def test_only_the_admin_applies_a_changed_setting_to_a_stream(node, admin, caplog):
    """A service finding its stream configured otherwise logs it and changes nothing (its
    user may not); the admin's `chidao nats declare` applies the change."""
    changed = Settings(js_duplicate_window=300)
    reporter = await nats.connect(**nats_options(node.url("reporter"), service="reporter"))
    try:
        await topology.ensure_own(reporter.jetstream(), changed, "reporter", (topology.REPORTS,))
    finally:
        await reporter.close()
    assert "CHIDAO_REPORTS differs from shared/topology.py" in caplog.text
    assert (await admin.stream_info(topology.REPORTS.name)).config.duplicate_window == 600

    declare = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chidao", "nats", "declare", "--nats-url", node.url("admin"),
        env={**os.environ, "CHIDAO_JS_DUPLICATE_WINDOW": "300"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(declare.communicate(), 60)
    assert declare.returncode == 0, err.decode()
    assert b"declared every stream" in out
    for spec in topology.STREAMS:
        assert (await admin.stream_info(spec.name)).config.duplicate_window == 300, spec.name
    await topology.ensure_streams(admin, Settings())  # as it was


async def test_the_reporter_cannot_update_another_services_durable_on_the_reports(node, admin):
    reporter = await nats.connect(**nats_options(node.url("reporter"), service="reporter"))
    durable = topology.AGGREGATOR_REPORTS
    config = ConsumerConfig(
        name=durable.durable,
        filter_subject=durable.filter_subject,
        max_deliver=1,
        ack_policy=AckPolicy.EXPLICIT,
    )
    request = {"stream_name": durable.stream, "config": config.as_dict()}
    try:
        # what an ordered consumer's creation sends, naming the aggregator's durable
        with contextlib.suppress(nats.errors.Error):
            await reporter.request(
                f"{API}.CONSUMER.CREATE.{durable.stream}", json.dumps(request).encode(), timeout=2
            )
        info = await admin.consumer_info(durable.stream, durable.durable)
        assert info.config.max_deliver == Settings().js_max_deliver
    finally:
        await reporter.close()
        await topology.ensure_consumers(admin, Settings(), (durable,))  # as it was


# --- the services, each as its own user ----------------------------------------------


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    cluster = NatsCluster(tmp_path_factory.mktemp("campaign-nats"), size=1).start()
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("campaign"),
        nats_url=cluster.url("admin"),
        service_env={name: {"CHIDAO_NATS_URL": cluster.url(name)} for name in SERVICES},
    )
    try:
        with running(stack, load_file(DEMO_DIRECTORY)):
            yield cluster, stack
    finally:
        cluster.stop()


async def test_each_service_as_its_own_user_runs_a_campaign_without_a_violation(campaign):
    cluster, stack = campaign
    directive, unit, requirement = "101-kh-du--du-so-noi-vu-hy", "cb-snv-thanh-tra", "r1"
    address = "chibo.thanhtra@snv.hungyen.example.org"
    signed = b"%PDF-1.4 bao cao co chu ky"
    async with httpx.AsyncClient(timeout=30, headers=OPERATOR_HEADERS) as http:
        # the issuer keeps the original; the notifier mails it (it reads issuer_documents)
        issued = await http.post(
            f"{stack.url('issuer')}/api/directives/upload",
            files={"file": (SEED.name, SEED.read_bytes())},
            data={"allow_past": "true"},  # the seed's 2024 deadline, on the real clock
        )
        assert issued.status_code == 201, issued.text
        mail = (await eventually(lambda: stack.mail.to(address), what="the assignment"))[0]
        assert [p.get_payload(decode=True) for p in mail.message.iter_attachments()] == [
            SEED.read_bytes()
        ]
        # the reporter keeps an attached file, lists the versions, serves the file back
        submitted = await http.post(
            f"{stack.url('reporter')}/api/submissions",
            json={
                "directive_id": directive,
                "unit_id": unit,
                "requirement_id": requirement,
                "values": {
                    "sessions": 2,
                    "report_file": {
                        "filename": "bao-cao.pdf",
                        "data": base64.b64encode(signed).decode(),
                    },
                },
            },
        )
        assert submitted.status_code == 201, submitted.text
        path = f"{directive}/{unit}/{requirement}"
        history = await http.get(f"{stack.url('reporter')}/api/submissions/{path}")
        assert [v["version"] for v in history.json()["versions"]] == [1]
        file = await http.get(f"{stack.url('reporter')}/files/{path}/v1/report_file")
        assert file.content == signed
        # the parent returns it: the notifier mails the unit why
        returned = await http.post(
            f"{stack.url('reporter')}/api/submissions/{path}/review",
            json={"decision": "return", "reason": "Đề nghị bổ sung số liệu."},
        )
        assert returned.status_code == 201, returned.text
        await eventually(
            lambda: [
                m for m in stack.mail.to(address) if m.message["X-Chidao-Template"] == "returned"
            ],
            what="the mail saying why the report came back",
        )

        # the aggregator rolls the report up
        async def rolled_up() -> bool:
            answer = await http.get(
                f"{stack.url('aggregator')}/api/directives/{directive}/synthesis"
            )
            return answer.status_code == 200 and any(
                r["totals"]["submitted"] == 1 for r in answer.json()["requirements"]
            )

        await eventually(rolled_up, within=30, what="the report in the synthesis")
    # the issuer asks the notifier a question and has its answer (here: why it cannot
    # answer so shapeless a question), each as its own user
    issuer = await nats.connect(**nats_options(cluster.url("issuer"), service="issuer"))
    try:
        reply = await issuer.request(subjects.MAIL_PREVIEW, b"{}", timeout=10)
    finally:
        await issuer.close()
    assert "validation error" in MailPreview.model_validate_json(reply.data).refused
    for service in SERVICES:
        assert not cluster.violations(f"chidao-{service}"), f"{service} was refused:\n" + "\n".join(
            cluster.violations(f"chidao-{service}")
        )
