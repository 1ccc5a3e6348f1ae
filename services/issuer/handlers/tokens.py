"""Personal API tokens: made for an account that proved its password (``chidao login``),
listed and revoked by their owner. The secret is shown once; the bucket keeps its hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from nats.js import JetStreamContext

from shared.auth.accounts import Account
from shared.auth.sessions import now
from shared.auth.tokens import ApiToken, new_secret, token_hash, tokens_of, write_token
from shared.errors import NotFound

MAX_TOKENS_PER_ACCOUNT = 50  # a script that logs in on every run must not fill the bucket


@dataclass(frozen=True)
class Made:
    secret: str
    token: ApiToken


async def make_token(js: JetStreamContext, account: Account, name: str, days: float) -> Made:
    held = [t for _, t in await tokens_of(js, account.username) if t.usable_at(now())]
    if len(held) >= MAX_TOKENS_PER_ACCOUNT:
        # the oldest goes: the newest login is the one in use
        await revoke_token(js, account.username, held[0].token_id)
    secret = new_secret()
    digest = token_hash(secret)
    created = now()
    token = ApiToken(
        token_id=digest[:16],
        username=account.username,
        name=name,
        created_at=created,
        expires_at=created + timedelta(days=days),
    )
    await write_token(js, digest, token)
    return Made(secret, token)


async def account_tokens(js: JetStreamContext, username: str | None) -> list[ApiToken]:
    return [t for _, t in await tokens_of(js, username)]


async def revoke_token(js: JetStreamContext, username: str | None, token_id: str) -> ApiToken:
    """Revoke one of ``username``'s tokens (any account's for the operator, None)."""
    for digest, token in await tokens_of(js, username):
        if token.token_id == token_id:
            if token.revoked_at is None:
                token = token.model_copy(update={"revoked_at": now()})
                await write_token(js, digest, token)
            return token
    raise NotFound(f"no token '{token_id}' of this account")
