"""Every stream, durable consumer and KV bucket chidao uses, declared in one place.

Storage is always file; replicas and the duplicate window come from settings so that
the same declarations serve a laptop (R1) and a production cluster (R3). The admin
(``chidao nats declare``, also run by ``chidao directory load`` and the embedded runtime)
declares them all with ``ensure_streams``/``ensure_buckets``/``ensure_object_stores``:
idempotent, and brings an existing stream's settings up to date. A service, at start-up,
creates what it owns if it is missing (``ensure_own``: never changing what exists) and
waits for what others own (``ensure_declared``); ``OWNERS`` says who owns what.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError

from shared import subjects
from shared.availability import UNAVAILABLE
from shared.settings import Settings

log = logging.getLogger(__name__)

# Waits before redelivering a message whose handler failed, by delivery count, applied by
# the services' redelivery middleware to its nak (shared/service.py). They are not given to
# JetStream as the consumers' `backoff`: JetStream would then take the first step as the
# ack wait, and a message still being worked on would come back after 1 s.
REDELIVERY_BACKOFF = (1.0, 5.0, 15.0, 60.0, 300.0)


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    allow_msg_schedules: bool = False
    # no message may be deleted nor the stream purged (JetStream refuses both): an audit
    # trail is appended to and read, never rewritten
    append_only: bool = False
    max_msgs_per_subject: int = -1  # -1: no limit


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer, shared by every replica of the service that owns it."""

    durable: str
    stream: str
    filter_subject: str
    description: str
    max_ack_pending: int = 1000


@dataclass(frozen=True)
class BucketSpec:
    name: str
    description: str
    owner: str  # the only service that writes it ("all" for reference data written by tools)
    history: int = 1


DIRECTIVES = StreamSpec(
    "CHIDAO_DIRECTIVES",
    (
        subjects.all_of(subjects.DIRECTIVE_ISSUED),
        subjects.all_of(subjects.DIRECTIVE_RECALLED),
        subjects.all_of(subjects.DIRECTIVE_CORRECTED),
    ),
    "directive.issued: one message per issued directive; directive.recalled: one per "
    "directive its issuer recalled or replaced; directive.corrected: one per correction",
)
ASSIGNMENTS = StreamSpec(
    "CHIDAO_ASSIGNMENTS",
    (subjects.all_of(subjects.ASSIGNMENT_CREATED),),
    "assignment.created: one message per (directive, unit, requirement); the reporter "
    "checks assignments here by subject",
)
REPORTS = StreamSpec(
    "CHIDAO_REPORTS",
    (
        subjects.all_of(subjects.REPORT_SUBMITTED),
        subjects.all_of(subjects.REPORT_REVIEWED),
        subjects.all_of(subjects.EXTENSION),
    ),
    "report.submitted: every version of every submission (the latest per subject counts); "
    "report.reviewed: the parent's decisions on them (the latest counts); extension: a "
    "unit's requests for more time and the answers (the latest counts)",
)
SYNTHESIS = StreamSpec(
    "CHIDAO_SYNTHESIS",
    (subjects.all_of(subjects.SYNTHESIS_UPDATED), subjects.all_of(subjects.SYNTHESIS_APPROVED)),
    "synthesis.updated: roll-up totals of a unit subtree after they change; "
    "synthesis.approved: a unit's synthesis approved to go up as its own report",
)
CONTACTS = StreamSpec(
    "CHIDAO_CONTACTS",
    (subjects.all_of(subjects.CONTACT),),
    "contact.mailed / opened / expired / received / drafted: a unit's assignment mail "
    "accepted by its server, its signed link opened (or opened too late), the document "
    "confirmed received, its report form saved unsent; one message per subject kept",
    max_msgs_per_subject=1,
)
DEAD_LETTERS = StreamSpec(
    "CHIDAO_DEAD_LETTERS",
    (
        "chidao.dlq.>",
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>",
        "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>",
    ),
    "messages a service gave up on: its record with the reason (chidao.dlq.<consumer>.<seq>) "
    "and JetStream's advisories; each names the original's stream sequence for replay",
)
TIMERS = StreamSpec(
    "CHIDAO_TIMERS",
    (subjects.all_of(subjects.TIMER), subjects.all_of(subjects.FIRED)),
    "durable timers: one schedule subject per reminder, overdue notice and digest "
    "(chidao.timer.*, Nats-Schedule), delivered to chidao.fired.* when due",
    allow_msg_schedules=True,
)
AUDIT = StreamSpec(
    "CHIDAO_AUDIT",
    (subjects.all_of(subjects.AUDIT),),
    "the audit trail: every staff action, who and from where, with its outcome "
    "(chidao.audit.<service>.<entry id>); appended, never rewritten",
    append_only=True,
)
STREAMS: tuple[StreamSpec, ...] = (
    DIRECTIVES,
    ASSIGNMENTS,
    REPORTS,
    SYNTHESIS,
    DEAD_LETTERS,
    TIMERS,
    AUDIT,
    CONTACTS,
)

