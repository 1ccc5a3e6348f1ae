"""The fan-out's fast path must publish exactly what the models would."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.issuer.domain import events as fanout
from services.issuer.domain.records import DirectiveRecord, FanOutStatus, fingerprint
from shared.contracts import AssignmentCreated, Directive, ReportingRequirement


def _record(title: str = "Triển khai đợt sinh hoạt chính trị") -> DirectiveRecord:
    directive = Directive(
        kind="KH",
        ref="101-KH/ĐU",
        issued_on="2024-06-19",
        issuer_unit="du-so-noi-vu-hy",
        issuer="Đảng ủy Sở Nội vụ",
        title=title,
        addressees=[{"under": "du-so-noi-vu-hy", "kinds": ["chi_bo"]}],
        requirements=[
            ReportingRequirement(
                id="r1", action="báo cáo kết quả", due_before="2024-12-10T00:00:00+07:00"
            ),
            ReportingRequirement(id="r2", action="ban hành kế hoạch", recurrence="yearly"),
        ],
    )
    return DirectiveRecord(
        directive=directive,
        fingerprint=fingerprint(directive),
        status=FanOutStatus.FANNING_OUT,
        issued_at=datetime(2024, 6, 20, 1, 0, tzinfo=UTC),
        assignment_count=5,
        notices=[],
        warnings=[],
    )


ASSIGNEES = {"r1": ["cb-a", "cb-b", "cb-c"], "r2": ["cb-a", "cb-b"]}


def _model_path(record: DirectiveRecord) -> list[tuple[str, bytes, str]]:
    return [
        (subject, event.model_dump_json().encode(), event.event_id)
        for subject, event in fanout.assignment_events(record, ASSIGNEES)
    ]


def test_fast_path_publishes_the_same_bytes_as_the_models():
    record = _record()
    assert list(fanout.assignment_payloads(record, ASSIGNEES)) == _model_path(record)


def test_each_payload_is_a_valid_event_for_its_own_unit():
    for subject, payload, msg_id in fanout.assignment_payloads(_record(), ASSIGNEES):
        event = AssignmentCreated.model_validate_json(payload)
        unit, requirement = event.assignment.unit_id, event.assignment.requirement.id
        assert (
            subject == f"chidao.assignment.created.101-kh-du--du-so-noi-vu-hy.{unit}.{requirement}"
        )
        assert msg_id == event.event_id == f"assignment-created.{event.assignment.id}"
        assert json.loads(payload)["schema"] == 1


def test_text_containing_the_placeholder_falls_back_to_the_models():
    record = _record(title=f"Văn bản nhắc tới {fanout._PLACEHOLDER} trong tiêu đề")
    payloads = list(fanout.assignment_payloads(record, ASSIGNEES))
    assert payloads == _model_path(record)
    titles = {
        AssignmentCreated.model_validate_json(p).assignment.directive_title for _, p, _ in payloads
    }
    assert titles == {record.directive.title}


def test_every_unit_and_requirement_gets_exactly_one_event():
    keys = [msg_id for _, _, msg_id in fanout.assignment_payloads(_record(), ASSIGNEES)]
    assert len(keys) == len(set(keys)) == 5
