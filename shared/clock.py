"""The one clock every service reads.

Real by default. ``CHIDAO_CLOCK=sim:2024-06-19T08:00:00+07:00@3600`` gives a simulated
clock that shows the start instant at the anchor (``CHIDAO_CLOCK_ANCHOR``, unix seconds;
the process start when unset) and runs ``3600`` times faster than real time, so that a
2024 campaign can be replayed in minutes. Processes that share the spec and the anchor
agree on the time, which is why ``chidao dev`` hands both to every service it starts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class ClockSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Clock:
    """Real time, or simulated time when ``start`` is given."""

    start: datetime | None = None
    factor: float = 1.0
    anchor: float = field(default_factory=time.time)

    @property
    def simulated(self) -> bool:
        return self.start is not None

    def now(self) -> datetime:
        """The current instant, in Vietnam's time zone."""
        return self.at_real(time.time())

    def at_real(self, real_epoch: float) -> datetime:
        """The clock's instant at a given real unix time."""
        if self.start is None:
            return datetime.fromtimestamp(real_epoch, VN_TZ)
        return (
            self.start + timedelta(seconds=(real_epoch - self.anchor) * self.factor)
        ).astimezone(VN_TZ)

    def real_epoch_of(self, instant: datetime) -> float:
        """The real unix time at which this clock will show ``instant`` (for timers)."""
        if self.start is None:
            return instant.timestamp()
        return self.anchor + (instant - self.start).total_seconds() / self.factor

    def real_seconds_until(self, instant: datetime) -> float:
        return self.real_epoch_of(instant) - time.time()

    def describe(self) -> str:
        if self.start is None:
            return "real"
        return f"sim:{self.start.isoformat()}@{self.factor:g}"


def parse_clock(spec: str, anchor: float | None = None) -> Clock:
    """Build a clock from ``real`` or ``sim:<ISO instant with offset>@<factor>``."""
    spec = spec.strip()
    if spec in ("", "real"):
        return Clock()
    if not spec.startswith("sim:"):
        raise ClockSpecError(f"clock must be 'real' or 'sim:<start>@<factor>', got {spec!r}")
    body = spec[4:]
    start_text, sep, factor_text = body.rpartition("@")
    if not sep:
        start_text, factor_text = body, "1"
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError as exc:
        raise ClockSpecError(f"clock start {start_text!r} is not an ISO date-time") from exc
    if start.tzinfo is None:
        raise ClockSpecError(f"clock start {start_text!r} needs a UTC offset such as +07:00")
    try:
        factor = float(factor_text)
    except ValueError as exc:
        raise ClockSpecError(f"clock speed factor {factor_text!r} is not a number") from exc
    if not math.isfinite(factor) or factor <= 0:
        raise ClockSpecError(f"clock speed factor must be positive and finite, got {factor_text!r}")
    return Clock(start=start, factor=factor, anchor=time.time() if anchor is None else anchor)