NOTIFIER_DIRECTIVES = ConsumerSpec(
    "notifier-directive-issued",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_ISSUED),
    "mails the directive to the units that receive it without an assignment",
)
NOTIFIER_RECALLS = ConsumerSpec(
    "notifier-directive-recalled",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_RECALLED),
    "tells every unit a recalled directive reached, and the issuers of the directives that "
    "implement it, with the reason; drops its pending reminders",
)
NOTIFIER_CORRECTIONS = ConsumerSpec(
    "notifier-directive-corrected",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_CORRECTED),
    "tells every unit a corrected directive reached, and the issuers of the directives that "
    "implement it, what the correction changed",
)
NOTIFIER_ASSIGNMENTS = ConsumerSpec(
    "notifier-assignment-created",
    ASSIGNMENTS.name,
    subjects.all_of(subjects.ASSIGNMENT_CREATED),
    "mails each assigned unit its requirement and deadline",
)
NOTIFIER_REPORTS = ConsumerSpec(
    "notifier-report-submitted",
    REPORTS.name,
    subjects.all_of(subjects.REPORT_SUBMITTED),
    "cancels the reminders of an assignment once its report is in",
)
NOTIFIER_TIMERS = ConsumerSpec(
    "notifier-timer-fired",
    TIMERS.name,
    f"{subjects.FIRED}.notifier.>",
    "sends the reminder, overdue notice or digest a timer was set for",
)
NOTIFIER_REVIEWS = ConsumerSpec(
    "notifier-report-reviewed",
    REPORTS.name,
    subjects.all_of(subjects.REPORT_REVIEWED),
    "mails a unit whose report the parent returned for correction, with the reason",
)
NOTIFIER_EXTENSIONS = ConsumerSpec(
    "notifier-extension-changed",
    REPORTS.name,
    subjects.all_of(subjects.EXTENSION),
    "mails the parent a unit's request for more time and the unit the answer; moves the "
    "unit's reminders and overdue notice to a deadline granted",
)
AGGREGATOR_DIRECTIVES = ConsumerSpec(
    "aggregator-directive-issued",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_ISSUED),
    "keeps the directive's title and requirements for the synthesis",
)
AGGREGATOR_RECALLS = ConsumerSpec(
    "aggregator-directive-recalled",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_RECALLED),
    "marks a recalled directive, and those implementing it, on their pages and syntheses",
)
AGGREGATOR_CORRECTIONS = ConsumerSpec(
    "aggregator-directive-corrected",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_CORRECTED),
    "keeps a corrected directive as corrected and shows its corrections on its page and on "
    "those of the directives implementing it",
)
AGGREGATOR_ASSIGNMENTS = ConsumerSpec(
    "aggregator-assignment-created",
    ASSIGNMENTS.name,
    subjects.all_of(subjects.ASSIGNMENT_CREATED),
    "counts each assignment as an expected report up the tree",
    max_ack_pending=5000,
)
AGGREGATOR_REPORTS = ConsumerSpec(
    "aggregator-report-submitted",
    REPORTS.name,
    subjects.all_of(subjects.REPORT_SUBMITTED),
    "rolls each submission up the tree",
    max_ack_pending=5000,
)
AGGREGATOR_REVIEWS = ConsumerSpec(
    "aggregator-report-reviewed",
    REPORTS.name,
    subjects.all_of(subjects.REPORT_REVIEWED),
    "counts accepted reports and marks returned ones",
)
AGGREGATOR_EXTENSIONS = ConsumerSpec(
    "aggregator-extension-changed",
    REPORTS.name,
    subjects.all_of(subjects.EXTENSION),
    "judges a unit's lateness by the deadline granted and lists extensions in the synthesis",
)
AGGREGATOR_TIMERS = ConsumerSpec(
    "aggregator-timer-fired",
    TIMERS.name,
    f"{subjects.FIRED}.aggregator.>",
    "approves a synthesis automatically shortly before the report it answers is due",
)
AGGREGATOR_CONTACTS = ConsumerSpec(
    "aggregator-unit-contacted",
    CONTACTS.name,
    subjects.all_of(subjects.CONTACT),
    "marks each unit mailed, then having opened its link, on its directive's page",
    max_ack_pending=5000,
)
NOTIFIER_EXPIRED_LINKS = ConsumerSpec(
    "notifier-link-expired",
    CONTACTS.name,
    f"{subjects.CONTACT}.expired.>",
    "tells the staff the report goes to, once, that a unit tried a link whose time was over",
)
ISSUER_TIMERS = ConsumerSpec(
    "issuer-timer-fired",
    TIMERS.name,
    f"{subjects.FIRED}.issuer.>",
    "assigns a recurring requirement's next period when the previous one's deadline passes",
)
REPORTER_DIRECTIVES = ConsumerSpec(
    "reporter-directive-issued",
    DIRECTIVES.name,
    subjects.all_of(subjects.DIRECTIVE_ISSUED),
    "files a unit's implementing directive as its report on the parent's plan requirement",
)
REPORTER_APPROVALS = ConsumerSpec(
    "reporter-synthesis-approved",
    SYNTHESIS.name,
    subjects.all_of(subjects.SYNTHESIS_APPROVED),
    "files an approved synthesis as the unit's report on its parent's directive",
)
CONSUMERS: tuple[ConsumerSpec, ...] = (
    NOTIFIER_DIRECTIVES,
    NOTIFIER_RECALLS,
    NOTIFIER_CORRECTIONS,
    NOTIFIER_ASSIGNMENTS,
    NOTIFIER_REPORTS,
    NOTIFIER_TIMERS,
    NOTIFIER_REVIEWS,
    NOTIFIER_EXPIRED_LINKS,
    NOTIFIER_EXTENSIONS,
    AGGREGATOR_DIRECTIVES,
    AGGREGATOR_RECALLS,
    AGGREGATOR_CORRECTIONS,
    AGGREGATOR_ASSIGNMENTS,
    AGGREGATOR_REPORTS,
    AGGREGATOR_REVIEWS,
    AGGREGATOR_EXTENSIONS,
    AGGREGATOR_TIMERS,
    AGGREGATOR_CONTACTS,
    REPORTER_DIRECTIVES,
    REPORTER_APPROVALS,
    ISSUER_TIMERS,
)

