"""Settings for every chidao process, read from CHIDAO_* environment variables."""

from __future__ import annotations

import re
import ssl
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Signs the links of the embedded runtime and the tests; never to be used in production.
DEVELOPMENT_LINK_SECRET = "chidao-development-only-link-secret-not-for-production"
# HMAC-SHA1 (itsdangerous' default) takes keys of any length, so a one-character secret
# "works" and is guessed in seconds; 32 bytes is the usual floor for an HMAC key.
MIN_LINK_SECRET_BYTES = 32
# Signs the staff's session cookies in development and the tests; never in production.
DEVELOPMENT_SESSION_SECRET = "chidao-development-only-session-secret-not-for-production"
# Seals the originals of secret (Mật) directives in development and the tests only.
DEVELOPMENT_ORIGINALS_SECRET = "chidao-development-only-originals-secret-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHIDAO_", extra="ignore")

    # NATS / JetStream
    nats_url: str = Field(
        "nats://127.0.0.1:4222",
        description="comma-separated servers of one cluster; a user and password may be in "
        "the URL (nats://notifier:PASSWORD@nats:4222); tls://HOST:4222 for TLS",
    )
    nats_ca_file: Path | None = Field(
        None,
        description="CA bundle that signed the NATS servers' certificates; set (or with "
        "tls:// URLs) the connection is TLS from its first byte and the servers verified",
    )
    js_replicas: int = Field(1, ge=1, le=5, description="replicas of every stream and bucket")
    js_duplicate_window: float = Field(
        600.0, gt=0, description="seconds JetStream remembers a Nats-Msg-Id"
    )
    js_max_deliver: int = Field(8, ge=1, description="deliveries before a message is dead")
    js_ack_wait: float = Field(
        30.0,
        gt=0,
        description="seconds without an ack or an in-progress signal before a message returns",
    )

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    # Timeouts of RFC 5321 section 4.5.3.2: a slow server's acceptance is not a failure.
    smtp_connect_timeout: float = Field(
        300.0, gt=0, description="seconds for the connection, TLS and the 220 greeting (5 min)"
    )
    smtp_command_timeout: float = Field(
        300.0, gt=0, description="seconds for the reply to EHLO, AUTH, MAIL, RCPT... (5 min)"
    )
    smtp_data_timeout: float = Field(
        120.0, gt=0, description="seconds for the 354 reply to DATA (2 min)"
    )
    smtp_data_end_timeout: float = Field(
        600.0,
        gt=0,
        description="seconds for the message to go and the reply to its final '.' (10 min); "
        "past it the mail is possibly sent",
    )
    smtp_ca_file: Path | None = Field(
        None, description="CA bundle that signed the mail server's certificate (internal CA)"
    )
    smtp_connections: int = Field(4, ge=1, le=64)
    smtp_rate: float = Field(50.0, ge=0, description="mails per second at most; 0 = no limit")
    mail_from: str = "Hệ thống chỉ đạo điều hành <chidao@chidao.example.org>"
    mail_claim_lease: float = Field(
        60.0,
        ge=1,
        description="seconds a notifier's claim on a mail lasts unless renewed; a claim left "
        "by a dead notifier is taken over after it",
    )
    mail_uncertain: Literal["resend", "skip"] = Field(
        "resend",
        description="a mail possibly sent (the notifier died, or the server did not answer "
        "the end of DATA): send it again with the same Message-ID, or not",
    )

    # Reminders (notifier): days before a deadline, and the parent's digest after it
    # "7,3,1": days before the deadline; "5wd,2wd": working days (shared/workdays.py)
    reminder_days: Annotated[list[int | str], NoDecode] = Field(
        default_factory=lambda: list[int | str]([7, 3, 1])
    )
    # an urgent directive's (KHẨN, THƯỢNG KHẨN, HỎA TỐC): chased closer to its deadline
    urgent_reminder_days: Annotated[list[int | str], NoDecode] = Field(
        default_factory=lambda: list[int | str](["2wd", "1wd"])
    )
    digest_after_days: float = Field(2.0, ge=0)
    unopened_hours: float = Field(
        16.0,
        ge=0,
        description="an assignment whose link is neither opened nor confirmed this many "
        "working hours after its mail was accepted is mailed again, once, to the unit's "
        "leaders as well (Nghị định 30/2020 Điều 21: the sender must know it arrived); 0: never",
    )
    reminder_tolerance_hours: float = Field(
        12.0,
        ge=0,
        description="a reminder that fires later than this after its moment (an outage, a "
        "restart, a replay) is dropped, never sent: 'còn 3 ngày' read days late is wrong",
    )

    # Signed submission links: the first secret signs, every one verifies (rotation)
    link_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEVELOPMENT_LINK_SECRET)],
        description="comma-separated, each at least 32 bytes; put the new secret first and "
        "keep the old one a while",
    )
    originals_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_ORIGINALS_SECRET),
        description="the issuer seals the original file of a secret (Mật) directive with a "
        "key made from it (AES-GCM) before it is stored; at least 32 bytes; changing it "
        "leaves the originals sealed before unreadable",
    )
    link_grace_days: float = Field(
        30.0, ge=0, description="a link works this long after the deadline"
    )
    public_url: str = Field(
        "http://127.0.0.1:8083", description="where units open the reporter's pages"
    )
    console_url: str = Field(
        "http://127.0.0.1:8080",
        description="where the staff open the console (the pages a staff mail links to)",
    )

    # Where it runs: "production" refuses the development secrets and unsafe cookies
    # (shared.production), so a forgotten variable stops the service instead of opening it.
    env: Literal["development", "production"] = "development"

    # Staff sign-in (shared.auth): sessions, local accounts, API tokens, OpenID Connect
    session_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=lambda: [SecretStr(DEVELOPMENT_SESSION_SECRET)],
        description="comma-separated, each at least 32 bytes; signs the staff's session "
        "cookies (the first signs, all verify: rotation)",
    )
    session_hours: float = Field(8.0, gt=0, le=24 * 7, description="a session lasts this long")
    cookie_secure: bool = Field(
        False, description="cookies only over HTTPS (required in production)"
    )
    login_max_failures: int = Field(
        5, ge=1, description="failed logins of one account or address before it must wait"
    )
    login_lockout_minutes: float = Field(
        15.0, gt=0, description="how long failed logins are counted, and the wait after"
    )
    api_token_days: float = Field(90.0, gt=0, description="an API token lasts this long")
    operator_token: SecretStr | None = Field(
        None,
        description="the operators' token for the admin command line (every unit, every "
        "role); unset: no operator token is accepted",
    )
    oidc_issuer: str | None = Field(
        None, description="the OpenID provider's issuer URL; unset: local accounts only"
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str | None = Field(
        None,
        description="where the provider sends the browser back: {staff URL}/auth/oidc/callback",
    )
    oidc_unit_claim: str = Field("chidao_unit", description="the claim naming the unit")
    oidc_roles_claim: str = Field("chidao_roles", description="the claim listing the roles")
    oidc_ca_file: Path | None = Field(
        None, description="CA bundle that signed the provider's certificate (internal CA)"
    )

    # HTTP
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="the proxies (the console's front, an Ingress) whose X-Forwarded-For "
        "and X-Forwarded-Proto a service believes; comma-separated addresses or networks",
    )
    max_body_bytes: int = Field(
        1 << 20, ge=1024, description="largest request body a route takes (413 past it)"
    )
    max_upload_bytes: int = Field(
        32 << 20,
        ge=1024,
        description="largest body of the routes that carry files: the issuer's document "
        "upload, the reporter's form page and POST /api/submissions (base64 files)",
    )

    # Reading uploaded documents (issuer): in worker processes, each document bounded
    parse_workers: int = Field(2, ge=1, le=16, description="worker processes that parse uploads")
    parse_timeout: float = Field(
        20.0, gt=0, description="seconds a document may take to read before it is refused"
    )
    parse_memory_mb: int = Field(
        512, ge=128, description="address space (MB) of a parse worker, RLIMIT_AS"
    )

    # Reports (reporter)
    max_report_versions: int = Field(
        50, ge=1, description="versions a unit may send of one report; past it, a 409"
    )

    # Time: "real", or "sim:<ISO start>@<speed factor>" (see shared.clock)
    clock: str = "real"
    clock_anchor: float | None = Field(
        None, description="unix time at which a simulated clock shows its start instant"
    )

    # Telemetry
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    tracing: Literal["none", "console", "otlp"] | None = Field(
        None,
        description="where spans go; unset: OTLP when OTEL_TRACES_EXPORTER=otlp or an "
        "OTEL_EXPORTER_OTLP_*ENDPOINT is set, else nowhere",
    )
    metrics_interval: float = Field(
        5.0, gt=0, description="seconds between samples of JetStream for the gauges"
    )
    heartbeat_seconds: float = Field(
        60.0, ge=1, description="the notifier's heartbeat timer fires once per this period"
    )

    # Local state (embedded runtime, mail sink, reports)
    var_dir: Path = Path("var")

    @field_validator(
        "reminder_days", "urgent_reminder_days", "link_secrets", "session_secrets", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # CHIDAO_REMINDER_DAYS=7,3,1 and CHIDAO_LINK_SECRETS=new,old read as lists
        if isinstance(value, str) and not value.strip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("reminder_days", "urgent_reminder_days")
    @classmethod
    def _reminders(cls, values: list[int | str], info: Any) -> list[int | str]:
        written: list[int | str] = [str(v).strip().lower() for v in values]
        wrong = [w for w in written if not re.fullmatch(r"[1-9]\d{0,2}(wd)?", str(w))]
        if wrong:
            raise ValueError(
                f"CHIDAO_{info.field_name.upper()}: {wrong[0]!r} is neither a number of days "
                "(3) nor of working days (3wd), from 1 to 999"
            )
        return written

    @field_validator("link_secrets", "session_secrets")
    @classmethod
    def _strong_secrets(cls, secrets: list[SecretStr], info: Any) -> list[SecretStr]:
        # Refused at start-up, not at the first signing, hours later.
        variable = f"CHIDAO_{info.field_name.upper()}"
        if not secrets:
            raise ValueError(f"{variable} is empty: set at least one secret")
        for position, secret in enumerate(secrets, 1):
            size = len(secret.get_secret_value().encode("utf-8"))
            if size < MIN_LINK_SECRET_BYTES:
                raise ValueError(
                    f"{variable}: secret number {position} is {size} bytes long; "
                    f"each must be at least {MIN_LINK_SECRET_BYTES} bytes "
                    "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
                )
        return secrets

    @cached_property
    def smtp_password_value(self) -> str | None:
        return self.smtp_password.get_secret_value() if self.smtp_password else None


def split_servers(nats_url: str) -> list[str]:
    """``nats://a:4222,nats://b:4222`` as the list nats-py wants (it takes no commas)."""
    return [part.strip() for part in nats_url.split(",") if part.strip()]


def inbox_prefix(service: str | None) -> str:
    """Where a client receives its replies: ``_INBOX.<service>`` for a service, whose NATS
    user may subscribe there only (deploy/nats/accounts.conf), so that no service can
    listen to the replies another one gets."""
    return f"_INBOX.{service}" if service else "_INBOX"


def nats_options(
    nats_url: str, ca_file: Path | None = None, service: str | None = None
) -> dict[str, Any]:
    """Keyword arguments for nats.connect (and FastStream's NatsBroker): the servers, and
    the user and password of the URL given as options. In the URL alone they would not be
    sent to the servers a cluster announces, and reconnecting to one of those after losing
    a node fails with "authentication error".

    With ``ca_file`` or a ``tls://`` server, TLS with the servers' certificates checked
    against ``ca_file`` (else the system's CAs), and the handshake first: nats-py otherwise
    starts in plain text and upgrades only when the server's greeting asks for TLS, so a
    man in the middle who left that out would be sent the password in clear (the servers
    accept both orders: ``handshake_first: auto`` in deploy/nats/nats.conf)."""
    options: dict[str, Any] = {"servers": [], "inbox_prefix": inbox_prefix(service)}
    for server in split_servers(nats_url):
        parts = urlsplit(server)
        if parts.username is not None and parts.password is not None and "user" not in options:
            options["user"] = unquote(parts.username)
            options["password"] = unquote(parts.password)
        host = parts.netloc.rsplit("@", 1)[-1]  # without the credentials
        options["servers"].append(urlunsplit(parts._replace(netloc=host)))
    if ca_file is not None or any(s.startswith("tls://") for s in options["servers"]):
        options["tls"] = ssl.create_default_context(cafile=ca_file)
        options["tls_handshake_first"] = True
    return options
