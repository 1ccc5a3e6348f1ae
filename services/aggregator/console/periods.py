"""Which period of a recurring requirement a page shows, the links to the others, and the
trend across them: the directive's page, the status page and the synthesis page alike.

A recurring requirement reaches the pages as one requirement per period assigned so far
(``DirectiveBook.get``, shared/periods.py ``as_of``), oldest first, each under the id
``<requirement>--<period key>`` and with its period's name. A page shows, of each, the
period its ``?period=`` names by key ("2025-q1"), or the latest when it names none or
one the requirement has not (a link kept from another directive, a period not open yet):
a link never fails for being old. A requirement that does not recur always shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Protocol, TypeVar

from fastapi import Query

from services.aggregator.documents.report import short_deadline
from services.aggregator.domain.synthesis import RequirementSynthesis
from shared.periods import SEPARATOR
from shared.vietnamese import format_rate

# A period's key as shared/periods.py makes them: "2025", "2025-03", "2025-q1", "2025-h2".
# Checked at the edge: anything else is answered 422 in plain words, never looked up.
PERIOD_PATTERN = r"^[0-9]{4}(?:-(?:q[1-4]|h[12]|0[1-9]|1[0-2]))?$"
PERIOD_MAX_LENGTH = 8
PeriodQuery = Annotated[
    str | None,
    Query(
        pattern=PERIOD_PATTERN,
        max_length=PERIOD_MAX_LENGTH,
        description="a recurring requirement's period to show ('2025-q1'); the latest if unset",
    ),
]


class Periodic(Protocol):
    """A requirement as a page has it: the requirement itself, its synthesis, a section."""

    @property
    def id(self) -> str: ...

    @property
    def period(self) -> str | None: ...


P = TypeVar("P", bound=Periodic)


@dataclass(frozen=True)
class Choice:
    """A period in a selector: its link, and whether it is the one shown."""

    key: str
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class Counts:
    """A period's reports, as its page counts them."""

    deadline: str
    expected: int
    submitted: int
    on_time: int
    late: int
    overdue: int


@dataclass(frozen=True)
class TrendRow:
    period: Choice
    counts: Counts
    rate: str  # reported of those expected to, "50%"


def period_key(item: Periodic) -> tuple[str, str] | None:
    """(the requirement's id, the period's key) of a period's copy; None otherwise."""
    if not item.period:
        return None
    base, sep, key = item.id.rpartition(SEPARATOR)
    return (base, key) if sep and base else None


def shown(items: Sequence[P], period: str | None) -> list[P]:
    """The items a page shows: each that does not recur, and of each recurring
    requirement the period keyed ``period``, else its latest (the last)."""
    chosen: dict[str, str] = {}  # requirement -> the id of the period shown
    found: set[str] = set()  # the requirements that have the period asked for
    for item in items:
        key = period_key(item)
        if key is None or key[0] in found:
            continue
        chosen[key[0]] = item.id
        if key[1] == period:
            found.add(key[0])
    return [i for i in items if (k := period_key(i)) is None or chosen[k[0]] == i.id]


def siblings(items: Sequence[P], item: Periodic) -> list[P]:
    """The periods of the requirement ``item`` is a period of, oldest first ([] when it
    does not recur)."""
    key = period_key(item)
    if key is None:
        return []
    return [i for i in items if (k := period_key(i)) is not None and k[0] == key[0]]


def choices(items: Sequence[P], item: Periodic, href: Callable[[str], str]) -> list[Choice]:
    """A selector of the periods of ``item``'s requirement, ``item`` current; none when
    there is nothing to choose (a requirement that does not recur, a single period)."""
    periods = siblings(items, item)
    return [_choice(p, item, href) for p in periods] if len(periods) > 1 else []


def trend(
    items: Sequence[P],
    item: Periodic,
    href: Callable[[str], str],
    counts: Callable[[P], Counts],
) -> list[TrendRow]:
    """A row per period of ``item``'s requirement, oldest first; none when there is only
    one (its own section says it all)."""
    periods = siblings(items, item)
    if len(periods) < 2:
        return []
    rows = []
    for p in periods:
        c = counts(p)
        rows.append(TrendRow(_choice(p, item, href), c, format_rate(c.submitted, c.expected)))
    return rows


def _choice(p: Periodic, current: Periodic, href: Callable[[str], str]) -> Choice:
    key = period_key(p)
    assert key is not None  # a sibling is a period's copy
    return Choice(key[1], p.period or key[1], href(key[1]), p.id == current.id)


def with_period_label(action: str, period: str | None) -> str:
    """ "Báo cáo kết quả thực hiện — Quý II/2025": an action, and the period it is for."""
    return f"{action} — {period}" if period else action


def key_in(requirement_id: str | None) -> str | None:
    """The period key a period's requirement id ends with ("r1--2025-q1": "2025-q1"), so
    that a page answering a form about one period shows that period again."""
    base, sep, key = (requirement_id or "").rpartition(SEPARATOR)
    return key if sep and base and key else None


def synthesis_counts(r: RequirementSynthesis) -> Counts:
    """A period's counts from its synthesis: what the status and synthesis pages show."""
    t = r.totals
    due = datetime.fromisoformat(r.due_before) if r.due_before else None
    deadline = short_deadline(due) if due else r.deadline
    return Counts(deadline, t.expected, t.submitted, t.on_time, t.late, t.overdue)