DIRECTORY = BucketSpec(
    "chidao_directory", "the unit tree, one key per unit (unit.<id>); read by all", owner="all"
)
ISSUER_DIRECTIVES = BucketSpec(
    "issuer_directives", "issued directives and the state of their fan-out", owner="issuer"
)
NOTIFIER_LEDGER = BucketSpec(
    "notifier_ledger", "mails accepted by the SMTP server, by (event, recipient)", owner="notifier"
)
AGGREGATOR_ROLLUP = BucketSpec(
    "aggregator_rollup",
    "roll-up node per (directive, requirement, unit): own report and children totals",
    owner="aggregator",
)
AGGREGATOR_DIRECTIVES_BUCKET = BucketSpec(
    "aggregator_directives",
    "directive titles and requirements seen by the aggregator",
    owner="aggregator",
)
FORMS = BucketSpec(
    "chidao_forms",
    "report forms loaded by the organisation (form.<id>), besides the built-in ones",
    owner="all",
)
CALENDAR = BucketSpec(
    "chidao_calendar",
    "the working-day calendar's additions the operator loads each year (calendar): days "
    "off and Saturdays worked in exchange, besides the statutory holidays",
    owner="all",
)
DOCUMENTS = BucketSpec(
    "issuer_documents",
    "original directive files (object store), named by content hash; mailed as attachments",
    owner="issuer",
)
ATTACHMENTS = BucketSpec(
    "reporter_attachments",
    "files units attach to their reports (object store), named by content hash",
    owner="reporter",
)
OBJECT_STORES: tuple[BucketSpec, ...] = (DOCUMENTS, ATTACHMENTS)

