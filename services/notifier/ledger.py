"""The notifier's ledger: which (event, unit) mails the SMTP server has accepted.

A mail is recorded only after the server accepted it, and is never sent when its key is
already recorded, so a redelivered or replayed event sends nothing twice. (A crash in
the instant between the server's acceptance and the record can still repeat one mail;
its Message-ID is the same, which lets the receiving side drop it.)"""

from __future__ import annotations

from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel

from shared.availability import until_available
from shared.kv import get_value


class LedgerEntry(BaseModel):
    status: str  # "sent" or "rejected"
    at: AwareDatetime
    template: str
    recipients: list[str]
    detail: str = ""


class Ledger:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def sent(self, key: str) -> bool:
        """Whether the server accepted this mail already (a refused one may be tried again
        when its dead letter is replayed)."""
        entry = await self.get(key)
        return entry is not None and entry.status == "sent"

    async def get(self, key: str) -> LedgerEntry | None:
        value = await until_available(lambda: get_value(self._kv, key), f"reading ledger {key}")
        return LedgerEntry.model_validate_json(value) if value else None

    async def record(self, key: str, entry: LedgerEntry) -> None:
        """Called once the server has accepted the mail: it must get through, or the mail
        goes again on redelivery. So it outlasts a lost node and its leader election."""
        data = entry.model_dump_json().encode()
        await until_available(lambda: self._kv.put(key, data), f"recording {key}", within=60)
