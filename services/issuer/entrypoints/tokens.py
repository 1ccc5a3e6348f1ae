"""API tokens over HTTP: ``POST /api/auth/tokens`` trades a user name and password for a
token (what ``chidao login`` stores), ``GET`` lists the account's tokens, ``DELETE``
revokes one. Revoking takes effect on every service within the token cache's seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from services.issuer.deps import Deps
from services.issuer.handlers import tokens
from shared.auth.guard import PUBLIC, staff
from shared.auth.login import verify_password
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.auth.tokens import ApiToken
from shared.contracts import Contract
from shared.service import deps_of

router = APIRouter(tags=["sign-in"])
DepsOf = Annotated[Deps, Depends(deps_of)]


class TokenRequest(Contract):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    name: str = Field("", max_length=200, description="what the token is for")


def token_json(token: ApiToken) -> dict:
    return token.model_dump(mode="json")


@router.post("/api/auth/tokens", status_code=201, dependencies=[PUBLIC])
async def create(request: Request, body: TokenRequest, deps: DepsOf) -> JSONResponse:
    """A personal token for this account, shown once; it expires after api_token_days."""
    request.state.action = "token.create"
    account = await verify_password(request, body.username, body.password)
    request.state.principal = Principal(
        account.username, account.display_name, account.unit_id, account.roles, "password"
    )
    days = request.app.state.auth.api_token_days
    made = await tokens.make_token(deps.js, account, body.name, days)
    return JSONResponse(
        {
            "token": made.secret,
            **token_json(made.token),
            "display_name": account.display_name,
            "unit_id": account.unit_id,
            "roles": sorted(r.value for r in account.roles),
        },
        status_code=201,
    )


@router.get("/api/auth/tokens")
async def list_tokens(
    deps: DepsOf, principal: Annotated[Principal, staff(Action.TOKEN_MANAGE)]
) -> JSONResponse:
    """This account's tokens (every account's, for the operator), without their secrets."""
    owner = None if principal.is_operator else principal.username
    return JSONResponse(
        {"tokens": [token_json(t) for t in await tokens.account_tokens(deps.js, owner)]}
    )


@router.delete("/api/auth/tokens/{token_id}")
async def revoke(
    token_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
    deps: DepsOf,
    principal: Annotated[Principal, staff(Action.TOKEN_MANAGE)],
) -> JSONResponse:
    owner = None if principal.is_operator else principal.username
    return JSONResponse(token_json(await tokens.revoke_token(deps.js, owner, token_id)))
