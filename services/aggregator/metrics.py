from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class AggregatorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "chidao_rollup_events_total",
            "Events applied to the roll-up, by type",
            ["type"],
            registry=registry,
        )
        self.writes = Counter(
            "chidao_rollup_node_writes_total", "Roll-up nodes written", registry=registry
        )
        self.conflicts = Counter(
            "chidao_rollup_conflicts_total",
            "Compare-and-set conflicts on roll-up nodes (another writer was first)",
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "chidao_rollup_batch_seconds",
            "Seconds to apply one batch of events up to the root",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )
        self.approvals = Counter(
            "chidao_syntheses_approved_total",
            "Syntheses approved and sent up as the unit's report, by who (staff, automatic)",
            ["by"],
            registry=registry,
        )
