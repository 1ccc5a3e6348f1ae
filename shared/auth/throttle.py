"""Login throttling: after ``login_max_failures`` failed sign-ins of one account, or from
one address, within ``login_lockout_minutes``, further attempts are refused until that
time has passed since the last failure, whatever the password. Kept in the process (a
bounded TTL cache): with N replicas an attacker gets at most N times the allowance,
which still turns an online guess into years."""

from __future__ import annotations

from cachetools import TTLCache

from shared.errors import RateLimited
from shared.settings import Settings


class TooManyAttempts(RateLimited):
    """Too many failed sign-ins: wait before trying again."""


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.max_failures = settings.login_max_failures
        self.window = settings.login_lockout_minutes * 60
        # a failure is forgotten `window` seconds after the last one of its key
        self._failures: TTLCache[str, int] = TTLCache(maxsize=100_000, ttl=self.window)

    def _keys(self, username: str, address: str | None) -> list[str]:
        return [f"user:{username}"] + ([f"addr:{address}"] if address else [])

    def check(self, username: str, address: str | None) -> None:
        if any(
            self._failures.get(k, 0) >= self.max_failures for k in self._keys(username, address)
        ):
            minutes = max(1, round(self.window / 60))
            raise TooManyAttempts(
                f"Đã đăng nhập sai quá {self.max_failures} lần; đề nghị thử lại sau "
                f"{minutes} phút.",
                retry_after=int(self.window),
            )

    def failed(self, username: str, address: str | None) -> None:
        for key in self._keys(username, address):
            # re-inserting restarts the key's time to live: the wait runs from the last failure
            self._failures[key] = self._failures.get(key, 0) + 1

    def succeeded(self, username: str) -> None:
        self._failures.pop(f"user:{username}", None)
