"""What a batch of deliveries for one event amounts to, and the recipient it needs."""

from __future__ import annotations

from collections.abc import Sequence

from shared.contracts import Unit
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


def settle(results: Sequence[str | BaseException | None]) -> None:
    """The outcome of one event's mails, each a permanent refusal (its reason), None (sent
    or not needed), or what a transient failure raised. A transient failure brings the
    whole event back (the mails already sent are skipped then); refusals, all of them,
    are the reason its message goes to the dead-letter stream with."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
    refused = [r for r in results if isinstance(r, str)]
    if refused:
        raise PermanentError("mail refused for good: " + "; ".join(refused))
