"""Staff accounts for the tests: written to the accounts bucket the way `chidao users add`
writes them, and signed in the way the staff do (a browser on /login, or `chidao login`'s
token)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import nats

from shared.auth.accounts import Account, hash_password, write_account
from shared.auth.roles import parse_roles

PASSWORD = "mat-khau-thu-nghiem-2026"


async def add_account_async(
    nats_url: str, username: str, unit_id: str, roles: str, name: str | None = None
) -> Account:
    account = Account(
        username=username,
        display_name=name or f"Cán bộ {username}",
        unit_id=unit_id,
        roles=parse_roles(roles),
        password_hash=hash_password(PASSWORD),
    )
    client = await nats.connect(nats_url)
    try:
        await write_account(client.jetstream(), account)
    finally:
        await client.close()
    return account


def add_account(
    nats_url: str, username: str, unit_id: str, roles: str, name: str | None = None
) -> Account:
    """``add_account_async`` from synchronous code, even under a running event loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(
            asyncio.run, add_account_async(nats_url, username, unit_id, roles, name)
        ).result()


def token_headers(issuer_url: str, username: str) -> dict[str, str]:
    """A personal API token of ``username`` (``POST /api/auth/tokens``), as headers."""
    answer = httpx.post(
        f"{issuer_url}/api/auth/tokens",
        json={"username": username, "password": PASSWORD, "name": "tests"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def signed_in_accounts(
    nats_url: str, issuer: httpx.AsyncClient, accounts: dict[str, tuple[str, str]]
) -> dict[str, dict[str, str]]:
    """Each of ``accounts`` (username: (unit, roles)) added, and signed in as the staff's
    scripts do (a password traded for a personal API token at ``issuer``): the
    Authorization header of each."""
    tokens = {}
    for username, (unit, roles) in accounts.items():
        await add_account_async(nats_url, username, unit, roles)
        answer = await issuer.post(
            "/api/auth/tokens", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 201, answer.text
        tokens[username] = {"Authorization": f"Bearer {answer.json()['token']}"}
    return tokens
