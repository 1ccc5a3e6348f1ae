"""An SMTP server (aiosmtpd) that keeps every message it accepts, as a local mail server.

Each accepted message is written to ``<mail_dir>/<nnnnn>-<first recipient>.eml`` with an
``X-Envelope-To`` header, and kept in memory for tests. ``refuse`` makes it answer every
transaction with a chosen SMTP code, to play a mail server that is rejecting; ``stall``
makes it hold its reply to the end of DATA, to play a slow one (the message is kept when
it arrives, as a server that has committed it before saying so: a client that gives up
waiting has had it accepted all the same); ``stop`` and ``start`` again play one that is down for a
while.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
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
    received_at: float = 0.0  # unix time the sink accepted it

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
        delay = self.sink.stall_for_next()
        if delay:  # kept already: a server that committed the message, slow to say so
            await asyncio.sleep(delay)
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, mail_dir: Path | None = None, port: int | None = None) -> None:
        self.mail_dir = mail_dir
        self.port = port or free_port()
        self.messages: list[ReceivedMail] = []
        self.refuse_code: int | None = None
        self.count_only = False  # keep nothing, only count (benchmarks)
        self.count = 0
        self.refuse_text = "Service not available"
        self.stall_seconds = 0.0
        self.stall_every = 0
        self.stalled = 0  # replies held so far
        self._stalls_left: int | None = None
        self._transactions = 0
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def store(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        if self.mail_dir is None and self.count_only:
            with self._lock:
                self.count += 1
            return
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
            self.messages.append(ReceivedMail(mail_from, rcpt_tos, message, path, time.time()))

    def refuse(self, code: int | None, text: str = "Service not available") -> None:
        """Answer every message with ``code`` (e.g. 421 or 550); None accepts again."""
        self.refuse_code, self.refuse_text = code, text

    def stall(self, seconds: float, every: int = 1, times: int | None = None) -> None:
        """Hold the reply to the end of DATA ``seconds`` for every ``every``-th message
        from now on, ``times`` times at most (0 seconds: answer at once again)."""
        with self._lock:
            self.stall_seconds, self.stall_every, self._transactions = seconds, every, 0
            self._stalls_left = times

    def stall_for_next(self) -> float:
        """How long to hold the reply to the message just received."""
        with self._lock:
            self._transactions += 1
            if self.stall_seconds <= 0 or self._transactions % max(self.stall_every, 1):
                return 0.0
            if self._stalls_left is not None:
                if self._stalls_left <= 0:
                    return 0.0
                self._stalls_left -= 1
            self.stalled += 1
            return self.stall_seconds

    def to(self, address: str) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self.messages if address in m.envelope_to]

    def start(self) -> MailSink:
        """Listen (again, after ``stop``: a mail server that was down comes back)."""
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Close the port: connections are refused until ``start``; what came is kept."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main() -> None:
    """``python -m chidao.runtime.mailsink --port P [--mail-dir DIR]``: a sink of its own
    process (for benchmarks, so that it does not share the sender's interpreter)."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(description="an SMTP server that keeps what it accepts")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mail-dir", type=Path, default=None)
    args = parser.parse_args()
    sink = MailSink(args.mail_dir, args.port)
    sink.count_only = args.mail_dir is None
    sink.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
        sys.exit(0)


if __name__ == "__main__":
    main()
