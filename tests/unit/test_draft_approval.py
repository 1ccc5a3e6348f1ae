"""The leader's approval of a draft: who may issue, submit or return a draft of which unit,
in which state, and what submitting, returning and editing do to it (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.issuer.domain.draft import (
    Draft,
    DraftStatus,
    edited,
    issue_refusal,
    may_submit,
    needs_approval,
    return_refusal,
    returned,
    submit_refusal,
    submitted,
)
from shared.auth.roles import Role
from shared.contracts import AttachedFile, ParsedDocument, Unit
from shared.directory import Directory, load_file, parse_units

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
VAN_THU = frozenset({Role.VAN_THU})
CHUYEN_VIEN = frozenset({Role.CHUYEN_VIEN})
LANH_DAO = frozenset({Role.LANH_DAO})
QUAN_TRI = frozenset({Role.QUAN_TRI})
DEMO = Path(__file__).resolve().parents[2] / "chidao" / "demo" / "directory.yaml"


def draft(status: DraftStatus = DraftStatus.DRAFT, **more) -> Draft:
    return Draft(
        id="abc123",
        unit_id="du",
        created_by="vanthu",
        created_by_name="Văn thư",
        created_at=NOW,
        updated_at=NOW,
        original=AttachedFile(
            filename="kh.txt", object_name="o" * 64, content_type="text/plain", size=3
        ),
        text="",
        reading=ParsedDocument(),
        directive={"ref": "1-KH/ĐU", "title": "Kế hoạch"},
        status=status,
        **more,
    )


def test_the_unit_setting_is_read_from_the_directory_file_and_defaults_to_off():
    units = parse_units(
        {
            "units": [
                {"id": "du", "name": "Đảng ủy", "kind": "grassroots_committee",
                 "issue_needs_approval": True,
                 "children": [{"id": "cb", "name": "Chi bộ", "kind": "chi_bo"}]},
            ]
        }
    )  # fmt: skip
    directory = Directory(units)
    assert needs_approval("du", directory) is True
    assert needs_approval("cb", directory) is False
    assert needs_approval("not-a-unit", directory) is False
    assert Unit(id="x", name="X", kind="chi_bo").issue_needs_approval is False
    # the demo's issuer issues through the API (make demo) and the console tests: off
    assert needs_approval("du-so-noi-vu-hy", Directory(load_file(DEMO))) is False


def test_without_approval_a_van_thu_or_a_lanh_dao_issues_and_nobody_submits():
    for roles in (VAN_THU, LANH_DAO):
        assert issue_refusal(draft(), roles, approval=False) is None
        assert not may_submit(draft(), roles, approval=False)
    refused = issue_refusal(draft(), CHUYEN_VIEN, approval=False)
    assert refused is not None and refused.who
    assert not may_submit(draft(), CHUYEN_VIEN, approval=False)
    assert submit_refusal(draft(), VAN_THU, approval=False) is not None
    assert return_refusal(draft(DraftStatus.SUBMITTED), LANH_DAO, approval=False) is not None


@pytest.mark.parametrize("status", [DraftStatus.DRAFT, DraftStatus.SUBMITTED])
def test_with_approval_only_a_lanh_dao_issues(status):
    refused = issue_refusal(draft(status), VAN_THU, approval=True)
    assert refused is not None and refused.who and "lãnh đạo duyệt" in refused.words
    assert issue_refusal(draft(status), LANH_DAO, approval=True) is None
    assert issue_refusal(draft(status), VAN_THU | LANH_DAO, approval=True) is None


def test_an_issued_draft_is_never_refused_issuing_again():
    # issuing it again answers its directive and issues nothing: no refusal to say
    assert issue_refusal(draft(DraftStatus.ISSUED), VAN_THU, approval=True) is None


def test_with_approval_a_drafter_submits_a_draft_once():
    for roles in (VAN_THU, CHUYEN_VIEN):
        assert submit_refusal(draft(), roles, approval=True) is None
        assert may_submit(draft(), roles, approval=True)
        waiting = submit_refusal(draft(DraftStatus.SUBMITTED), roles, approval=True)
        assert waiting is not None and not waiting.who  # the state, not the person
        assert not may_submit(draft(DraftStatus.SUBMITTED), roles, approval=True)
        assert submit_refusal(draft(DraftStatus.ISSUED), roles, approval=True) is not None
    assert not may_submit(draft(), LANH_DAO, approval=True)  # the leader issues at once
    refused = submit_refusal(draft(), QUAN_TRI, approval=True)
    assert refused is not None and refused.who


def test_only_a_lanh_dao_returns_and_only_a_submitted_draft():
    assert return_refusal(draft(DraftStatus.SUBMITTED), LANH_DAO, approval=True) is None
    for roles in (VAN_THU, CHUYEN_VIEN, QUAN_TRI):
        refused = return_refusal(draft(DraftStatus.SUBMITTED), roles, approval=True)
        assert refused is not None and refused.who
    for status in (DraftStatus.DRAFT, DraftStatus.ISSUED):
        refused = return_refusal(draft(status), LANH_DAO, approval=True)
        assert refused is not None and not refused.who


def test_submitting_records_who_and_when_and_answers_a_former_return():
    back = returned(draft(DraftStatus.SUBMITTED), "Lãnh đạo A", "  Sửa hạn báo cáo. ", NOW)
    assert back.status is DraftStatus.DRAFT and back.submitted_by is None
    assert back.return_reason == "Sửa hạn báo cáo." and back.returned_by_name == "Lãnh đạo A"
    again = submitted(back, "vanthu", "Văn thư B", NOW)
    assert again.status is DraftStatus.SUBMITTED
    assert (again.submitted_by, again.submitted_by_name, again.submitted_at) == (
        "vanthu", "Văn thư B", NOW,
    )  # fmt: skip
    assert again.return_reason is None and again.returned_at is None


def test_editing_a_submitted_draft_takes_it_back_to_not_submitted():
    waiting = submitted(draft(), "vanthu", "Văn thư", NOW)
    same = edited(waiting, dict(waiting.directive), NOW)
    assert same.status is DraftStatus.SUBMITTED  # a search in the picker changes nothing
    changed = edited(waiting, {**waiting.directive, "title": "Kế hoạch đã sửa"}, NOW)
    assert changed.status is DraftStatus.DRAFT and changed.submitted_by is None
    assert changed.directive["title"] == "Kế hoạch đã sửa"
    plain = edited(draft(), {"ref": "2-KH/ĐU"}, NOW)
    assert plain.status is DraftStatus.DRAFT and plain.directive == {"ref": "2-KH/ĐU"}
