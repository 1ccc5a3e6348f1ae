"""The rules of the account forms, in the administrators' words: what a new account
needs, which roles may be set, and what an administrator may not do to its own account
(lock itself out: the unit would have no one left to undo it). Pure."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from services.issuer.admin.emails import AddressProblem, checked_address
from shared.auth.accounts import Account, is_username
from shared.auth.roles import ROLE_NAMES, Role

MIN_PASSWORD_CHARS = 12  # the console asks more than the command line's 10
MAX_PASSWORD_CHARS = 200
GENERATED_BYTES = 12  # 16 URL-safe characters


class Refused(Exception):
    """What the administrator is told, next to the form; ``field`` names it."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass
class NewAccount:
    """The add form as typed (kept when refused, the password aside)."""

    username: str = ""
    display_name: str = ""
    unit_id: str = ""
    email: str = ""
    roles: set[str] = field(default_factory=set)
    password: str = ""

    @classmethod
    def of(cls, form: Mapping[str, str], roles: list[str]) -> NewAccount:
        return cls(
            username=form.get("username", "").strip().lower()[:64],
            display_name=" ".join(form.get("display_name", "").split())[:200],
            unit_id=form.get("unit_id", "").strip()[:128],
            email=form.get("email", "").strip()[:254],
            roles={r for r in roles if r in set(Role)},
            password=form.get("password", "")[: MAX_PASSWORD_CHARS + 1],
        )


def roles_of(values: list[str]) -> frozenset[Role]:
    """The ticked roles; at least one (an account without one can do nothing)."""
    roles = frozenset(Role(v) for v in values if v in set(Role))
    if not roles:
        raise Refused("Cần chọn ít nhất một vai trò cho tài khoản.", "roles")
    return roles


def password_for(typed: str) -> tuple[str, bool]:
    """(password, generated): the typed one, or a strong one made here when none is."""
    if not typed:
        return secrets.token_urlsafe(GENERATED_BYTES), True
    if len(typed) < MIN_PASSWORD_CHARS:
        raise Refused(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự; để trống để hệ thống tạo "
            "một mật khẩu mạnh.",
            "password",
        )
    if len(typed) > MAX_PASSWORD_CHARS:
        raise Refused(f"Mật khẩu dài tối đa {MAX_PASSWORD_CHARS} ký tự.", "password")
    return typed, False


def new_account(typed: NewAccount, password_hash: str) -> Account:
    """The account to write; Refused naming the field that is wrong."""
    check_username(typed.username)
    if not typed.display_name:
        raise Refused("Cần ghi họ và tên của cán bộ.", "display_name")
    roles = roles_of(sorted(typed.roles))
    try:
        email = checked_address(typed.email) if typed.email else None
    except AddressProblem as problem:
        raise Refused(str(problem), "email") from None
    try:
        return Account(
            username=typed.username,
            display_name=typed.display_name,
            unit_id=typed.unit_id,
            roles=roles,
            email=email,
            password_hash=password_hash,
            valid_after=datetime.now(UTC),
        )
    except ValidationError as exc:
        raise Refused(f"Thông tin tài khoản chưa hợp lệ: {exc.errors()[0]['msg']}.") from None


def check_username(username: str) -> None:
    """Before the password is hashed (tens of milliseconds): the cheap refusal first."""
    if not is_username(username):
        raise Refused(
            "Tên đăng nhập gồm 2 đến 64 ký tự: chữ thường không dấu, chữ số, dấu chấm, "
            "gạch ngang, gạch dưới hoặc @.",
            "username",
        )


def refuse_own_lockout(actor: str, target: Account, roles: frozenset[Role] | None) -> None:
    """An administrator may not disable its own account nor take its own quan_tri role:
    the unit could be left with no one able to give it back."""
    if target.username != actor:
        return
    if roles is None:
        raise Refused(
            "Không thể tự khóa tài khoản của chính mình: nếu cần, đề nghị một quản trị "
            "viên khác của đơn vị (hoặc cấp trên) thực hiện."
        )
    if Role.QUAN_TRI not in roles:
        raise Refused(
            f"Không thể tự bỏ vai trò {ROLE_NAMES[Role.QUAN_TRI]} của chính mình: tài khoản "
            "sẽ không quản lý được tài khoản nào nữa, kể cả tài khoản của mình. Đề nghị một "
            "quản trị viên khác thực hiện.",
            "roles",
        )


def disabled(account: Account) -> Account:
    """Disabled, and its sessions and tokens ended (``valid_after``: the guard refuses
    any made before), as ``chidao users disable`` does."""
    return account.model_copy(update={"disabled": True, "valid_after": datetime.now(UTC)})


def enabled(account: Account) -> Account:
    """Enabled again; its old sessions stay ended."""
    return account.model_copy(update={"disabled": False})


def with_roles(account: Account, roles: frozenset[Role]) -> Account:
    return account.model_copy(update={"roles": roles})


def role_list(roles: frozenset[Role]) -> str:
    return ", ".join(ROLE_NAMES[r] for r in Role if r in roles) or "chưa có vai trò"


def detail(account: Account, what: str) -> str:
    """The audit entry's detail, as the command line writes it."""
    roles = ",".join(sorted(r.value for r in account.roles))
    return f"{what} account {account.username} ({roles}){' disabled' if account.disabled else ''}"
