"""The events the issuer consumes: its own timers, each opening a recurring
requirement's next period."""

from __future__ import annotations

from services.issuer.handlers.periods import PeriodTimer, period_opened
from shared import topology
from shared.service import Service


def subscribe(service: Service) -> None:
    @service.subscriber(topology.ISSUER_TIMERS, batch_size=4)
    async def on_timer(timer: PeriodTimer) -> None:
        await period_opened(service.deps, timer)
