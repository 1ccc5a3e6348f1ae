"""Personal API tokens, for the command line (``chidao login``) and integrations.

A token is ``chidao_`` and 32 random bytes, shown once; the bucket keeps only its
SHA-256 (a token has 256 bits of entropy, so a fast hash is enough: nothing to guess),
with its account, expiry and revocation. The issuer issues and revokes them; every
service reads them through a short cache."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from cachetools import TTLCache
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, NoKeysError
from pydantic import BaseModel, ConfigDict, Field

from shared.topology import API_TOKENS

PREFIX = "chidao_"
KEY_PREFIX = "token."
CACHE_SECONDS = 5.0
MAX_TOKEN_CHARS = 200


class ApiToken(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    token_id: str = Field(max_length=16)  # the first characters of the hash: what lists show
    username: str = Field(max_length=64)
    name: str = Field("", max_length=200)  # what it is for ("laptop", "báo cáo tự động")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def looks_like_token(secret: str) -> bool:
    return secret.startswith(PREFIX) and len(secret) <= MAX_TOKEN_CHARS


class TokenStore:
    def __init__(self) -> None:
        self._js: JetStreamContext | None = None
        self._cache: TTLCache[str, ApiToken | None] = TTLCache(maxsize=10_000, ttl=CACHE_SECONDS)

    def bind(self, js: JetStreamContext) -> None:
        self._js = js

    async def find(self, secret: str) -> ApiToken | None:
        if not looks_like_token(secret) or self._js is None:
            return None
        digest = token_hash(secret)
        if digest not in self._cache:
            self._cache[digest] = await read_token(self._js, digest)
        return self._cache[digest]


async def read_token(js: JetStreamContext, digest: str) -> ApiToken | None:
    kv = await js.key_value(API_TOKENS.name)
    try:
        entry = await kv.get(KEY_PREFIX + digest)
    except KeyNotFoundError:
        return None
    return ApiToken.model_validate_json(entry.value) if entry.value else None


async def write_token(js: JetStreamContext, digest: str, token: ApiToken) -> None:
    kv = await js.key_value(API_TOKENS.name)
    await kv.put(KEY_PREFIX + digest, token.model_dump_json().encode())


async def tokens_of(
    js: JetStreamContext, username: str | None = None
) -> list[tuple[str, ApiToken]]:
    """Every token (of ``username``, if given) with the hash it is kept under."""
    kv = await js.key_value(API_TOKENS.name)
    try:
        keys = await kv.keys()
    except NoKeysError:
        return []
    found = []
    for key in keys:
        entry = await kv.get(key)
        if not entry.value:
            continue
        token = ApiToken.model_validate_json(entry.value)
        if username is None or token.username == username:
            found.append((key[len(KEY_PREFIX) :], token))
    return sorted(found, key=lambda pair: pair[1].created_at)
