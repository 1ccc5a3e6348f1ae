"""What /accounts shows: the accounts of the administrator's subtree, searched without
accents, and the units a new account may belong to. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from services.issuer.admin.account_rules import role_list
from services.issuer.admin.units_view import subtree
from shared.auth.accounts import Account
from shared.auth.principal import Principal
from shared.auth.roles import ROLE_NAMES, Role
from shared.directory import Directory
from shared.slugs import fold

MAX_LISTED = 300  # accounts on one page; a search narrows a bigger subtree
MAX_UNIT_CHOICES = 300  # past this the new account's unit is typed as its id

ROLE_CHOICES = [{"value": r.value, "name": ROLE_NAMES[r]} for r in Role]


@dataclass(frozen=True)
class AccountRow:
    account: Account
    unit_name: str
    roles: str
    own: bool  # the administrator's own account: it cannot lock itself out


@dataclass(frozen=True)
class AccountsView:
    rows: list[AccountRow]
    total: int  # of the subtree
    matched: int
    query: str
    units: list[dict[str, str]]  # {id, name} a new account may be of; [] when too many


def accounts_view(
    accounts: list[Account], principal: Principal, directory: Directory, query: str
) -> AccountsView:
    mine = [a for a in accounts if principal.reads(a.unit_id, directory)]
    folded = fold(query.strip())

    def found(account: Account) -> bool:
        words = f"{account.username} {account.display_name} {directory.name(account.unit_id)}"
        return not folded or folded in fold(words)

    matched = [a for a in mine if found(a)]
    rows = [
        AccountRow(
            a, directory.name(a.unit_id), role_list(a.roles), a.username == principal.username
        )
        for a in matched[:MAX_LISTED]
    ]
    return AccountsView(
        rows, len(mine), len(matched), query.strip(), unit_choices(principal, directory)
    )


def unit_choices(principal: Principal, directory: Directory) -> list[dict[str, str]]:
    """The subtree's units in tree order, indented with their depth; [] past
    ``MAX_UNIT_CHOICES`` (a select of thousands helps no one)."""
    choices: list[dict[str, str]] = []
    for unit, depth in subtree(directory, principal.unit_id):
        if len(choices) == MAX_UNIT_CHOICES:
            return []
        choices.append({"id": unit.id, "name": "\u2003" * min(depth, 6) + unit.name})
    return choices
