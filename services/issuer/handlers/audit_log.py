"""Reading the audit trail for the staff: the entries of the asker's subtree (what its
accounts did, and what was done to its units), filtered by unit, person and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext

from shared.auth.audit import AuditEntry, read_entries
from shared.auth.principal import Principal
from shared.directory import Directory

MAX_ENTRIES = 5000  # a page or an export; the command line reads everything


@dataclass(frozen=True)
class AuditQuery:
    unit_id: str | None = None
    username: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _in_scope(entry: AuditEntry, principal: Principal, directory: Directory) -> bool:
    units = [u for u in (entry.unit_id, entry.target_unit_id) if u]
    return principal.is_operator or any(principal.reads(u, directory) for u in units)


def _matches(entry: AuditEntry, query: AuditQuery) -> bool:
    if query.unit_id and query.unit_id not in (entry.unit_id, entry.target_unit_id):
        return False
    if query.username and entry.actor != query.username:
        return False
    return query.until is None or entry.at <= query.until


async def audit_entries(
    js: JetStreamContext, directory: Directory, principal: Principal, query: AuditQuery
) -> list[AuditEntry]:
    """The newest ``MAX_ENTRIES`` entries the principal may read that match, oldest first."""
    found: list[AuditEntry] = []
    async for entry in read_entries(js, query.since):
        if _matches(entry, query) and _in_scope(entry, principal, directory):
            found.append(entry)
            if len(found) > MAX_ENTRIES:
                found.pop(0)
    return found
