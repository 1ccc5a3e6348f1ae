"""The mailer's timeouts follow RFC 5321 section 4.5.3.2: a server that takes its time to
accept a mail (up to 10 minutes for the reply to the end of DATA) has accepted it; a mail
whose acceptance never came is possibly sent and not retried at once, while a server that
never invited the message (no 354) got nothing and is retried."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import pytest

from services.notifier.adapters import mailer as mailer_module
from services.notifier.adapters.mailer import Mailer, TransientMailError, UncertainMailError
from shared.settings import Settings


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"] = "chidao@chidao.example.org"
    m["To"] = "cb1@test.example.org"
    m["Subject"] = "[1-KH/ĐU] Báo cáo kết quả thực hiện"
    m["Message-ID"] = "<0123456789abcdef@chidao.example.org>"
    m.set_content("Đề nghị đơn vị báo cáo.")
    return m


def settings_for(port: int, **timeouts: float) -> Settings:
    return Settings(smtp_port=port, smtp_rate=0, smtp_connections=1, **timeouts)


async def test_a_server_accepting_after_longer_than_the_old_20_s_timeout_has_accepted(mail_sink):
    """Slower than the 20 s that used to be the only timeout, and well within RFC 5321's
    10 minutes: the mail is sent once, without a retry."""
    mail_sink.stall(21)
    retries = []

    async def on_retry() -> None:
        retries.append(1)

    mailer = Mailer(settings_for(mail_sink.port))
    try:
        assert await mailer.send(message(), on_retry=on_retry)
    finally:
        await mailer.close()
    assert retries == []
    assert len(mail_sink.messages) == 1


async def test_no_reply_to_the_end_of_data_is_possibly_sent_and_not_retried(mail_sink):
    mail_sink.stall(2)
    mailer = Mailer(settings_for(mail_sink.port, smtp_data_end_timeout=0.5))
    try:
        with pytest.raises(UncertainMailError):
            await mailer.send(message())
    finally:
        await mailer.close()
    # the server had it all along, once: nothing was sent again in the process
    assert len(mail_sink.messages) == 1


@pytest.mark.timeout(15)  # the 354 has its own timeout, not the 5 minutes of MAIL and RCPT
async def test_no_invitation_to_send_the_message_is_a_transient_failure_retried(monkeypatch):
    """A server that never answers DATA with 354 has not received the message: retried in
    the process like any transient failure, never taken for possibly sent."""
    monkeypatch.setattr(mailer_module, "RETRY_DELAYS", (0.01,))
    data_commands = []

    async def silent_after_data(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        writer.write(b"220 mail.test.example.org ESMTP\r\n")
        while line := await reader.readline():
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"DATA":
                data_commands.append(line)
                continue  # no 354, ever
            writer.write(b"221 bye\r\n" if verb == b"QUIT" else b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(silent_after_data, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mailer = Mailer(settings_for(port, smtp_data_timeout=0.3))
    try:
        with pytest.raises(TransientMailError):
            await mailer.send(message())
    finally:
        await mailer.close()
        server.close()
    assert len(data_commands) == 2  # the first attempt and its retry
