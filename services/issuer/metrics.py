"""Domain metrics of the issuer (FastStream's middleware adds the messaging ones)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class IssuerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.directives = Counter(
            "chidao_directives_issued_total",
            "Directives issued, by outcome (issued, already_issued, conflict, rejected; recalled, "
            "already_recalled; corrected)",
            ["outcome"],
            registry=registry,
        )
        self.assignments = Counter(
            "chidao_assignments_published_total",
            "assignment.created events acknowledged by JetStream, new or duplicate",
            ["result"],
            registry=registry,
        )
        self.fanout_seconds = Histogram(
            "chidao_fanout_seconds",
            "Seconds to publish a directive's events until JetStream acknowledged the last",
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=registry,
        )
        self.documents = Counter(
            "chidao_documents_read_total",
            "Uploaded documents by outcome: read, refused (cannot be read or over a limit), "
            "timeout, memory (stopped at the parse worker's limits), failed (the worker died)",
            ["outcome"],
            registry=registry,
        )
        for outcome in (
            "issued",
            "already_issued",
            "conflict",
            "rejected",
            "recalled",
            "already_recalled",
            "corrected",
        ):
            self.directives.labels(outcome)
        for outcome in ("read", "refused", "timeout", "memory", "failed"):
            self.documents.labels(outcome)
