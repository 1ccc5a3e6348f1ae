"""The mailer against a mail server that wants encryption and a login, as organisations'
servers do: STARTTLS or TLS from the first byte, a certificate from an internal CA,
AUTH. A refused login is a permanent failure with the server's answer."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from ipaddress import IPv4Address

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from chidao.runtime.ports import free_port
from services.notifier.adapters.mailer import Mailer, PermanentMailError
from shared.settings import Settings

USER, PASSWORD = "chidao", "mật-khẩu-đúng"
# the implicit-TLS server below requires AUTH without aiosmtpd knowing it is encrypted
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, standing in for the internal CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test.example.org")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


class Server:
    """aiosmtpd requiring TLS and a login; keeps who sent what over which connection."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, bool, str]] = []  # (login, encrypted, subject)

    async def handle_DATA(self, server, session, envelope) -> str:
        login = session.auth_data.login.decode() if session.authenticated else None
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        subject = envelope.content.decode().split("Subject: ", 1)[1].split("\r\n", 1)[0]
        self.received.append((login, encrypted, subject))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture(params=["starttls", "ssl"])
def server(request, certificate):
    handler = Server()
    port = free_port()
    tls = _context(certificate)
    options = dict(authenticator=handler.authenticate, auth_required=True)
    if request.param == "starttls":
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
            auth_require_tls=True, **options,
        )  # fmt: skip
    else:
        # encrypted from the first byte: aiosmtpd cannot tell, so it must not insist on
        # STARTTLS before AUTH (the handler checks the connection is encrypted)
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, ssl_context=tls,
            auth_require_tls=False, **options,
        )  # fmt: skip
    controller.start()
    yield request.param, port, handler
    controller.stop()


def _settings(security: str, port: int, certificate, password: str = PASSWORD) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=security,
        smtp_username=USER,
        smtp_password=SecretStr(password),
        smtp_ca_file=certificate[0],
        smtp_connections=1,
    )


def _message(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "chidao@test.example.org", "cb@test.example.org"
    message["Subject"] = subject
    message.set_content("Kính gửi: Chi bộ")
    return message


async def test_mail_goes_encrypted_and_logged_in_over_a_reused_connection(server, certificate):
    security, port, handler = server
    mailer = Mailer(_settings(security, port, certificate))
    try:
        await mailer.send(_message("first"))
        await mailer.send(_message("second"))
    finally:
        await mailer.close()
    assert handler.received == [(USER, True, "first"), (USER, True, "second")]


async def test_a_refused_login_is_permanent_and_says_why(server, certificate):
    security, port, handler = server
    mailer = Mailer(_settings(security, port, certificate, password="sai"))
    try:
        with pytest.raises(PermanentMailError, match="535"):
            await mailer.send(_message("never"))
    finally:
        await mailer.close()
    assert handler.received == []


async def test_a_certificate_no_configured_ca_vouches_for_is_not_trusted(server, certificate):
    security, port, handler = server
    settings = _settings(security, port, certificate).model_copy(update={"smtp_ca_file": None})
    mailer = Mailer(settings)
    try:
        with pytest.raises(Exception, match=r"(?i)certificate"):
            await mailer.send(_message("never"))
    finally:
        await mailer.close()
    assert handler.received == []
