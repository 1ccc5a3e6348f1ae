"""Signed submission links: ``{public_url}/r/{token}`` opens one unit's report for one
requirement of one directive, without a password, until the deadline plus a grace period.

The token is the claims signed with HMAC (itsdangerous); changing any character makes it
invalid, so a link cannot be turned into another unit's or directive's. Several secrets
may be configured: the first signs, all verify, so a key can be rotated without breaking
the links already mailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from shared.clock import VN_TZ, Clock
from shared.settings import Settings
from shared.slugs import is_slug

SALT = "chidao.submission-link.v1"
UNDATED_LIFETIME = timedelta(days=365)  # a requirement without a deadline
MAX_TOKEN_CHARS = 2048  # a real token is about 150; longer is not worth decoding


class LinkError(Exception):
    def __init__(self, reason: str, claims: LinkClaims | None = None) -> None:
        """``reason``: "invalid", "expired" or "revoked"; ``claims``, for a genuine link
        that expired or was revoked: whose it was (its page names whom to ask)."""
        super().__init__(reason)
        self.reason = reason
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    directive_id: str
    unit_id: str
    requirement_id: str
    expires_at: datetime


class Links:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        secrets = [s.get_secret_value() for s in settings.link_secrets]
        # itsdangerous signs with the last key and verifies with all of them
        self._serializer = URLSafeSerializer(list(reversed(secrets)), salt=SALT)
        self._grace = timedelta(days=settings.link_grace_days)
        self._public_url = settings.public_url.rstrip("/")
        self._clock = clock

    def expiry(self, due_before: datetime | None, issued_at: datetime) -> datetime:
        """The grace after the deadline, and never less than the grace after the link was
        made: a directive issued past its deadline (``allow_past``) still mails live links."""
        if due_before is None:
            return issued_at + UNDATED_LIFETIME
        return max(due_before, issued_at) + self._grace

    def token(
        self,
        directive_id: str,
        unit_id: str,
        requirement_id: str,
        due_before: datetime | None,
        issued_at: datetime,
    ) -> str:
        expires = self.expiry(due_before, issued_at)
        claims = {
            "d": directive_id,
            "u": unit_id,
            "r": requirement_id,
            "e": int(expires.timestamp()),
        }
        return self._serializer.dumps(claims)

    def placeholder_url(self) -> str:
        """What a previewed mail shows where each unit's own signed link will be."""
        return f"{self._public_url}/r/(mã-riêng-của-đơn-vị)"

    def url(self, *args: object, **kwargs: object) -> str:
        return f"{self._public_url}/r/{self.token(*args, **kwargs)}"  # type: ignore[arg-type]

    def verify(self, token: str) -> LinkClaims:
        """The claims of a valid, unexpired token; LinkError for anything else, whatever
        the token holds (a signed one included: claims of the wrong shape, ids that are
        not ids, an expiry no clock can show)."""
        if len(token) > MAX_TOKEN_CHARS:
            raise LinkError("invalid")
        try:
            claims = self._serializer.loads(token)
        except BadSignature as exc:
            raise LinkError("invalid") from exc
        try:
            directive_id, unit_id, requirement_id = ids = [claims["d"], claims["u"], claims["r"]]
            if not all(isinstance(i, str) and is_slug(i) for i in ids):
                raise ValueError(f"not ids: {ids!r}")
            expires_at = datetime.fromtimestamp(int(claims["e"]), VN_TZ)
            result = LinkClaims(directive_id, unit_id, requirement_id, expires_at)
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            raise LinkError("invalid") from exc
        if self._clock.now() >= result.expires_at:
            raise LinkError("expired", result)
        return result


def revocation_key(directive_id: str, unit_id: str, requirement_id: str) -> str:
    """The key in ``reporter_revoked_links`` of the report whose every link a parent's
    staff revoked: written by the reporter, read by the reporter (the link opens
    nothing) and the notifier (a revoked link is never mailed again)."""
    return f"{directive_id}.{unit_id}.{requirement_id}"
