"""Read, compare, write, and again on a conflict: the one loop behind every optimistic
update (a KV ``update(last=revision)``, a stream append with an expected last sequence).

Two replicas, or two requests, may change the same record at the same moment; the loser
of the race reads again and re-decides. Past ``attempts`` the caller gets ``Busy``: a
transient refusal, which the API answers with 409 "try again" and a subscriber with a
redelivery."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.errors import Busy

T = TypeVar("T")


async def on_conflict_retry(
    attempt: Callable[[int], Awaitable[T]],
    *,
    conflicts: type[Exception] | tuple[type[Exception], ...],
    attempts: int,
    busy: str,
    jitter: float = 0.0,
    on_conflict: Callable[[], object] | None = None,
) -> T:
    """``attempt(n)`` (n from 0) reads, decides and writes; it raises one of ``conflicts``
    when the write lost a race. Each loss waits up to ``jitter * (n + 1)`` seconds, so
    racing writers spread out, and calls ``on_conflict`` (a metric)."""
    for n in range(attempts):
        try:
            return await attempt(n)
        except conflicts:
            if on_conflict is not None:
                on_conflict()
            if jitter:
                await asyncio.sleep(random.uniform(0, jitter * (n + 1)))
    raise Busy(busy)
