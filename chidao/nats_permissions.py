"""deploy/nats/accounts.conf, generated from shared/topology.py: the NATS users and what
each may do. ``chidao nats permissions > deploy/nats/accounts.conf`` writes it, and
tests/ops/test_nats_permissions.py checks that the committed file is what this prints,
that it grants every service what it declares it uses, and that every escalation is
refused by a real nats-server.

A service's rights are derived from what it owns (``shared.topology.OWNERS``), its durable
consumers (``shared.topology.CONSUMERS``, named after the service) and ``ACCESS`` below:
what it publishes, reads by subject, follows through ephemeral consumers and writes. The
JetStream API subjects are those nats-py 2.16 and FastStream 0.7.8 send (see HEADER).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shared import subjects, topology
from shared.settings import inbox_prefix
from shared.topology import ADMIN, BucketSpec, Declared, StreamSpec

API = "$JS.API"


@dataclass(frozen=True)
class Access:
    """What one service does on NATS besides its own durable consumers."""

    publishes: tuple[str, ...]  # its events: subjects no other service may publish
    streams: tuple[StreamSpec, ...]  # the streams it uses (Service(streams=...)): info
    reads: tuple[Declared, ...]  # what it reads by subject: the last message, a KV key
    follows: tuple[Declared, ...]  # what it reads through ordered consumers (KV watches)
    writes: tuple[BucketSpec, ...]  # the buckets and object stores it writes
    objects: tuple[BucketSpec, ...] = ()  # the object stores it reads files back from
    # Granted by exception; each is explained in HEADER.
    purges: tuple[StreamSpec, ...] = ()
    # Core request and reply (shared.subjects.RPC): the questions it asks another service,
    # and those it answers (it subscribes to them, and may publish each one answer to the
    # asker's reply subject, in the asker's inbox, for a few seconds: allow_responses).
    asks: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()


# What every service does besides its own work (shared.service): record its staff's
# actions in the audit stream, and read the accounts and API tokens that sign them in.
_AUDIT_STREAM = (topology.AUDIT,)
_SIGN_IN = (topology.ACCOUNTS, topology.API_TOKENS)


def _audit(service: str) -> str:
    return f"{subjects.AUDIT}.{service}.>"


ACCESS: dict[str, Access] = {
    "issuer": Access(
        publishes=(
            subjects.all_of(subjects.DIRECTIVE_ISSUED),
            subjects.all_of(subjects.ASSIGNMENT_CREATED),
            subjects.all_of(subjects.DIRECTIVE_RECALLED),
            subjects.all_of(subjects.DIRECTIVE_CORRECTED),
            f"{subjects.TIMER}.issuer.>",  # a recurring requirement's next period
            _audit("issuer"),
        ),
        streams=(topology.DIRECTIVES, topology.ASSIGNMENTS, topology.TIMERS, *_AUDIT_STREAM),
        reads=(
            topology.DIRECTORY,
            topology.ISSUER_DIRECTIVES,
            topology.FORMS,
            topology.CALENDAR,  # deadlines in working days are counted on it
            topology.ISSUER_DRAFTS,
            *_SIGN_IN,
        ),
        # the audit trail's page reads the stream through an ordered consumer
        follows=(
            topology.DIRECTORY,
            topology.ISSUER_DIRECTIVES,
            topology.AUDIT,
            topology.ISSUER_DRAFTS,
        ),
        # the staff console's administration pages (a quản trị's): the units' contacts
        # in the directory and the staff accounts, the only service writing either
        writes=(
            topology.ISSUER_DIRECTIVES,
            topology.DOCUMENTS,
            topology.API_TOKENS,
            topology.ISSUER_DRAFTS,
            topology.DIRECTORY,
            topology.ACCOUNTS,
        ),
        asks=(subjects.MAIL_PREVIEW,),  # the draft page's mails, as the notifier writes them
    ),
    "notifier": Access(
        publishes=(
            f"{subjects.TIMER}.notifier.>",
            f"{subjects.CONTACT}.mailed.>",
            _audit("notifier"),
        ),
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.TIMERS,
            topology.CONTACTS,
            *_AUDIT_STREAM,
        ),
        reads=(
            topology.DIRECTIVES,  # the report form an assignment mail lists
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.CONTACTS,  # whether a unit opened its mail before it is mailed again
            topology.DIRECTORY,
            topology.NOTIFIER_LEDGER,
            topology.REVOKED_LINKS,  # a revoked link is never mailed again (resending)
            topology.CALENDAR,  # reminders counted in working days ("3wd")
            *_SIGN_IN,
        ),
        follows=(topology.DIRECTORY,),
        writes=(topology.NOTIFIER_LEDGER,),
        objects=(topology.DOCUMENTS,),  # the originals it attaches to the mails
        purges=(topology.TIMERS,),  # cancelling reminders (shared/timers.py)
        answers=(subjects.MAIL_PREVIEW,),
    ),
    "reporter": Access(
        publishes=(
            subjects.all_of(subjects.REPORT_SUBMITTED),
            subjects.all_of(subjects.REPORT_REVIEWED),
            subjects.all_of(subjects.EXTENSION),
            f"{subjects.CONTACT}.opened.>",
            f"{subjects.CONTACT}.expired.>",
            f"{subjects.CONTACT}.received.>",
            f"{subjects.CONTACT}.drafted.>",
            _audit("reporter"),
        ),
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.SYNTHESIS,
            topology.CONTACTS,
            *_AUDIT_STREAM,
        ),
        reads=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.CONTACTS,  # a unit's own "Đã nhận", shown again on its page
            topology.DIRECTORY,
            topology.REVOKED_LINKS,
            topology.REPORTER_QUEUE,
            topology.REPORTER_DRAFTS,
            *_SIGN_IN,
        ),
        # the review queue lists its keys by reviewing unit
        follows=(topology.DIRECTORY, topology.REPORTER_QUEUE),
        writes=(
            topology.ATTACHMENTS,
            topology.REVOKED_LINKS,
            topology.REPORTER_QUEUE,
            topology.REPORTER_DRAFTS,
        ),
        objects=(topology.ATTACHMENTS,),
    ),
    "aggregator": Access(
        publishes=(
            subjects.all_of(subjects.SYNTHESIS_UPDATED),
            subjects.all_of(subjects.SYNTHESIS_APPROVED),
            f"{subjects.TIMER}.aggregator.>",
            _audit("aggregator"),
        ),
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.SYNTHESIS,
            topology.TIMERS,
            topology.CONTACTS,
            *_AUDIT_STREAM,
        ),
        reads=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.DIRECTORY,
            topology.AGGREGATOR_ROLLUP,
            topology.AGGREGATOR_DIRECTIVES_BUCKET,
            topology.AGGREGATOR_NOTES,
            topology.SYNTHESIS,  # who approved what went up (the last synthesis.approved)
            topology.CALENDAR,  # days late counted in working days, as a form may say
            *_SIGN_IN,
        ),
        follows=(topology.DIRECTORY, topology.AGGREGATOR_DIRECTIVES_BUCKET),
        writes=(
            topology.AGGREGATOR_ROLLUP,
            topology.AGGREGATOR_DIRECTIVES_BUCKET,
            topology.AGGREGATOR_NOTES,
        ),
    ),
}
SERVICES = tuple(ACCESS)

# What no service user may ever call, whatever its allow list says (NATS applies deny
# before allow): deleting or changing topology, deleting messages, and the admin's data.
DENIED = (
    f"{API}.STREAM.DELETE.>",
    f"{API}.STREAM.UPDATE.>",
    f"{API}.STREAM.MSG.DELETE.>",
    f"{API}.CONSUMER.DELETE.>",
    f"{API}.STREAM.RESTORE.>",
    f"{API}.ACCOUNT.>",
)
# The admin's reference data: denied to every service but the one ACCESS lets write it
# (the issuer's administration pages write the directory's contacts and the accounts).
REFERENCE_DATA = (topology.DIRECTORY, topology.FORMS, topology.CALENDAR, topology.ACCOUNTS)


def consumers_of(service: str) -> tuple[topology.ConsumerSpec, ...]:
    """Its durable consumers: every chidao durable is named ``<service>-<what>``."""
    return tuple(c for c in topology.CONSUMERS if c.durable.startswith(f"{service}-"))


def _unique(items: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _kv_subjects(spec: BucketSpec) -> str:
    prefix = "$O" if spec in topology.OBJECT_STORES else "$KV"
    return f"{prefix}.{spec.name}.>"


def grants(service: str) -> list[tuple[str, list[str]]]:
    """The publish allow list of ``service``, in groups, each with what it is for."""
    access = ACCESS[service]
    consumers = consumers_of(service)
    owned = [name for name, owner in topology.OWNERS.items() if owner == service]
    used = [
        *access.streams,
        *((topology.DEAD_LETTERS,) if consumers else ()),
        *access.reads,
        *access.follows,
        *access.writes,
        *access.objects,
    ]
    name = topology.stream_name
    stores_written = [s for s in access.writes if s in topology.OBJECT_STORES]
    groups = [
        ("its events", list(access.publishes)),
        (
            "its buckets and object stores",
            _unique(_kv_subjects(s) for s in access.writes),
        ),
        (
            "its dead letters, one subject per durable (chidao.dlq.<durable>.<seq>)",
            [f"chidao.dlq.{c.durable}.*" for c in consumers],
        ),
        ("JetStream account info (/readyz)", [f"{API}.INFO"]),
        (
            "create what it owns if missing (never update: see above)",
            [f"{API}.STREAM.CREATE.{stream}" for stream in owned],
        ),
        ("info of what it uses", _unique(f"{API}.STREAM.INFO.{name(s)}" for s in used)),
        (
            "read by subject (the last message, a KV key) and by sequence (a subject's "
            "history, as a report's versions are read)",
            _unique(
                subject
                for s in access.reads
                for subject in (f"{API}.DIRECT.GET.{name(s)}.>", f"{API}.DIRECT.GET.{name(s)}")
            ),
        ),
        (
            "its durable consumers: create or update (name and filter fixed by the "
            "subject), info, fetch, acknowledge",
            [
                subject
                for c in consumers
                for subject in (
                    f"{API}.CONSUMER.CREATE.{c.stream}.{c.durable}.{c.filter_subject}",
                    f"{API}.CONSUMER.INFO.{c.stream}.{c.durable}",
                    f"{API}.CONSUMER.MSG.NEXT.{c.stream}.{c.durable}",
                    f"$JS.ACK.{c.stream}.{c.durable}.>",
                )
            ],
        ),
        (
            "ordered consumers (KV watches, reading files, a subject's history): create, "
            "info, flow control",
            [
                subject
                for s in (*access.follows, *access.objects)
                for subject in (
                    f"{API}.CONSUMER.CREATE.{name(s)}",
                    f"{API}.CONSUMER.INFO.{name(s)}.*",
                    f"$JS.FC.{name(s)}.>",
                )
            ],
        ),
        (
            "object stores: an object's metadata (before writing one too), finding the "
            "stream of its chunks",
            _unique(
                [f"{API}.STREAM.MSG.GET.{name(s)}" for s in (*stores_written, *access.objects)]
                + ([f"{API}.STREAM.NAMES"] if access.objects else [])
            ),
        ),
        ("the questions it asks another service (request and reply)", list(access.asks)),
        (
            "by exception (see above): cancelling its timers",
            [f"{API}.STREAM.PURGE.{s.name}" for s in access.purges],
        ),
    ]
    return [(what, _unique(iter(items))) for what, items in groups if items]


def denied(service: str) -> list[str]:
    access = ACCESS[service]
    reference = [f"$KV.{s.name}.>" for s in REFERENCE_DATA if s not in access.writes]
    return list(DENIED) + reference + ([] if access.purges else [f"{API}.STREAM.PURGE.>"])


def _quoted(items: list[str], indent: str) -> list[str]:
    return [f'{indent}"{item}"' for item in items]


def _user(service: str) -> list[str]:
    lines = [
        "      {",
        f"        user: {service}",
        f"        password: $NATS_{service.upper()}_PASSWORD",
        "        permissions: {",
        "          publish: {",
        "            allow: [",
    ]
    for what, items in grants(service):
        lines.append(f"              # {what}")
        lines += _quoted(items, "              ")
    lines += ["            ]", "            deny: ["]
    lines += _quoted(denied(service), "              ")
    access = ACCESS[service]
    subscribed = ", ".join(f'"{s}"' for s in (f"{inbox_prefix(service)}.>", *access.answers))
    lines += [
        "            ]",
        "          }",
        f"          subscribe: {{ allow: [{subscribed}] }}",
    ]
    if access.answers:
        # one answer to each question it received, within the asker's deadline
        lines.append('          allow_responses: { max: 1, expires: "10s" }')
    lines += ["        }", "      }"]
    return lines


HEADER = """\
# GENERATED by `chidao nats permissions` from shared/topology.py (the streams, buckets,
# consumers and who owns them) and chidao/nats_permissions.py (what each service reads
# and writes); tests/ops/test_nats_permissions.py fails when this file differs. Do not
# edit it by hand: change those and run `chidao nats permissions > deploy/nats/accounts.conf`.
#
# One NATS user per chidao service, each allowed only what it does; an admin user for
# the operator (the chidao command line: `chidao nats declare`, `directory load`,
# `forms load`, `dlq replay`; the nats CLI for backups) and the system account. Passwords
# come from the environment of nats-server ($NATS_<USER>_PASSWORD): compose.yaml sets
# them, the Helm values take them from a Secret.
#
# Who declares what (shared/topology.py OWNERS): the admin declares the streams and
# buckets several services or tools write (CHIDAO_DEAD_LETTERS, CHIDAO_TIMERS, the
# directory and forms buckets): `chidao directory load` does it, `chidao nats declare`
# declares everything and applies changed settings. A service creates what it owns when
# it is missing, and waits for the rest ("waiting for stream X, declared by Y").
#
# Why a service may CREATE its own streams but never UPDATE them: NATS permissions see
# the subject of a request ($JS.API.STREAM.UPDATE.<stream>), not its body, and the body
# of a stream's configuration can add sources (copying another stream in, through a
# subject transform), republish every stored message to any subject (which other
# streams then store: a forged directive.issued), or take more subjects. So an owner
# that could update its own stream could reach into every other. CREATE cannot: for a
# stream that exists, JetStream answers the same configuration with a success and any
# other with "already in use", changing nothing, and no service may delete a stream.
# Only before a stream first exists could its owner create it with such a body; the
# admin's `chidao nats declare` at installation (compose's directory job declares the
# shared ones) removes even that window. Settings changes (replicas, the duplicate
# window) are applied by the admin with `chidao nats declare`.
#
# The JetStream API subjects, as nats-py 2.16 and FastStream 0.7.8 send them:
#   $JS.API.STREAM.INFO.<stream>                 js.stream_info, js.key_value, js.object_store
#   $JS.API.STREAM.CREATE.<stream>               js.add_stream, create_key_value (KV_<b>),
#                                                create_object_store (OBJ_<b>)
#   $JS.API.DIRECT.GET.<stream>.<subject>        the last message on a subject (get_last_msg
#                                                direct, KeyValue.get)
#   $JS.API.STREAM.MSG.GET.<stream>              an object's metadata (ObjectStore.get_info)
#   $JS.API.STREAM.NAMES                         finding the stream of an object's chunks
#   $JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>   a durable (add_consumer, pull_subscribe)
#   $JS.API.CONSUMER.CREATE.<stream>             an ephemeral ordered consumer (KV watch and
#                                                keys, reading an object, js.subscribe)
#   $JS.API.CONSUMER.INFO.<stream>.<name>        consumer_info
#   $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> fetching from a pull consumer
#   $JS.ACK.<stream>.<durable>.>                 ack, nak, in progress, term (the reply subject)
#   $JS.FC.<stream>.>                            flow control of an ordered consumer
# Subscriptions: each service's inbox prefix is its own (_INBOX.<service>, shared/settings.py
# nats_options), so no user can listen to the replies another one receives (KV values,
# last messages, KV watches, what another service fetches from its durables: the pull
# subscribers take the same prefix, Service.subscriber).
#
# Known exceptions, left for a change of code, not of this file:
#   - The notifier may PURGE CHIDAO_TIMERS: it cancels a reminder by purging its subject
#     (shared/timers.py), and a purge request's subject filter is in its body, so it could
#     purge the aggregator's timers too. Both services also share the stream's fired
#     subjects: a schedule's target (Nats-Schedule-Target, a header) may be any subject
#     of the stream, so either could schedule a timer the other one fires. One timers
#     stream per owner would confine both.
"""


def accounts_conf() -> str:
    """The whole of deploy/nats/accounts.conf."""
    lines = [HEADER, "accounts {", "  CHIDAO {", "    jetstream: enabled", "    users: ["]
    for service in SERVICES:
        lines += _user(service)
    lines += [
        "      # the operator (the chidao command line, the nats CLI): everything in CHIDAO,",
        "      # topology changes, the directory and forms, dead-letter replay",
        f"      {{ user: {ADMIN}, password: $NATS_ADMIN_PASSWORD }}",
        "    ]",
        "  }",
        "  SYS {",
        "    users: [ { user: sys, password: $NATS_SYS_PASSWORD } ]",
        "  }",
        "}",
        "system_account: SYS",
    ]
    return "\n".join(lines) + "\n"
