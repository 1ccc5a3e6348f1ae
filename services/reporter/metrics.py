from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class ReporterMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.accepted = Counter(
            "chidao_reports_submitted_total",
            "Submissions accepted, by timeliness (on_time, late) and version (first, correction)",
            ["timeliness", "version"],
            registry=registry,
        )
        self.refused = Counter(
            "chidao_submissions_refused_total",
            "Submissions refused, by reason",
            ["reason"],
            registry=registry,
        )
        self.reviews = Counter(
            "chidao_reports_reviewed_total",
            "Parents' decisions on reports, by decision (accepted, returned)",
            ["decision"],
            registry=registry,
        )
        self.extensions = Counter(
            "chidao_extensions_total",
            "Units' requests for more time (asked) and the parents' answers (granted, refused)",
            ["outcome"],
            registry=registry,
        )
        # Every series at 0 from the start, so dashboards and rate() see them at once.
        for timeliness in ("on_time", "late"):
            for version in ("first", "correction"):
                self.accepted.labels(timeliness, version)
        for decision in ("accepted", "returned"):
            self.reviews.labels(decision)
        for outcome in ("asked", "granted", "refused"):
            self.extensions.labels(outcome)
