"""Subject builders. Subjects are ASCII: chidao.<event>.<directive_id>.<unit_id>.<requirement_id>.

Ids are slugs (shared.slugs); a builder refuses anything else, so Vietnamese text can
never reach a subject.
"""

from __future__ import annotations

from shared.slugs import is_slug

ROOT = "chidao"

DIRECTIVE_ISSUED = f"{ROOT}.directive.issued"
# The issuer recalled a directive (thu hồi): chidao.directive.recalled.<directive>
DIRECTIVE_RECALLED = f"{ROOT}.directive.recalled"
DIRECTIVE_CORRECTED = f"{ROOT}.directive.corrected"
ASSIGNMENT_CREATED = f"{ROOT}.assignment.created"
REPORT_SUBMITTED = f"{ROOT}.report.submitted"
REPORT_REVIEWED = f"{ROOT}.report.reviewed"
SYNTHESIS_UPDATED = f"{ROOT}.synthesis.updated"
SYNTHESIS_APPROVED = f"{ROOT}.synthesis.approved"
# A unit's requests for more time on one assignment and the answers (the last counts)
EXTENSION = f"{ROOT}.extension"
# A unit reached about one assignment: chidao.contact.<how>.<directive>.<unit>.<requirement>,
# "mailed" by the notifier (its server accepted the mail), "opened" by the reporter (the
# unit opened its signed link), "expired" by the reporter too (it opened one whose time
# was over). One subject each; the earliest is what counts.
CONTACT = f"{ROOT}.contact"
# expired: it opened a link past its time; received: it confirmed on its page that it has
# the document ("Đã nhận", the national document exchange's word); drafted: it saved its
# report form without sending it (it is at work on it: "đang xử lý")
CONTACT_HOWS = ("mailed", "opened", "expired", "received", "drafted")
# Durable timers: chidao.timer.<owner service>.<kind>.<ids>, one subject per timer
# (replaced on re-scheduling); delivered to chidao.fired.<owner service>.<kind>.<ids>.
TIMER = f"{ROOT}.timer"
FIRED = f"{ROOT}.fired"
# The audit trail: chidao.audit.<service>.<entry id>, one message per staff action.
AUDIT = f"{ROOT}.audit"
# Questions one service asks another and waits for (core NATS request and reply, in no
# stream: nothing is kept): chidao.rpc.<answering service>.<question>.
RPC = f"{ROOT}.rpc"
MAIL_PREVIEW = f"{RPC}.notifier.mail-preview"  # the mails a draft directive would make


def _tokens(*ids: str) -> str:
    for token in ids:
        if not is_slug(token):
            raise ValueError(f"{token!r} is not an ASCII slug and cannot go into a subject")
    return ".".join(ids)


def directive_issued(directive_id: str) -> str:
    return f"{DIRECTIVE_ISSUED}.{_tokens(directive_id)}"


def directive_recalled(directive_id: str) -> str:
    return f"{DIRECTIVE_RECALLED}.{_tokens(directive_id)}"


def directive_recalled_id(directive_id: str) -> str:
    """A directive is recalled once: recalling it again publishes nothing new."""
    return f"directive-recalled.{_tokens(directive_id)}"


def directive_corrected(directive_id: str) -> str:
    return f"{DIRECTIVE_CORRECTED}.{_tokens(directive_id)}"


def directive_corrected_id(directive_id: str, number: int) -> str:
    """One per correction: correcting with the same content again publishes nothing new."""
    return f"directive-corrected.{_tokens(directive_id)}.c{_version(number)[1:]}"


