"""Roll-up figures of a unit subtree, as published in synthesis.updated."""

from __future__ import annotations

from pydantic import Field

from shared.contracts.base import Contract, Slug


class Totals(Contract):
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    figures: dict[Slug, float] = Field(default_factory=dict)

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    def __add__(self, other: Totals) -> Totals:
        figures = dict(self.figures)
        for name, value in other.figures.items():
            figures[name] = figures.get(name, 0.0) + value
        return Totals(
            expected=self.expected + other.expected,
            submitted=self.submitted + other.submitted,
            on_time=self.on_time + other.on_time,
            late=self.late + other.late,
            figures=figures,
        )
