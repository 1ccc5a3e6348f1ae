"""Every route of every service declares who may use it: a staff action
(``shared.auth.guard.staff``), any signed-in account (``SIGNED_IN``), or open to anyone
(``PUBLIC``). A route added without one fails here, so a new route cannot be added open;
and the routes open to anyone that change something are a short, named list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from services.aggregator.app import create_service as aggregator
from services.issuer.app import create_service as issuer
from services.notifier.app import create_service as notifier
from services.reporter.app import create_service as reporter
from shared.settings import Settings

SERVICES = {"issuer": issuer, "notifier": notifier, "reporter": reporter, "aggregator": aggregator}
# The framework's own: the schema of the API (no data in it).
FRAMEWORK = {"/openapi.json"}
# Open to anyone and changing something, each for a reason: signing in and out (CSRF
# still applies), trading a password for a token, and a unit's signed link (the link is
# its key).
PUBLIC_WRITES = {
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/api/auth/tokens"),
    ("POST", "/r/{token}"),
    ("POST", "/r/{token}/received"),  # the unit confirms it has the document, by its link
    ("POST", "/r/{token}/extension"),  # the unit asks for more time, by its link
}
# With OpenID Connect configured its two routes are there too, so they are checked.
WITH_OIDC = Settings(
    oidc_issuer="https://sso.example.gov.vn/realms/chidao",
    oidc_client_id="chidao",
    oidc_client_secret="s" * 32,
    oidc_redirect_url="https://chidao.example.gov.vn/auth/oidc/callback",
)


def _routes(routes: list[Any], inherited: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple]]:
    """Every route with the dependencies of the routers it was included through."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            router = route.original_router
            yield from _routes(router.routes, inherited + tuple(router.dependencies))
        else:
            yield route, inherited


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _guard(route: APIRoute, inherited: tuple) -> str | None:
    calls = [*_calls(route.dependant), *(d.dependency for d in (*inherited, *route.dependencies))]
    for call in calls:
        if getattr(call, "chidao_action", None) is not None:
            return f"staff:{call.chidao_action}"
        if getattr(call, "chidao_signed_in", False):
            return "signed-in"
        if getattr(call, "chidao_public", False):
            return "public"
    return None


def guards(name: str) -> dict[tuple[str, str], str | None]:
    service = SERVICES[name](WITH_OIDC)
    found = {}
    for route, inherited in _routes(service.app.routes):
        if not isinstance(route, APIRoute):
            assert route.path in FRAMEWORK, f"{name}: {route.path} is not a FastAPI route"
            continue
        for method in route.methods:
            found[(method, route.path)] = _guard(route, inherited)
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_every_route_declares_who_may_use_it(name):
    found = guards(name)
    assert found, name
    unguarded = sorted(f"{m} {p}" for (m, p), g in found.items() if g is None)
    assert not unguarded, f"{name}: routes without staff(...), SIGNED_IN or PUBLIC: {unguarded}"
    open_writes = {
        (m, p) for (m, p), g in found.items() if g == "public" and m not in ("GET", "HEAD")
    }
    assert open_writes <= PUBLIC_WRITES, f"{name}: open to anyone: {open_writes - PUBLIC_WRITES}"


def test_the_staff_routes_are_guarded_with_their_actions():
    """What each service's staff routes do, as the roles table names it: a route moved
    to a weaker action shows here."""
    every = {k: v for name in SERVICES for k, v in guards(name).items()}
    assert every[("POST", "/api/directives")] == "staff:directive.issue"
    assert every[("POST", "/api/directives/upload")] == "staff:directive.preview"
    assert every[("GET", "/api/directives/{directive_id}")] == "staff:directive.read"
    assert every[("POST", "/api/submissions")] == "staff:report.submit"
    assert every[("GET", "/files/{d}/{u}/{r}/v{version}/{field}")] == "staff:report.read"
    assert every[("POST", "/reports/{d}/{u}/{r}")] == "staff:report.review"
    assert every[("POST", "/api/directives/{directive_id}/synthesis/approve")] == (
        "staff:synthesis.approve"
    )
    assert every[("POST", "/directives/{directive_id}/status")] == "staff:synthesis.approve"
    assert every[("GET", "/api/audit")] == "staff:audit.read"
    assert every[("GET", "/r/{token}")] == "public"
    assert every[("GET", "/login/oidc")] == "public"
    assert every[("GET", "/api/me")] == "signed-in"
