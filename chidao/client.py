"""Talking to the services' HTTP APIs from the command line, with errors in plain words.

Every call carries ``Authorization: Bearer <token>``: ``CHIDAO_TOKEN`` if set (a script's
own API token), else ``CHIDAO_OPERATOR_TOKEN`` (the operators' admin command line), else
the token ``chidao login`` stored in ``CHIDAO_TOKEN_FILE`` (``~/.config/chidao/token``)."""

from __future__ import annotations

import json
import os
import re
from html import unescape
from pathlib import Path
from typing import Any

import httpx

# Ports `chidao dev` gives the services; override with CHIDAO_<SERVICE>_URL.
DEV_PORTS = {"issuer": 8081, "notifier": 8082, "reporter": 8083, "aggregator": 8084}
NOT_SIGNED_IN = "chưa đăng nhập hoặc phiên đăng nhập đã hết hạn: chạy `chidao login`"


class ApiError(RuntimeError):
    def __init__(self, message: str, body: dict | None = None, status: int = 0) -> None:
        super().__init__(message)
        self.body = body or {}
        self.status = status


def service_url(name: str) -> str:
    return os.environ.get(f"CHIDAO_{name.upper()}_URL", f"http://127.0.0.1:{DEV_PORTS[name]}")


# --- the stored token ------------------------------------------------------------------


def token_file() -> Path:
    configured = os.environ.get("CHIDAO_TOKEN_FILE")
    return Path(configured) if configured else Path.home() / ".config" / "chidao" / "token"


def stored_login() -> dict | None:
    """What ``chidao login`` stored: {"token", "token_id", "username", ...}, or None."""
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("token") else None


def store_login(data: dict) -> Path:
    """Write the token file readable by its owner only: created 0600, never widened
    (os.open's mode applies at creation, so no other user can read it even briefly)."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
    os.chmod(path, 0o600)  # a file that existed keeps its old mode through O_CREAT
    return path


def forget_login() -> None:
    token_file().unlink(missing_ok=True)


def bearer_token() -> str | None:
    for variable in ("CHIDAO_TOKEN", "CHIDAO_OPERATOR_TOKEN"):
        if os.environ.get(variable):
            return os.environ[variable]
    stored = stored_login()
    return str(stored["token"]) if stored else None


# --- calls -----------------------------------------------------------------------------


def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    headers = dict(kwargs.pop("headers", None) or {})
    token = bearer_token()
    if token and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.request(
            method, url, timeout=kwargs.pop("timeout", 300.0), headers=headers, **kwargs
        )
    except httpx.ConnectError as exc:
        raise ApiError(
            f"không kết nối được {url}: dịch vụ chưa chạy? Khởi động bằng `chidao dev` (hoặc "
            "chỉ đúng địa chỉ bằng CHIDAO_<DỊCH_VỤ>_URL)."
        ) from exc
    if response.status_code >= 400:
        try:
            body = response.json()
            message = body.get("error", response.text)
            problems = body.get("problems") or []
        except ValueError:  # a page (a console route): its words, not its markup
            body, message, problems = {}, page_words(response.text), []
        if not isinstance(body, dict):
            body, problems = {}, []
        status = response.status_code
        if status == 401 and "/api/auth/tokens" not in url:
            # (the token route's 401 is a wrong password, which its caller says itself)
            raise ApiError(NOT_SIGNED_IN, body, status)
        if status == 403:  # the server says why, in the staff's words
            raise ApiError(str(message), body, status)
        if isinstance(problems, dict):  # by field: each with what is wrong with it
            problems = [f"{field}: {words}" for field, words in problems.items()]
        detail = "".join(f"\n  - {p}" for p in problems)
        # the server's words only: a clerk has no use for the HTTP status
        raise ApiError(f"{message}{detail}", body, status)
    return response


def page_words(html: str, limit: int = 600) -> str:
    """The words of an HTML page's main part, as one line."""
    main = re.search(r"<main[^>]*>(.*?)</main>", html, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(1) if main else html)
    return re.sub(r"\s+", " ", unescape(text)).strip()[:limit]
