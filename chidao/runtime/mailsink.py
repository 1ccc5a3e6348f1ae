"""An SMTP server (aiosmtpd) that keeps every message it accepts, as a local mail server.

Each accepted message is written to ``<mail_dir>/<nnnnn>-<first recipient>.eml`` with an
``X-Envelope-To`` header, and kept in memory for tests. ``refuse`` makes it answer every
transaction with a chosen SMTP code, to play a mail server that is down or rejecting.
"""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from chidao.runtime.ports import free_port


@dataclass
class ReceivedMail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage
    path: Path | None

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.refuse_code is not None:
            return f"{self.sink.refuse_code} {self.sink.refuse_text}"
        data = envelope.original_content or envelope.content
        assert isinstance(data, bytes)
        self.sink.store(envelope.mail_from or "", list(envelope.rcpt_tos), data)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, mail_dir: Path | None = None, port: int | None = None) -> None:
        self.mail_dir = mail_dir
        self.port = port or free_port()
        self.messages: list[ReceivedMail] = []
        self.refuse_code: int | None = None
        self.refuse_text = "Service not available"
        self._lock = threading.Lock()
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )

    def store(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            index = len(self.messages) + 1
            path = None
            if self.mail_dir is not None:
                self.mail_dir.mkdir(parents=True, exist_ok=True)
                first = (rcpt_tos[0] if rcpt_tos else "unknown").replace("/", "_")
                path = self.mail_dir / f"{index:05d}-{first}.eml"
                envelope = f"X-Envelope-To: {', '.join(rcpt_tos)}\r\n".encode()
                path.write_bytes(envelope + data)
            self.messages.append(ReceivedMail(mail_from, rcpt_tos, message, path))

    def refuse(self, code: int | None, text: str = "Service not available") -> None:
        """Answer every message with ``code`` (e.g. 421 or 550); None accepts again."""
        self.refuse_code, self.refuse_text = code, text

    def to(self, address: str) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self.messages if address in m.envelope_to]

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
