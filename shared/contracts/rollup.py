"""Roll-up figures of a unit subtree, as published in synthesis.updated."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.contracts.base import Contract, Slug


class Totals(Contract):
    """Counts of reports and the figures added up by their form's rules. Rates and ratio
    fields are computed from these when shown, never stored."""

    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    accepted: int = 0  # reports the parent has accepted
    days_late: int = 0  # summed over the late reports (for the average)
    sums: dict[Slug, float] = Field(default_factory=dict)  # SUM fields and ratio parts
    choices: dict[Slug, dict[Slug, int]] = Field(default_factory=dict)  # reports per choice
    # per ratio field, [numerator, denominator] summed over the reports that gave both
    ratio_parts: dict[Slug, tuple[float, float]] = Field(default_factory=dict)
    # Units granted more time (xin gia hạn được chấp thuận), whether they reported or not.
    extended: int = 0
    # Of those not reported yet, how many per deadline in force (an ISO instant): what is
    # missing past the directive's deadline is overdue only once that deadline passes too.
    extended_missing: dict[str, int] = Field(default_factory=dict)

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    def overdue(self, due: datetime | None, now: datetime) -> int:
        """Reports missing at ``now`` whose deadline in force has passed: all that are
        missing once ``due`` (the requirement's) has, but those granted a later deadline
        not reached yet. A granted deadline is never earlier than the one it replaces."""
        if due is None or now < due:
            return 0
        ahead = (n for at, n in self.extended_missing.items() if datetime.fromisoformat(at) > now)
        later = sum(ahead)
        return max(0, self.missing - later)

    def __add__(self, other: Totals) -> Totals:
        sums = dict(self.sums)
        for name, value in other.sums.items():
            sums[name] = sums.get(name, 0.0) + value
        choices = {name: dict(counts) for name, counts in self.choices.items()}
        for name, counts in other.choices.items():
            mine = choices.setdefault(name, {})
            for choice, count in counts.items():
                mine[choice] = mine.get(choice, 0) + count
        parts = dict(self.ratio_parts)
        for name, (num, den) in other.ratio_parts.items():
            mine_num, mine_den = parts.get(name, (0.0, 0.0))
            parts[name] = (mine_num + num, mine_den + den)
        waiting = dict(self.extended_missing)
        for at, count in other.extended_missing.items():
            waiting[at] = waiting.get(at, 0) + count
        return Totals(
            expected=self.expected + other.expected,
            submitted=self.submitted + other.submitted,
            on_time=self.on_time + other.on_time,
            late=self.late + other.late,
            accepted=self.accepted + other.accepted,
            days_late=self.days_late + other.days_late,
            sums=sums,
            choices=choices,
            ratio_parts=parts,
            extended=self.extended + other.extended,
            extended_missing=waiting,
        )

    def ratio(self, name: str) -> float | None:
        """A ratio field as a percentage, weighted: the sum of the numerators over the sum
        of the denominators; None when nothing to divide by."""
        num, den = self.ratio_parts.get(name, (0.0, 0.0))
        return 100.0 * num / den if den else None
