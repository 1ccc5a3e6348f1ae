"""The four staff roles and what each may do.

An action names what a route does; ``ALLOWED`` says which roles may do it. Routes never
test a role by name: they declare their action (``shared.auth.guard.staff``), so this
table is the one place to read, and change, who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VAN_THU = "van_thu"  # clerk: uploads, numbers and sends documents
    CHUYEN_VIEN = "chuyen_vien"  # specialist: drafts, reviews reports, prepares the synthesis
    LANH_DAO = "lanh_dao"  # leader: approves issuing and the synthesis that goes up
    QUAN_TRI = "quan_tri"  # administers accounts, the directory and report forms


ROLE_NAMES = {
    Role.VAN_THU: "văn thư",
    Role.CHUYEN_VIEN: "chuyên viên",
    Role.LANH_DAO: "lãnh đạo",
    Role.QUAN_TRI: "quản trị",
}

ALL = frozenset(Role)


class Action(StrEnum):
    DIRECTIVE_ISSUE = "directive.issue"
    DIRECTIVE_PREVIEW = "directive.preview"
    DIRECTIVE_READ = "directive.read"
    DIRECTIVE_RECALL = "directive.recall"
    DIRECTIVE_CORRECT = "directive.correct"
    DIRECTIVE_REPLACE = "directive.replace"
    REPORT_SUBMIT = "report.submit"
    REPORT_READ = "report.read"
    REPORT_REVIEW = "report.review"
    EXTENSION_DECIDE = "extension.decide"
    LINK_REVOKE = "link.revoke"
    LINK_RESEND = "link.resend"
    SYNTHESIS_READ = "synthesis.read"
    SYNTHESIS_EDIT = "synthesis.edit"
    SYNTHESIS_APPROVE = "synthesis.approve"
    AUDIT_READ = "audit.read"
    UNIT_EDIT = "unit.edit"
    ACCOUNT_MANAGE = "account.manage"
    TOKEN_MANAGE = "token.manage"


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.DIRECTIVE_ISSUE: frozenset({Role.VAN_THU, Role.LANH_DAO}),
    Action.DIRECTIVE_PREVIEW: frozenset({Role.VAN_THU, Role.CHUYEN_VIEN, Role.LANH_DAO}),
    Action.DIRECTIVE_READ: ALL,
    # recalling is the leader's, as signing the document was (Nghị định 30/2020 Điều 18)
    Action.DIRECTIVE_RECALL: frozenset({Role.LANH_DAO}),
    # and so are correcting (đính chính) and replacing (thay thế) it, the same article
    Action.DIRECTIVE_CORRECT: frozenset({Role.LANH_DAO}),
    Action.DIRECTIVE_REPLACE: frozenset({Role.LANH_DAO}),
    Action.REPORT_SUBMIT: frozenset({Role.VAN_THU, Role.CHUYEN_VIEN}),
    Action.REPORT_READ: ALL,
    Action.REPORT_REVIEW: frozenset({Role.CHUYEN_VIEN, Role.LANH_DAO}),
    # a deadline the leader set is moved by the leader (xin gia hạn: lãnh đạo quyết định)
    Action.EXTENSION_DECIDE: frozenset({Role.LANH_DAO}),
    Action.LINK_REVOKE: frozenset({Role.CHUYEN_VIEN, Role.LANH_DAO}),
    Action.LINK_RESEND: frozenset({Role.VAN_THU, Role.CHUYEN_VIEN, Role.LANH_DAO}),
    Action.SYNTHESIS_READ: ALL,
    Action.SYNTHESIS_EDIT: frozenset({Role.CHUYEN_VIEN, Role.LANH_DAO}),
    Action.SYNTHESIS_APPROVE: frozenset({Role.LANH_DAO}),
    Action.AUDIT_READ: frozenset({Role.LANH_DAO, Role.QUAN_TRI}),
    Action.UNIT_EDIT: frozenset({Role.QUAN_TRI}),
    Action.ACCOUNT_MANAGE: frozenset({Role.QUAN_TRI}),
    Action.TOKEN_MANAGE: ALL,
}

# What the refusal says the action is, in the staff's words.
ACTION_NAMES: dict[Action, str] = {
    Action.DIRECTIVE_ISSUE: "ban hành văn bản",
    Action.DIRECTIVE_PREVIEW: "đọc thử văn bản",
    Action.DIRECTIVE_READ: "xem văn bản",
    Action.DIRECTIVE_RECALL: "thu hồi văn bản",
    Action.DIRECTIVE_CORRECT: "đính chính văn bản",
    Action.DIRECTIVE_REPLACE: "thay thế văn bản",
    Action.REPORT_SUBMIT: "gửi báo cáo",
    Action.REPORT_READ: "xem báo cáo",
    Action.REPORT_REVIEW: "duyệt báo cáo",
    Action.EXTENSION_DECIDE: "quyết định gia hạn báo cáo",
    Action.LINK_REVOKE: "thu hồi đường dẫn báo cáo",
    Action.LINK_RESEND: "gửi lại đường dẫn báo cáo",
    Action.SYNTHESIS_READ: "xem báo cáo tổng hợp",
    Action.SYNTHESIS_EDIT: "viết phần nhận định của báo cáo tổng hợp",
    Action.SYNTHESIS_APPROVE: "duyệt báo cáo tổng hợp gửi cấp trên",
    Action.AUDIT_READ: "xem nhật ký thao tác",
    Action.UNIT_EDIT: "sửa thông tin liên hệ của đơn vị",
    Action.ACCOUNT_MANAGE: "quản lý tài khoản cán bộ",
    Action.TOKEN_MANAGE: "quản lý mã truy cập",
}


def parse_roles(values: str | list[str]) -> frozenset[Role]:
    """``"van_thu,chuyen_vien"`` or a list of names; an unknown name is a ValueError
    naming the four there are."""
    names = values.split(",") if isinstance(values, str) else values
    roles = set()
    for name in (n.strip() for n in names):
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r}; the roles are {known}") from None
    return frozenset(roles)
