"""What a batch of deliveries for one event amounts to, and the recipient it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shared.contracts import Assignment, Unit
from shared.directory import Directory
from shared.errors import NotFound, PermanentError


class UnitNotInDirectory(NotFound):
    """The directory may still be catching up with a load: the event comes back later."""

    permanent = False


def recipient(directory: Directory, unit_id: str) -> Unit:
    unit = directory.get(unit_id)
    if unit is None:
        raise UnitNotInDirectory(f"unit '{unit_id}' is not in the directory")
    return unit


def collecting(directory: Directory, a: Assignment, parent: str) -> str:
    """The body ``a``'s reports are sent to ("gửi về", "qua Ban Tuyên giáo ..."), which is
    the one to chase them and to hear the unit's requests: the parent's own desk that
    collects them, else ``parent`` itself when the directory does not hold that desk."""
    desk = a.reviewing_unit
    return desk if desk in directory else parent


@dataclass(frozen=True)
class Delivered:
    """What came of one mail: sent; skipped (the ledger or another replica's claim says
    it went already: ``reason``); no address; refused for good (``reason``: the unit and
    the server's words); or possibly sent (the server's answer never came)."""

    outcome: Literal["sent", "skipped", "no_address", "refused", "possibly_sent"]
    reason: str = ""


def settle(results: Sequence[Delivered | BaseException]) -> None:
    """The outcome of one event's mails, or what a transient failure raised. A transient
    failure brings the whole event back (the mails already sent are skipped then);
    refusals, all of them, are the reason its message goes to the dead-letter stream
    with."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
    refused = [r.reason for r in results if isinstance(r, Delivered) and r.outcome == "refused"]
    if refused:
        raise PermanentError("mail refused for good: " + "; ".join(refused))
