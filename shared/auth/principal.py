"""Who a request acts as, and the two scope rules every staff route applies:

- an account *acts as* its unit: it issues, reviews, approves and reports as that unit
  only (``require_acts_as``);
- it *reads* its unit's subtree: its own unit and every unit below it, so a parent's
  staff see their children's reports and never a sibling's (``require_reads``).

The operators' token is the one principal without a unit: every unit, every role, for
the admin command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.auth.roles import ACTION_NAMES, ALL, ALLOWED, ROLE_NAMES, Action, Role
from shared.directory import Directory
from shared.errors import Forbidden

Via = Literal["password", "oidc", "token", "operator"]


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    unit_id: str | None  # None: the operator, who may act as any unit
    roles: frozenset[Role]
    via: Via

    @property
    def is_operator(self) -> bool:
        return self.unit_id is None

    @property
    def named(self) -> str:
        """As a page names who did something: "Lê Quang Thành (lanhdao.snv)"."""
        return f"{self.display_name} ({self.username})"

    def may(self, action: Action) -> bool:
        return bool(self.roles & ALLOWED[action])

    def require(self, action: Action) -> None:
        if self.may(action):
            return
        needed = ", ".join(ROLE_NAMES[r] for r in Role if r in ALLOWED[action])
        held = ", ".join(ROLE_NAMES[r] for r in Role if r in self.roles) or "chưa có vai trò"
        raise _refusal(
            f"Tài khoản {self.display_name} ({held}) không có quyền {ACTION_NAMES[action]}: "
            f"việc này cần vai trò {needed}.",
            "role",
            action,
        )

    def acts_as(self, unit_id: str) -> bool:
        return self.is_operator or unit_id == self.unit_id

    def reads(self, unit_id: str, directory: Directory) -> bool:
        if self.is_operator or unit_id == self.unit_id:
            return True
        return unit_id in directory and self.unit_id in directory.ancestors(unit_id)

    def sees_directive_of(self, issuer_unit: str, directory: Directory) -> bool:
        """A directive is seen by the issuer and the units above it (whose staff follow
        the cascade of their own directives), and by the units below it, which carry it
        out; never by a sibling branch."""
        if self.reads(issuer_unit, directory):  # the issuer is this unit or below it
            return True
        return self.unit_id is not None and issuer_unit in directory.ancestors(self.unit_id)

    def require_sees_directive_of(
        self, issuer_unit: str, directory: Directory, action: Action
    ) -> None:
        if not self.sees_directive_of(issuer_unit, directory):
            raise _refusal(
                f"Văn bản của {directory.name(issuer_unit)} không thuộc phạm vi của "
                f"{self._own(directory)}: chỉ {ACTION_NAMES[action]} được của đơn vị mình, "
                "cấp trên và cấp dưới trực thuộc.",
                "scope",
                action,
            )

    def require_acts_as(self, unit_id: str, directory: Directory, action: Action) -> None:
        if not self.acts_as(unit_id):
            raise _refusal(
                f"Tài khoản thuộc {self._own(directory)} không thể {ACTION_NAMES[action]} "
                f"thay cho {directory.name(unit_id)}.",
                "unit",
                action,
            )

    def require_reads(self, unit_id: str, directory: Directory, action: Action) -> None:
        if not self.reads(unit_id, directory):
            raise _refusal(
                f"Tài khoản thuộc {self._own(directory)} chỉ {ACTION_NAMES[action]} được của "
                f"đơn vị mình và các đơn vị cấp dưới; {directory.name(unit_id)} không thuộc "
                "phạm vi đó.",
                "scope",
                action,
            )

    def _own(self, directory: Directory) -> str:
        return directory.name(self.unit_id) if self.unit_id else "quản trị hệ thống"


def _refusal(message: str, reason: str, action: Action) -> Forbidden:
    """A 403 whose details say which rule refused: ``role``, ``unit`` or ``scope``."""
    return Forbidden(message, reason=reason, action=action.value)


def operator() -> Principal:
    return Principal("operator", "Quản trị vận hành", None, ALL, "operator")
