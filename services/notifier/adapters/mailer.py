"""Sending mail through the organisation's SMTP server.

A small pool of reused aiosmtplib connections with the timeouts of RFC 5321 section
4.5.3.2 (the reply to the end of DATA may take 10 minutes: a slow server's acceptance is
not a failure). Transient failures (no connection, 4xx) are retried a few times with
exponential backoff before the event is handed back for a later redelivery; permanent
ones (5xx) are not retried. A message sent whose acceptance never came back (the reply to
its final "." timed out, or the connection dropped while waiting for it) is neither: the
server may have taken it, so it is not retried here (UncertainMailError)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from email.message import Message
from typing import Any

import aiosmtplib
from aiolimiter import AsyncLimiter
from aiosmtplib.errors import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from aiosmtplib.response import SMTPResponse
from aiosmtplib.typing import SMTPStatus

from shared.settings import Settings

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)


class TransientMailError(Exception):
    """The server could not take the mail now; it may later."""


class PermanentMailError(Exception):
    """The server refused the mail for good (5xx)."""


class UncertainMailError(Exception):
    """The whole message went to the server but its answer to the end of DATA never came:
    the server may have accepted it ("possibly sent")."""


class _EndOfDataUnanswered(SMTPException):
    """Raised inside the SMTP client: no reply to the final "." (timeout, disconnect)."""


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, _EndOfDataUnanswered):
        return UncertainMailError(str(exc))
    if isinstance(exc, SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        if codes and all(500 <= c < 600 for c in codes):
            return PermanentMailError(f"every recipient refused: {exc}")
        return TransientMailError(f"recipients refused for now: {exc}")
    if isinstance(exc, SMTPResponseException) and 500 <= exc.code < 600:
        return PermanentMailError(f"{exc.code} {exc.message}")
    return TransientMailError(repr(exc))


class _Client(aiosmtplib.SMTP):
    """aiosmtplib's client with the two DATA timeouts of RFC 5321 (4.5.3.2.4: 2 minutes for
    the 354; 4.5.3.2.6: 10 minutes for the reply to the final "."), where aiosmtplib has
    one for both, and with a failure while awaiting the final reply told apart from one
    before the message went (only the former may have been accepted)."""

    def __init__(self, *, data_timeout: float, data_end_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_timeout = data_timeout
        self.data_end_timeout = data_end_timeout

    async def data(self, message: str | bytes, /, **_: Any) -> SMTPResponse:
        # sendmail has sent EHLO, MAIL and RCPT by now; their ``timeout`` is not used here.
        if isinstance(message, str):
            message = message.encode("ascii")
        start = await self.execute_command(b"DATA", timeout=self.data_timeout)
        if start.code != SMTPStatus.start_input:
            raise SMTPDataError(start.code, start.message)
        protocol = self.protocol
        if protocol is None:
            raise SMTPServerDisconnected("Connection lost")
        payload = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message)) + b".\r\n"
        protocol.write(payload)  # raises SMTPServerDisconnected if nothing could go
        try:
            response = await protocol.read_response(timeout=self.data_end_timeout)
        except (SMTPServerDisconnected, SMTPTimeoutError) as exc:
            self.close()  # the reply may still come: this connection is not reused
            raise _EndOfDataUnanswered(f"no reply to the end of the message: {exc}") from exc
        if response.code != SMTPStatus.completed:
            raise SMTPDataError(response.code, response.message)
        return response


class Mailer:
    def __init__(
        self, settings: Settings, on_latency: Callable[[float], None] | None = None
    ) -> None:
        self._settings = settings
        self._pool: asyncio.Queue[_Client] = asyncio.Queue()
        for _ in range(settings.smtp_connections):
            self._pool.put_nowait(self._client())
        self._on_latency = on_latency
        # The organisation's server may throttle or block a sender that floods it.
        self._limiter = AsyncLimiter(settings.smtp_rate, 1) if settings.smtp_rate else None

    def _client(self) -> _Client:
        s = self._settings
        return _Client(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password_value,
            timeout=s.smtp_command_timeout,  # EHLO, STARTTLS, AUTH, MAIL, RCPT, RSET, QUIT
            data_timeout=s.smtp_data_timeout,
            data_end_timeout=s.smtp_data_end_timeout,
            use_tls=s.smtp_security == "ssl",
            start_tls=s.smtp_security == "starttls",
            # certificates are always verified; an internal CA is added, not trust dropped
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )

    async def _send_once(
        self, message: Message, before_transaction: Callable[[], Awaitable[bool]] | None
    ) -> bool:
        if self._limiter is not None:
            await self._limiter.acquire()
        client = await self._pool.get()
        try:
            if not client.is_connected:
                await client.connect(timeout=self._settings.smtp_connect_timeout)
            if before_transaction is not None and not await before_transaction():
                return False
            started = time.perf_counter()
            await client.send_message(message, timeout=self._settings.smtp_command_timeout)
            if self._on_latency:
                self._on_latency(time.perf_counter() - started)
            return True
        except (SMTPException, OSError):
            # A connection in an unknown state is not reused.
            client.close()
            raise
        finally:
            self._pool.put_nowait(client)

    async def send(
        self,
        message: Message,
        on_retry: Callable[[], Awaitable[None]] | None = None,
        before_transaction: Callable[[], Awaitable[bool]] | None = None,
    ) -> bool:
        """Send, retrying transient failures; raises Transient/Permanent/UncertainMailError.

        ``before_transaction`` runs once a connection is ready, just before MAIL FROM (the
        notifier claims the mail in its ledger there, so that a mail waiting for a
        connection is not claimed). Returns False when that hook said not to send."""
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                return await self._send_once(message, before_transaction)
            except (SMTPException, OSError) as exc:
                failure = _classify(exc)
                if not isinstance(failure, TransientMailError) or attempt == len(RETRY_DELAYS):
                    raise failure from exc
                log.info(
                    "smtp send failed, retrying",
                    extra={"error": str(failure), "attempt": attempt + 1},
                )
                if on_retry is not None:
                    await on_retry()
                await asyncio.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")

    async def close(self) -> None:
        while not self._pool.empty():
            client = self._pool.get_nowait()
            if client.is_connected:
                try:
                    await client.quit()
                except (SMTPException, OSError):
                    client.close()
