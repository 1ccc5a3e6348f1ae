"""Contracts as the tests need them, with everything but what a test cares about filled in."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.contracts import Assignment, ReportingRequirement, Submission, Unit

DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")


def assignment(unit: str, directive_id: str = "d1", due: datetime | None = DUE) -> Assignment:
    return Assignment(
        directive_id=directive_id,
        directive_kind="KH",
        directive_ref="1-KH/TU",
        directive_title="Kế hoạch",
        directive_issued_on="2024-06-19",
        issuer_unit="root",
        issuer="Tỉnh ủy",
        unit_id=unit,
        requirement=ReportingRequirement(id="r1", action="báo cáo", due_before=due),
        assigned_at="2024-06-19T08:00:00+07:00",
    )


def submission(
    unit: str,
    version: int,
    late: bool,
    sessions: int,
    directive_id: str = "d1",
    **values,
) -> Submission:
    """Version ``version`` of a report first sent a month early or two days late, with
    ``sessions`` and any other values of the default form."""
    first = DUE + timedelta(days=2) if late else DUE - timedelta(days=30)
    return Submission(
        directive_id=directive_id,
        unit_id=unit,
        requirement_id="r1",
        values={"sessions": sessions, **values},
        version=version,
        received_at=first + timedelta(days=version - 1),
        first_received_at=first,
        due_before=DUE,
        on_time=not late,
    )


def committee_with_chi_bo(parent: str, count: int, domain: str = "test.example.org") -> list[Unit]:
    """A grassroots committee and ``count`` chi bộ under it, each with a mailbox."""
    units = [
        Unit(
            id=parent,
            name=f"Đảng ủy {parent}",
            kind="grassroots_committee",
            emails=[f"{parent}@{domain}"],
        )
    ]
    for i in range(1, count + 1):
        units.append(
            Unit(
                id=f"{parent}-cb{i}",
                name=f"Chi bộ số {i} ({parent})",
                kind="chi_bo",
                parent=parent,
                emails=[f"{parent}-cb{i}@{domain}"],
            )
        )
    return units


def plan_for_chi_bo(committee: str, number: int) -> dict:
    """A directive (JSON, as POST /api/directives takes it) from ``committee`` to every chi
    bộ under it, asking for a results report by 2099; its id is ``<number>-kh-du--<committee>``."""
    return {
        "kind": "KH",
        "ref": f"{number}-KH/ĐU",
        "issued_on": "2024-05-20",
        "place": "Hưng Yên",
        "issuer_unit": committee,
        "issuer": f"Đảng ủy {committee}",
        "title": "Triển khai đợt sinh hoạt chính trị",
        "addressees": [{"under": committee, "kinds": ["chi_bo"]}],
        "requirements": [
            {
                "id": "report",
                "action": "báo cáo kết quả thực hiện",
                "due_before": "2099-06-01T00:00:00+07:00",
            }
        ],
    }
