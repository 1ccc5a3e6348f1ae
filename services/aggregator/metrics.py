from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.contracts import Totals


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
        self.assignments = Gauge(
            "chidao_assignments",
            "Assignments of a directive (every level, every requirement) by state: pending "
            "and overdue (no report; deadline ahead or passed), on_time, late",
            ["directive", "state"],
            registry=registry,
        )
        self.accepted = Gauge(
            "chidao_assignments_accepted",
            "Reports of a directive its units' parents have accepted",
            ["directive"],
            registry=registry,
        )
        self.approvals = Counter(
            "chidao_syntheses_approved_total",
            "Syntheses approved and sent up as the unit's report, by who (staff, automatic)",
            ["by"],
            registry=registry,
        )

    def set_progress(
        self, directive_id: str, roots: list[tuple[Totals, datetime | None]], now: datetime
    ) -> None:
        """The directive's gauges from the root totals of its requirements, each with its
        deadline: a report still missing after the deadline is overdue, unless its unit
        was granted a later one not reached yet."""
        states = {"pending": 0, "overdue": 0, "on_time": 0, "late": 0}
        accepted = 0
        for totals, due in roots:
            overdue = totals.overdue(due, now)
            states["overdue"] += overdue
            states["pending"] += totals.missing - overdue
            states["on_time"] += totals.on_time
            states["late"] += totals.late
            accepted += totals.accepted
        for state, count in states.items():
            self.assignments.labels(directive_id, state).set(count)
        self.accepted.labels(directive_id).set(accepted)
