"""The staff accounts in ``chidao_accounts``, as the console's administrators change
them: the same records ``chidao users`` writes (``shared.auth.accounts``), but each
change a compare-and-set on the revision read, so that two administrators (or the
command line) changing one account at once never lose each other's change silently,
and a new account never replaces one of the same name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from cachetools import TTLCache
from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from shared.auth.accounts import Account, account_key
from shared.errors import Busy
from shared.kv import current_keys, get_entry
from shared.topology import ACCOUNTS

CAS_ATTEMPTS = 3
COUNTS_SECONDS = 30.0  # /units shows how many accounts each unit has: a count may lag

_counts: TTLCache[str, dict[str, int]] = TTLCache(maxsize=1, ttl=COUNTS_SECONDS)


class AccountExists(Exception):
    """An account of that user name is in the bucket already."""


class NoSuchAccount(Exception):
    """No account of that user name."""


async def list_accounts(js: JetStreamContext) -> list[Account]:
    """Every account, by user name. One read per account: a committee has a few hundred
    staff (``AccountStore.by_subject`` reads them all the same way)."""
    kv = await js.key_value(ACCOUNTS.name)
    accounts = []
    for key in sorted(await current_keys(kv)):
        value, _ = await get_entry(kv, key)
        if value:
            accounts.append(Account.model_validate_json(value))
    return accounts


async def account_counts(js: JetStreamContext) -> dict[str, int]:
    """Unit id -> number of accounts of the unit, kept ``COUNTS_SECONDS``."""
    counts = _counts.get("all")
    if counts is None:
        counts = dict(Counter(a.unit_id for a in await list_accounts(js)))
        _counts["all"] = counts
    return counts


async def create_account(js: JetStreamContext, account: Account) -> None:
    kv = await js.key_value(ACCOUNTS.name)
    key = account_key(account.username)
    value, revision = await get_entry(kv, key)
    if value is not None:
        raise AccountExists(account.username)
    try:
        # revision 0: the key never existed; a deleted account's tombstone has its own
        await kv.update(key, account.model_dump_json().encode(), last=revision)
    except KeyWrongLastSequenceError:
        raise AccountExists(account.username) from None
    _counts.clear()


async def change_account(
    js: JetStreamContext, username: str, change: Callable[[Account], Account]
) -> tuple[Account, Account]:
    """(before, after): ``change`` applied to the stored account and written over the
    revision read; on a conflicting write, read and applied again. ``change`` may raise
    to refuse (it is given the account as it is now, not as a page showed it)."""
    kv = await js.key_value(ACCOUNTS.name)
    key = account_key(username)
    for _ in range(CAS_ATTEMPTS):
        value, revision = await get_entry(kv, key)
        if value is None:
            raise NoSuchAccount(username)
        before = Account.model_validate_json(value)
        after = change(before)
        try:
            await kv.update(key, after.model_dump_json().encode(), last=revision)
        except KeyWrongLastSequenceError:
            continue
        _counts.clear()
        return before, after
    raise Busy(
        f"Tài khoản {username} đang được thay đổi ở nơi khác cùng lúc: đề nghị tải lại trang "
        "rồi thử lại."
    )
