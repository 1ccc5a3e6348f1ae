"""A service running inside the test process, on the test's real nats-server: its real
lifespan (topology, directory mirror, subscribers) and its app reached through
``httpx.ASGITransport``, so a test calls a route, a handler or a subscriber with the
service's real adapters and no child process. Several services may run side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from chidao.runtime.admin import EVERYONE, declare_topology, store_directory
from shared.contracts import Unit
from shared.directory import load_file
from shared.service import Service
from shared.settings import Settings

DEMO_DIRECTORY = Path(__file__).parents[1] / "chidao" / "demo" / "directory.yaml"


@dataclass
class Running:
    service: Service
    http: httpx.AsyncClient  # requests go to the app in this process


@asynccontextmanager
async def serving(
    create_service: Callable[[Settings], Service],
    settings: Settings,
    units: list[Unit] | None = None,
) -> AsyncIterator[Running]:
    """``create_service(settings)`` started and stopped at the end, whatever happens. First
    every stream and bucket is declared (a service alone would wait for the other
    services' streams) and ``units``, the demo directory by default, are stored."""
    await declare_topology(settings.nats_url, settings, EVERYONE)
    await store_directory(settings.nats_url, units if units is not None else demo_units())
    service = create_service(settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(service.app.router.lifespan_context(service.app))
        transport = httpx.ASGITransport(app=service.app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=transport,
                base_url=f"http://{service.name}",
                timeout=30,
                headers=operator_headers(settings),
            )
        )
        yield Running(service, http)


def operator_headers(settings: Settings) -> dict[str, str]:
    """The operators' token of these settings, as the admin command line sends it."""
    token = settings.operator_token
    return {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}


def demo_units() -> list[Unit]:
    return load_file(DEMO_DIRECTORY)


@asynccontextmanager
async def anonymous_client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``service``'s app carrying no credential: each call names its own
    (an account's token), as the staff's scripts and the access tests do."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app),
        base_url=f"http://{service.name}",
        timeout=30,
    ) as client:
        yield client
