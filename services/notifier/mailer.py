"""Sending mail through the organisation's SMTP server.

A small pool of reused aiosmtplib connections; transient failures (no connection, 4xx)
are retried a few times with exponential backoff before the event is handed back for a
later redelivery; permanent ones (5xx) are not retried."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from email.message import Message

import aiosmtplib
from aiolimiter import AsyncLimiter
from aiosmtplib.errors import (
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
)

from shared.settings import Settings

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)


class TransientMailError(Exception):
    """The server could not take the mail now; it may later."""


class PermanentMailError(Exception):
    """The server refused the mail for good (5xx)."""


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        if codes and all(500 <= c < 600 for c in codes):
            return PermanentMailError(f"every recipient refused: {exc}")
        return TransientMailError(f"recipients refused for now: {exc}")
    if isinstance(exc, SMTPResponseException) and 500 <= exc.code < 600:
        return PermanentMailError(f"{exc.code} {exc.message}")
    return TransientMailError(repr(exc))


class Mailer:
    def __init__(
        self, settings: Settings, on_latency: Callable[[float], None] | None = None
    ) -> None:
        self._settings = settings
        self._pool: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        for _ in range(settings.smtp_connections):
            self._pool.put_nowait(self._client())
        self._on_latency = on_latency
        # The organisation's server may throttle or block a sender that floods it.
        self._limiter = AsyncLimiter(settings.smtp_rate, 1) if settings.smtp_rate else None

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password_value,
            timeout=s.smtp_timeout,
            use_tls=s.smtp_security == "ssl",
            start_tls=s.smtp_security == "starttls",
            # certificates are always verified; an internal CA is added, not trust dropped
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )

    async def _send_once(self, message: Message) -> None:
        if self._limiter is not None:
            await self._limiter.acquire()
        client = await self._pool.get()
        try:
            if not client.is_connected:
                await client.connect()
            started = time.perf_counter()
            await client.send_message(message)
            if self._on_latency:
                self._on_latency(time.perf_counter() - started)
        except (SMTPException, OSError):
            # A connection in an unknown state is not reused.
            client.close()
            raise
        finally:
            self._pool.put_nowait(client)

    async def send(
        self, message: Message, on_retry: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Send, retrying transient failures; raises Transient/PermanentMailError."""
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                await self._send_once(message)
                return
            except (SMTPException, OSError) as exc:
                failure = _classify(exc)
                if isinstance(failure, PermanentMailError) or attempt == len(RETRY_DELAYS):
                    raise failure from exc
                log.info(
                    "smtp send failed, retrying",
                    extra={"error": str(failure), "attempt": attempt + 1},
                )
                if on_retry is not None:
                    await on_retry()  # tell JetStream we are still working on the message
                await asyncio.sleep(RETRY_DELAYS[attempt])

    async def close(self) -> None:
        while not self._pool.empty():
            client = self._pool.get_nowait()
            if client.is_connected:
                try:
                    await client.quit()
                except (SMTPException, OSError):
                    client.close()
