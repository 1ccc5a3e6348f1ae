"""Staff accounts: one unit, some roles, an Argon2 password hash (local sign-in) or an
OpenID subject (the organisation's provider), kept in the ``chidao_accounts`` bucket,
one key per account. The admin command line writes them (``chidao users ...``); every
service reads them, through a cache of a few seconds, so that disabling an account or
changing its roles takes effect on every replica within that time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, NoKeysError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.auth.roles import Role
from shared.slugs import is_slug
from shared.topology import ACCOUNTS

KEY_PREFIX = "account."
CACHE_SECONDS = 5.0
MIN_PASSWORD_CHARS = 10
# A user name is what a clerk types: letters, digits, dots, dashes, underscores, an @.
# 2 to 64 characters: letters and digits, single '.', '_', '@' or '-' between them (a KV
# key may not end with '.' nor hold '..': "0_." would be a key NATS refuses)
USERNAME_PATTERN = r"^[a-z0-9](?:[._@-]?[a-z0-9])*$"  # no look-around: pydantic's too
USERNAME = re.compile(USERNAME_PATTERN)
USERNAME_CHARS = (2, 64)


def is_username(name: str) -> bool:
    return USERNAME_CHARS[0] <= len(name) <= USERNAME_CHARS[1] and bool(USERNAME.match(name))


# argon2-cffi's defaults (RFC 9106's second recommended profile: 64 MiB, 3 passes).
_HASHER = PasswordHasher()
# A hash verified when the account does not exist, so that a wrong user name takes as
# long as a wrong password and the login page does not tell which accounts exist.
_DUMMY_HASH = _HASHER.hash("chidao: no such account")


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    unit_id: str = Field(max_length=128)
    roles: frozenset[Role]
    password_hash: str | None = Field(None, max_length=512)
    oidc_subject: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=254)
    disabled: bool = False
    # sessions and tokens made before this instant no longer count (a password change,
    # disabling, "log out everywhere")
    valid_after: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not is_username(value):
            raise ValueError(
                "a user name is 2 to 64 lower-case letters and digits, with single '.', "
                "'-', '_' or '@' between them"
            )
        return value

    @field_validator("unit_id")
    @classmethod
    def _unit(cls, value: str) -> str:
        if not is_slug(value):
            raise ValueError(f"{value!r} is not a unit id")
        return value


def account_key(username: str) -> str:
    # KV keys take [-/_=.a-zA-Z0-9]; '@' is written as '=' (never in a user name)
    return KEY_PREFIX + username.replace("@", "=")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    return _HASHER.hash(password)


def password_matches(account: Account | None, password: str) -> bool:
    """Whether ``password`` is the account's; as slow for a missing account or one
    without a password as for a wrong password."""
    stored = account.password_hash if account and account.password_hash else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


class AccountStore:
    """Reads accounts from the bucket, each cached for ``CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._js: JetStreamContext | None = None
        self._cache: TTLCache[str, Account | None] = TTLCache(maxsize=10_000, ttl=CACHE_SECONDS)

    def bind(self, js: JetStreamContext) -> None:
        self._js = js

    async def get(self, username: str) -> Account | None:
        if not is_username(username):
            return None
        if username in self._cache:
            return self._cache[username]
        account = await read_account(self._require_js(), username)
        self._cache[username] = account
        return account

    async def by_subject(self, subject: str) -> Account | None:
        """The account bound to an OpenID subject; reads them all (a few hundred staff,
        once per sign-in through the provider)."""
        accounts = await all_accounts(self._require_js())
        return next((a for a in accounts if a.oidc_subject == subject), None)

    def _require_js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("the account store is used before the service started")
        return self._js


async def read_account(js: JetStreamContext, username: str) -> Account | None:
    kv = await js.key_value(ACCOUNTS.name)
    try:
        entry = await kv.get(account_key(username))
    except KeyNotFoundError:
        return None
    return Account.model_validate_json(entry.value) if entry.value else None


async def write_account(js: JetStreamContext, account: Account) -> None:
    kv = await js.key_value(ACCOUNTS.name)
    await kv.put(account_key(account.username), account.model_dump_json().encode())


async def all_accounts(js: JetStreamContext) -> list[Account]:
    kv = await js.key_value(ACCOUNTS.name)
    try:
        keys = await kv.keys()
    except NoKeysError:  # an empty bucket
        return []
    accounts = []
    for key in sorted(keys):
        entry = await kv.get(key)
        if entry.value:
            accounts.append(Account.model_validate_json(entry.value))
    return accounts
