from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.notifier.domain.timer_plan import TimerKind, TimerOutcome

TEMPLATES = (
    "assignment",
    "directive_notice",
    "reminder",
    "overdue",
    "digest",
    "returned",
    "resend",
    "expired_link",
    "extension_asked",
    "extension_answer",
    "recall_notice",
    "basis_recalled",
    "correction_notice",
    "basis_corrected",
    "unopened",
)


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "chidao_mails_sent_total",
            "Mails accepted by the SMTP server",
            ["template"],
            registry=registry,
        )
        self.failed = Counter(
            "chidao_mails_failed_total",
            "Mails the SMTP server did not accept, by kind (transient, permanent; uncertain: "
            "no answer to the end of DATA, possibly accepted)",
            ["template", "kind"],
            registry=registry,
        )
        self.skipped = Counter(
            "chidao_mails_skipped_total",
            "Mails not sent: already in the ledger, possibly sent under the skip policy, or "
            "the unit has no address",
            ["template", "reason"],
            registry=registry,
        )
        self.possibly_sent = Counter(
            "chidao_mails_possibly_sent_total",
            "Mails the server may have accepted unbeknown to the ledger (a notifier stopped "
            "while sending, or no answer to the end of DATA), by what the policy did with "
            "them (resend, skip)",
            ["template", "policy"],
            registry=registry,
        )
        self.retried = Counter(
            "chidao_mails_retried_total",
            "Transient SMTP failures retried, by template",
            ["template"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            "chidao_mails_dead_lettered_total",
            "Mails the server refused for good, sent to the dead-letter stream, by template",
            ["template"],
            registry=registry,
        )
        self.smtp_seconds = Histogram(
            "chidao_smtp_send_seconds",
            "Seconds the SMTP server took to accept one mail",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.urgent_mails = Counter(
            "chidao_urgent_mails_total",
            "Assignment mails of urgent directives (KHẨN, THƯỢNG KHẨN, HỎA TỐC) sent by the "
            "directive.issued consumer ahead of the assignment queue (also counted in "
            "chidao_mails_sent_total)",
            registry=registry,
        )
        self._timer_metrics(registry)
        self._series_at_zero()

    def _timer_metrics(self, registry: CollectorRegistry) -> None:
        self.timers_scheduled = Counter(
            "chidao_reminders_scheduled_total",
            "Timers scheduled, by kind (remind, overdue, digest; unopened: the assignment "
            "mailed again if nobody opens it)",
            ["kind"],
            registry=registry,
        )
        self.timers_fired = Counter(
            "chidao_reminders_fired_total",
            "Timers that came due, by kind and outcome (mailed, reported, nobody_late, stale; "
            "moved: a reminder or overdue notice for a deadline an extension or a correction "
            "replaced; recalled: a timer of a directive recalled since, whose cancel came too "
            "late; cancelled: a reminder or overdue notice of a unit a correction took off; "
            "opened, revoked: an unopened timer of a unit that opened its link, confirmed, "
            "saved a draft or asked for more time since, or whose link was revoked)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.timers_stale = Counter(
            "chidao_timers_stale_total",
            "Timers dropped because they fired too late to be true (a reminder after its "
            "deadline or long after its moment: an outage, a restart, a replay)",
            ["kind"],
            registry=registry,
        )
        self.timers_cancelled = Counter(
            "chidao_reminders_cancelled_total",
            "Pending reminders and overdue notices cancelled by a report, or replaced by those "
            "of a deadline an extension granted or a correction set, or of a unit a "
            "correction took off; and every timer of a recalled directive, its parents' "
            "digests included",
            registry=registry,
        )
        self.timer_delay = Histogram(
            "chidao_reminder_delay_seconds",
            "Seconds between a timer's instant and its handling, on the chidao clock",
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86400),
            registry=registry,
        )
        self.heartbeat = Gauge(
            "chidao_timer_heartbeat_timestamp_seconds",
            "Unix time this notifier last received its heartbeat timer (a scheduled message "
            "set every minute); stale means scheduled messages are not firing",
            registry=registry,
        )

    def _series_at_zero(self) -> None:
        """Every series at 0 from the start, so rate() and alerts see them before a failure."""
        for template in TEMPLATES:
            self.sent.labels(template)
            self.dead_lettered.labels(template)
            for kind in ("transient", "permanent", "uncertain"):
                self.failed.labels(template, kind)
            for policy in ("resend", "skip"):
                self.possibly_sent.labels(template, policy)
        for kind in get_args(TimerKind):
            self.timers_scheduled.labels(kind)
            self.timers_stale.labels(kind)
            for outcome in get_args(TimerOutcome):
                self.timers_fired.labels(kind, outcome)
