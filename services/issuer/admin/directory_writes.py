"""Changing a unit's e-mail addresses in the ``chidao_directory`` bucket.

The page's form carries the addresses it showed; the write reads the unit's entry,
refuses if its addresses are no longer those (another administrator, or a ``chidao
directory load``, changed them meanwhile) and writes with a compare-and-set on the
revision it read, so a change landing between the read and the write is refused too,
never overwritten. Every service's mirror then follows the bucket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from shared.contracts import Unit
from shared.directory import Directory, unit_key
from shared.kv import get_entry
from shared.topology import DIRECTORY

MIRROR_WAIT_SECONDS = 3.0


class ChangedMeanwhile(Exception):
    """The unit's entry is not what the form showed any more."""


class UnitGone(Exception):
    """The unit is no longer in the bucket."""


async def set_emails(
    js: JetStreamContext, unit_id: str, shown: list[str], emails: list[str]
) -> Unit:
    """The unit written with ``emails``; ChangedMeanwhile when its stored addresses are
    not ``shown`` or the entry changed under the write."""
    kv = await js.key_value(DIRECTORY.name)
    value, revision = await get_entry(kv, unit_key(unit_id))
    if value is None:
        raise UnitGone(unit_id)
    current = Unit.model_validate_json(value)
    if list(current.emails) != shown:
        raise ChangedMeanwhile(unit_id)
    changed = current.model_copy(update={"emails": emails})
    # validated as a whole, as `chidao directory load` would: never a unit the mirrors
    # cannot read back
    changed = Unit.model_validate(changed.model_dump())
    try:
        await kv.update(unit_key(unit_id), changed.model_dump_json().encode(), last=revision)
    except KeyWrongLastSequenceError:
        raise ChangedMeanwhile(unit_id) from None
    return changed


async def mirrored(directory: Callable[[], Directory], unit: Unit) -> bool:
    """Wait (a few seconds at most) until this service's mirror holds ``unit``, so that
    the page the browser is sent back to shows the change it just made."""
    deadline = time.monotonic() + MIRROR_WAIT_SECONDS
    while time.monotonic() < deadline:
        if directory().get(unit.id) == unit:
            return True
        await asyncio.sleep(0.02)
    return False
