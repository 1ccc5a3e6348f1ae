"""Talking to the services' HTTP APIs from the command line, with errors in plain words."""

from __future__ import annotations

import os
from typing import Any

import httpx

# Ports `chidao dev` gives the services; override with CHIDAO_<SERVICE>_URL.
DEV_PORTS = {"issuer": 8081, "notifier": 8082, "reporter": 8083, "aggregator": 8084}


class ApiError(RuntimeError):
    def __init__(self, message: str, body: dict | None = None) -> None:
        super().__init__(message)
        self.body = body or {}


def service_url(name: str) -> str:
    return os.environ.get(f"CHIDAO_{name.upper()}_URL", f"http://127.0.0.1:{DEV_PORTS[name]}")


def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = httpx.request(method, url, timeout=kwargs.pop("timeout", 300.0), **kwargs)
    except httpx.ConnectError as exc:
        raise ApiError(f"cannot reach {url}: is the service running (chidao dev)?") from exc
    if response.status_code >= 400:
        try:
            body = response.json()
            message = body.get("error", response.text)
            problems = body.get("problems") or []
        except ValueError:
            body, message, problems = {}, response.text, []
        detail = "".join(f"\n  - {p}" for p in problems)
        raise ApiError(f"{response.status_code}: {message}{detail}", body)
    return response