def assignment_created(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{ASSIGNMENT_CREATED}.{_tokens(directive_id, unit_id, requirement_id)}"


def report_submitted(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{REPORT_SUBMITTED}.{_tokens(directive_id, unit_id, requirement_id)}"


def synthesis_updated(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{SYNTHESIS_UPDATED}.{_tokens(directive_id, unit_id, requirement_id)}"


def report_reviewed(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{REPORT_REVIEWED}.{_tokens(directive_id, unit_id, requirement_id)}"


def synthesis_approved(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{SYNTHESIS_APPROVED}.{_tokens(directive_id, unit_id, requirement_id)}"


def extension(directive_id: str, unit_id: str, requirement_id: str) -> str:
    return f"{EXTENSION}.{_tokens(directive_id, unit_id, requirement_id)}"


def contact(how: str, directive_id: str, unit_id: str, requirement_id: str) -> str:
    if how not in CONTACT_HOWS:
        raise ValueError(f"{how!r} is not a way of reaching a unit")
    return f"{CONTACT}.{how}.{_tokens(directive_id, unit_id, requirement_id)}"


def timer(owner: str, kind: str, *ids: str) -> str:
    """chidao.timer.<owner>.<kind>.<ids...>; kind is e.g. remind-7d, overdue, digest."""
    return f"{TIMER}.{_tokens(owner, kind, *ids)}"


def fired(owner: str, kind: str, *ids: str) -> str:
    return f"{FIRED}.{_tokens(owner, kind, *ids)}"


def all_of(prefix: str) -> str:
    """Wildcard for every subject under an event prefix."""
    return f"{prefix}.>"


# --- event ids ------------------------------------------------------------------------
# An event's id is its Nats-Msg-Id: JetStream drops a second publish of the same id
# within the duplicate window, so the id must be the same every time the same fact is
# published (a replica retrying, a redelivered handler) and different for a different
# fact. Each is built here, from slugs, beside the subject the event goes to.


def _version(version: int) -> str:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"{version!r} is not a version number")
    return f"v{version}"


def directive_issued_id(directive_id: str) -> str:
    return f"directive-issued.{_tokens(directive_id)}"


def assignment_created_id(
    directive_id: str, unit_id: str, requirement_id: str, correction: int = 0
) -> str:
    """``correction``: the number of the correction the assignment is published again
    for (0: as issued)."""
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"assignment-created.{ids}" + (f".c{_version(correction)[1:]}" if correction else "")


def report_submitted_id(directive_id: str, unit_id: str, requirement_id: str, version: int) -> str:
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"report-submitted.{ids}.{_version(version)}"


def report_reviewed_id(
    directive_id: str,
    unit_id: str,
    requirement_id: str,
    version: int,
    decision: str,
    after_seq: int,
) -> str:
    """``after_seq``: the stream sequence of the review it follows (0 for the first), so
    that accepting, returning and accepting again are three events."""
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"report-reviewed.{ids}.{_version(version)}.{_tokens(decision)}.{int(after_seq)}"


def synthesis_updated_id(directive_id: str, unit_id: str, requirement_id: str, version: int) -> str:
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"synthesis-updated.{ids}.{_version(version)}"


def synthesis_approved_id(
    directive_id: str, unit_id: str, requirement_id: str, version: int, notes_revision: int = 0
) -> str:
    """``version``: the roll-up node's; ``notes_revision``: the staff's written sections'
    (0: none written), so that either changing makes a new approval."""
    ids = _tokens(directive_id, unit_id, requirement_id)
    notes = f".n{_version(notes_revision)[1:]}" if notes_revision else ""
    return f"synthesis-approved.{ids}.{_version(version)}{notes}"


def extension_id(
    directive_id: str, unit_id: str, requirement_id: str, number: int, status: str
) -> str:
    """One per (request, state): asking is ``n1.pending``, its answer ``n1.granted``."""
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"extension.{ids}.n{_version(number)[1:]}.{_tokens(status)}"


def contact_id(
    how: str, directive_id: str, unit_id: str, requirement_id: str, occasion: str = ""
) -> str:
    """One per (way, assignment): a second visit within the duplicate window adds nothing
    (after it, one more message, which the stream keeps instead). ``occasion`` tells one
    mail from another (a resend's form nonce): each resend is told."""
    ids = _tokens(directive_id, unit_id, requirement_id)
    return f"contact-{_tokens(how)}.{ids}" + (f".{_tokens(occasion)}" if occasion else "")


def timer_id(kind: str, *ids: str) -> str:
    """A timer's id: the same timer scheduled again replaces itself (its subject) and is
    dropped as a duplicate within the window (this id)."""
    return f"timer.{_tokens(kind, *ids)}"