ACCOUNTS = BucketSpec(
    "chidao_accounts",
    "staff accounts (account.<id>): unit, roles, Argon2 password hash; written by the "
    "admin command line, read by every service",
    owner="all",
)
API_TOKENS = BucketSpec(
    "issuer_api_tokens",
    "personal API tokens by the SHA-256 of their secret (token.<hash>): account, expiry, "
    "revocation; issued by the issuer, read by every service",
    owner="issuer",
)
REVOKED_LINKS = BucketSpec(
    "reporter_revoked_links",
    "signed links a parent's staff revoked, one key per (directive, unit, requirement)",
    owner="reporter",
)
ISSUER_DRAFTS = BucketSpec(
    "issuer_drafts",
    "directives being prepared in the staff console (draft.<id>): the reading of an "
    "uploaded document, the staff's corrections, the original file's name and hash",
    owner="issuer",
)
REPORTER_QUEUE = BucketSpec(
    "reporter_review_queue",
    "reports waiting for their parent's decision, by reviewing unit "
    "(queue.<reviewer>.<directive>.<unit>.<requirement>): the console's review queue",
    owner="reporter",
)
REPORTER_DRAFTS = BucketSpec(
    "reporter_drafts",
    "what a unit typed on its report form and saved without sending it (Lưu nháp), one key "
    "per (directive, unit, requirement); removed once the report is sent",
    owner="reporter",
)
AGGREGATOR_NOTES = BucketSpec(
    "aggregator_notes",
    "what a unit's staff write in its báo cáo tổng hợp themselves (general assessment, "
    "lessons, next steps), one key per (directive, unit)",
    owner="aggregator",
)

BUCKETS: tuple[BucketSpec, ...] = (
    DIRECTORY,
    ISSUER_DIRECTIVES,
    NOTIFIER_LEDGER,
    AGGREGATOR_ROLLUP,
    AGGREGATOR_DIRECTIVES_BUCKET,
    FORMS,
    CALENDAR,
    ACCOUNTS,
    API_TOKENS,
    REVOKED_LINKS,
    ISSUER_DRAFTS,
    REPORTER_QUEUE,
    REPORTER_DRAFTS,
    AGGREGATOR_NOTES,
)


def stream_config(spec: StreamSpec, settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=settings.js_replicas,
        duplicate_window=settings.js_duplicate_window,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
        allow_msg_schedules=spec.allow_msg_schedules or None,
        deny_delete=spec.append_only,
        deny_purge=spec.append_only,
        max_msgs_per_subject=spec.max_msgs_per_subject,
    )


def consumer_config(spec: ConsumerSpec, settings: Settings) -> ConsumerConfig:
    """No `backoff`: with one, JetStream replaces `ack_wait` by its first step. A message
    whose handler failed comes back after the middleware's nak delay; one whose process
    died, after `ack_wait`; one still being worked on is kept by in-progress signals. An
    update without `backoff` removes the one an older release declared."""
    return ConsumerConfig(
        durable_name=spec.durable,
        name=spec.durable,
        description=spec.description,
        filter_subject=spec.filter_subject,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=settings.js_ack_wait,
        max_deliver=settings.js_max_deliver,
        backoff=None,
        max_ack_pending=spec.max_ack_pending,
        num_replicas=settings.js_replicas,
    )


def bucket_config(spec: BucketSpec, settings: Settings) -> KeyValueConfig:
    return KeyValueConfig(
        bucket=spec.name,
        description=spec.description,
        history=spec.history,
        storage=StorageType.FILE,
        replicas=settings.js_replicas,
        direct=True,
    )


async def _add_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError as exc:
        if "already in use" not in (exc.description or ""):
            raise
        await js.update_stream(config)


async def ensure_streams(
    js: JetStreamContext, settings: Settings, specs: tuple[StreamSpec, ...] = STREAMS
) -> None:
    """Create the streams or bring them up to date: the admin's way (a service creates
    only what it owns, with ``ensure_own``)."""
    for spec in specs:
        await _add_or_update(js, stream_config(spec, settings))


async def ensure_buckets(
    js: JetStreamContext, settings: Settings, specs: tuple[BucketSpec, ...] = BUCKETS
) -> None:
    """Create the missing buckets."""
    for spec in specs:
        try:
            await js.key_value(spec.name)
        except (NotFoundError, BadRequestError):
            await js.create_key_value(bucket_config(spec, settings))


async def ensure_object_stores(
    js: JetStreamContext, settings: Settings, specs: tuple[BucketSpec, ...] = OBJECT_STORES
) -> None:
    """Create the missing object stores."""
    for spec in specs:
        try:
            await js.object_store(spec.name)
        except (NotFoundError, BadRequestError):
            await js.create_object_store(
                spec.name,  # nats-py overwrites the config's bucket with this argument
                config=ObjectStoreConfig(
                    bucket=spec.name,
                    description=spec.description,
                    storage=StorageType.FILE,
                    replicas=settings.js_replicas,
                ),
            )


