"""A unit's e-mail addresses as an administrator types them: one per line or separated by
commas or semicolons, each checked the way the directory's contract checks it
(``email-validator``, as pydantic's ``EmailStr``), so that what the form accepts the
directory accepts too."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

MAX_ADDRESSES = 5
MAX_ADDRESS_CHARS = 254  # RFC 5321's limit on a forward path
MAX_FIELD_CHARS = 2000
# Lines, commas, semicolons: not spaces, so that "a b@x" is named whole as what is wrong.
_SEPARATORS = re.compile(r"[\r\n,;]+")


class AddressProblem(ValueError):
    """What is wrong with the typed addresses, in Vietnamese."""


def parse_addresses(typed: str) -> list[str]:
    """The addresses in ``typed``, normalised (the domain in lower case), each once, in
    the order typed; AddressProblem saying which one is wrong and why."""
    if len(typed) > MAX_FIELD_CHARS:
        raise AddressProblem(f"Nội dung quá dài (tối đa {MAX_FIELD_CHARS} ký tự).")
    parts = [p.strip() for p in _SEPARATORS.split(typed) if p.strip()]
    if not parts:
        raise AddressProblem(
            "Chưa có địa chỉ nào: đơn vị cần ít nhất một địa chỉ thư điện tử để nhận văn bản "
            "và đường dẫn báo cáo."
        )
    addresses: dict[str, None] = {}
    for part in parts:
        addresses.setdefault(checked_address(part), None)
    if len(addresses) > MAX_ADDRESSES:
        raise AddressProblem(
            f"Mỗi đơn vị có tối đa {MAX_ADDRESSES} địa chỉ; đã nhập {len(addresses)}."
        )
    return list(addresses)


def checked_address(address: str) -> str:
    """One address, normalised; AddressProblem naming it."""
    if len(address) > MAX_ADDRESS_CHARS:
        raise AddressProblem(f"Địa chỉ “{address[:40]}…” dài quá {MAX_ADDRESS_CHARS} ký tự.")
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise AddressProblem(
            f"“{address}” không phải là địa chỉ thư điện tử hợp lệ (dạng ten@donvi.gov.vn)."
        ) from None
    return result.normalized
