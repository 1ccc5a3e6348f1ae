"""Staff accounts from the admin command line (``chidao users ...``), over the NATS admin
user's connection, each change recorded in the audit trail as the operator; and the demo's
named accounts (``chidao dev``, ``chidao demo``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError

from chidao.runtime.admin import _connect
from shared import topology
from shared.auth import audit
from shared.auth.accounts import Account, all_accounts, hash_password, read_account, write_account
from shared.auth.principal import operator
from shared.auth.roles import Role
from shared.directory import unit_key
from shared.settings import Settings

# The demo's password: `chidao dev` and `chidao demo` only, on the embedded runtime.
DEMO_PASSWORD = "chidao-demo-2026"


def _demo(username: str, name: str, unit_id: str, *roles: Role) -> Account:
    return Account(username=username, display_name=name, unit_id=unit_id, roles=frozenset(roles))


# The units the demo campaign acts as (chidao/demo/campaign.py): Đảng ủy Sở Nội vụ, which
# issues Kế hoạch 101-KH/ĐU, reviews its chi bộ's reports and approves its synthesis; the
# level above, Đảng ủy Khối, which issued 153-KH/ĐUK; and one of the chi bộ that report.
DEMO_ACCOUNTS: list[Account] = [
    _demo("vanthu.snv", "Nguyễn Thị Hoa", "du-so-noi-vu-hy", Role.VAN_THU),
    _demo("chuyenvien.snv", "Trần Văn Minh", "du-so-noi-vu-hy", Role.CHUYEN_VIEN),
    _demo("lanhdao.snv", "Lê Quang Thành", "du-so-noi-vu-hy", Role.LANH_DAO),
    _demo("vanthu.duk", "Phạm Thị Lan", "duk-cqdn-hung-yen", Role.VAN_THU),
    _demo("lanhdao.duk", "Hoàng Văn Đức", "duk-cqdn-hung-yen", Role.CHUYEN_VIEN, Role.LANH_DAO),
    _demo("vanthu.cbvp", "Đỗ Thị Mai", "cb-snv-van-phong", Role.VAN_THU),
]


class AccountError(ValueError):
    """The change is refused; the message says why (a duplicate, an unknown unit...)."""


@asynccontextmanager
async def admin_js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """JetStream as the NATS admin user, with the accounts bucket and the audit stream
    declared (both the admin's: shared.topology.OWNERS), so that the first account can be
    made before any service has started."""
    settings = Settings(nats_url=nats_url)
    nc = await _connect(nats_url, settings, allow_reconnect=False)
    try:
        js = nc.jetstream()
        await topology.ensure_buckets(js, settings, (topology.ACCOUNTS,))
        await topology.ensure_streams(js, settings, (topology.AUDIT,))
        yield js
    finally:
        await nc.close()


async def record(js: JetStreamContext, action: str, **fields: object) -> None:
    """An audit entry of the operator's: the admin command line acts as no account."""
    await audit.record(js, audit.entry_from("cli", operator(), action, "ok", **fields))


async def record_action(nats_url: str, action: str, **fields: object) -> None:
    """The same, on a connection of its own (directory load, forms load, dlq replay)."""
    async with admin_js(nats_url) as js:
        await record(js, action, **fields)


async def unit_exists(js: JetStreamContext, unit_id: str) -> bool:
    try:
        kv = await js.key_value(topology.DIRECTORY.name)
    except (BucketNotFoundError, NotFoundError):
        raise AccountError(
            "the unit directory is not loaded: run `chidao directory load FILE` first"
        ) from None
    try:
        entry = await kv.get(unit_key(unit_id))
    except KeyNotFoundError:
        return False
    return bool(entry.value)


def _detail(account: Account) -> str:
    roles = ",".join(sorted(r.value for r in account.roles))
    return f"account {account.username} ({roles}){' disabled' if account.disabled else ''}"


async def add_account(nats_url: str, account: Account) -> None:
    async with admin_js(nats_url) as js:
        if not await unit_exists(js, account.unit_id):
            raise AccountError(
                f"unit '{account.unit_id}' is not in the directory: give the id of a unit "
                "`chidao directory load` stored"
            )
        # Read, then write: two operators adding one name at the same second is not a
        # case worth a compare-and-set.
        if await read_account(js, account.username) is not None:
            raise AccountError(f"an account '{account.username}' exists already")
        await write_account(js, account)
        await record(js, "account.create", target_unit_id=account.unit_id, detail=_detail(account))


async def list_accounts(nats_url: str, unit_id: str | None = None) -> list[Account]:
    async with admin_js(nats_url) as js:
        accounts = await all_accounts(js)
    return [a for a in accounts if unit_id is None or a.unit_id == unit_id]


async def change_account(
    nats_url: str, username: str, action: str, change: Callable[[Account], Account]
) -> Account:
    """Read the account, apply ``change``, write it back and record ``action``."""
    async with admin_js(nats_url) as js:
        account = await read_account(js, username)
        if account is None:
            raise AccountError(f"no account '{username}' (chidao users list)")
        changed = change(account)
        await write_account(js, changed)
        await record(js, action, target_unit_id=changed.unit_id, detail=_detail(changed))
        return changed


def now() -> datetime:
    return datetime.now(UTC)


async def read_audit(nats_url: str, since: datetime | None) -> list[audit.AuditEntry]:
    async with admin_js(nats_url) as js:
        return [entry async for entry in audit.read_entries(js, since)]


async def ensure_accounts(nats_url: str, accounts: list[Account], password: str) -> None:
    """Create those of ``accounts`` that do not exist yet, all with ``password``; an
    account whose unit is not in the directory is skipped (a directory of one's own)."""
    async with admin_js(nats_url) as js:
        for account in accounts:
            if await read_account(js, account.username) is not None:
                continue
            if not await unit_exists(js, account.unit_id):
                continue
            # Argon2 takes tens of milliseconds and 64 MiB: not on the event loop.
            hashed = await asyncio.to_thread(hash_password, password)
            made = account.model_copy(update={"password_hash": hashed, "valid_after": now()})
            await write_account(js, made)
            await record(js, "account.create", target_unit_id=made.unit_id, detail=_detail(made))