async def ensure_consumers(
    js: JetStreamContext, settings: Settings, specs: tuple[ConsumerSpec, ...]
) -> None:
    """Create or update the durable consumers, so a changed config takes effect (nats-py's
    pull_subscribe binds to an existing durable without applying a new config)."""
    for spec in specs:
        await js.add_consumer(spec.stream, consumer_config(spec, settings))


async def ensure_all(js: JetStreamContext, settings: Settings) -> None:
    await ensure_streams(js, settings)
    await ensure_buckets(js, settings)
    await ensure_object_stores(js, settings)
    await ensure_consumers(js, settings, CONSUMERS)


# --- who declares what ----------------------------------------------------------------

ADMIN = "admin"  # the operator's NATS user: the chidao command line, the embedded runtime

Declared = StreamSpec | BucketSpec


def stream_name(spec: Declared) -> str:
    """The JetStream stream behind a spec: the stream itself, KV_<bucket> or OBJ_<store>."""
    if isinstance(spec, StreamSpec):
        return spec.name
    return f"{'OBJ' if spec in OBJECT_STORES else 'KV'}_{spec.name}"


# The owner of each stream, bucket and object store, by its JetStream stream name. Only
# the admin may change topology (update, delete, purge: deploy/nats/accounts.conf); a
# service may create what it owns when it is missing, never change it, and waits for the
# rest. What several services write (dead letters, timers) or tools write (the directory,
# the forms) is the admin's.
OWNERS: dict[str, str] = {
    DIRECTIVES.name: "issuer",
    ASSIGNMENTS.name: "issuer",
    REPORTS.name: "reporter",
    SYNTHESIS.name: "aggregator",
    DEAD_LETTERS.name: ADMIN,  # written by every consumer
    AUDIT.name: ADMIN,  # written by every service
    TIMERS.name: ADMIN,  # the notifier's, the aggregator's and the issuer's timers
    CONTACTS.name: ADMIN,  # the notifier's mails and the reporter's opened links
    **{
        stream_name(spec): ADMIN if spec.owner == "all" else spec.owner
        for spec in (*BUCKETS, *OBJECT_STORES)
    },
}


def owner_of(spec: Declared) -> str:
    return OWNERS[stream_name(spec)]


async def _create_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create, never update: JetStream answers an existing stream with the same config as
    a success and one with another config with "already in use", which changes nothing."""
    try:
        await js.add_stream(config)
    except BadRequestError as exc:
        if "already in use" not in (exc.description or ""):
            raise
        log.warning(
            "stream %s differs from shared/topology.py; the admin applies it with "
            "`chidao nats declare`",
            config.name,
            extra={"stream": config.name},
        )


async def ensure_own(
    js: JetStreamContext,
    settings: Settings,
    service: str,
    specs: tuple[Declared, ...],
) -> None:
    """Create the streams, buckets and object stores of ``specs`` that ``service`` owns
    and that are missing; leave the others, and what exists, as they are."""
    for spec in specs:
        if owner_of(spec) != service:
            continue
        if isinstance(spec, StreamSpec):
            await _create_stream(js, stream_config(spec, settings))  # never an update
        elif spec in OBJECT_STORES:
            await ensure_object_stores(js, settings, (spec,))
        else:
            await ensure_buckets(js, settings, (spec,))


async def ensure_declared(
    js: JetStreamContext,
    service: str,
    specs: tuple[Declared, ...],
    *,
    log_every: float = 30.0,
) -> None:
    """Wait until every one of ``specs`` that ``service`` does not own exists, saying
    whom it waits for: its owner, or the admin's ``chidao nats declare``."""
    for spec in specs:
        owner = owner_of(spec)
        if owner == service:
            continue
        name, logged = stream_name(spec), -log_every
        while not await _exists(js, name):
            if time.monotonic() - logged >= log_every:
                by = "the admin (chidao nats declare)" if owner == ADMIN else f"the {owner}"
                log.warning(
                    "waiting for stream %s, declared by %s",
                    name,
                    by,
                    extra={"stream": name, "owner": owner},
                )
                logged = time.monotonic()
            await asyncio.sleep(0.5)


async def _exists(js: JetStreamContext, name: str) -> bool:
    try:
        await js.stream_info(name)
    except NotFoundError:
        return False
    except UNAVAILABLE:  # a cluster electing its leaders: ask again
        return False
    return True
