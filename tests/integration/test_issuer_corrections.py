"""Correcting (đính chính) and replacing (thay thế) a directive in the issuer, on the
test's nats-server: a correction publishes every assignment again under its number (the
last one on a subject is in force), with the new deadline and title, those of the units
taken off as cancelled and those added as new, then directive.corrected with what
changed, once; what cannot be corrected is refused in words; an interrupted correction
is finished at the next start; a replacement recalls the old directive naming the new."""

from __future__ import annotations

import pytest

from services.issuer.app import create_service
from services.issuer.handlers import corrections
from shared import subjects, topology
from shared.contracts import AssignmentCreated, DirectiveCorrected, DirectiveRecalled
from shared.settings import Settings
from shared.streams import last_event
from tests.inprocess import serving
from tests.integration.test_issuer_handlers import CHI_BO, ISSUER, directive
from tests.support import eventually, stream_count

pytestmark = pytest.mark.integration
NEW_DUE = "2099-12-20T00:00:00+07:00"


@pytest.fixture
def settings(nats_server) -> Settings:
    return Settings(nats_url=nats_server.url)


async def assignment(js, d: str, unit: str) -> AssignmentCreated:
    found = await last_event(
        js, topology.ASSIGNMENTS.name, subjects.assignment_created(d, unit, "r1"), AssignmentCreated
    )
    assert found is not None, unit
    return found[0]


def outsider(issuer) -> str:
    """A unit of the directory the directive does not reach."""
    directory = issuer.service.directory
    reached = {ISSUER, *directory.children(ISSUER)}
    return next(u for u in directory.children(directory.roots()[0]) if u not in reached)


async def test_a_correction_moves_the_deadline_adds_and_takes_off_units(settings, js):
    async with serving(create_service, settings) as issuer:
        issued = await issuer.http.post("/api/directives", json=directive())
        d = issued.json()["directive_id"]
        kept, taken_off, *_ = issuer.service.directory.children(ISSUER)
        added = outsider(issuer)
        body = {
            "reason": "Sửa hạn báo cáo và danh sách đơn vị <thực hiện>.",
            "title": "Triển khai học tập (đính chính)",
            "requirements": {"r1": {"due_before": NEW_DUE}},
            "add_units": [added],
            "remove_units": [taken_off],
        }
        path = f"/api/directives/{d}/correct"
        answer = await issuer.http.post(path, json=body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["number"] == 1
        labels = [c["label"] for c in answer.json()["changes"]]
        assert labels == [
            "Trích yếu",
            "Hạn báo cáo “báo cáo kết quả”",
            "Giao thêm cho đơn vị",
            "Không giao cho đơn vị nữa",
        ]

        now_kept = (await assignment(js, d, kept)).assignment
        assert (now_kept.correction, now_kept.added_in, now_kept.cancelled) == (1, 0, False)
        assert now_kept.requirement.due_before.isoformat() == NEW_DUE
        assert now_kept.directive_title == "Triển khai học tập (đính chính)"
        gone = (await assignment(js, d, taken_off)).assignment
        assert (gone.correction, gone.cancelled) == (1, True)
        new = (await assignment(js, d, added)).assignment
        assert (new.correction, new.added_in, new.cancelled) == (1, 1, False)

        corrected = await last_event(
            js, topology.DIRECTIVES.name, subjects.directive_corrected(d), DirectiveCorrected
        )
        assert corrected is not None
        event = corrected[0]
        assert (event.correction.added, event.correction.removed) == ([added], [taken_off])
        assert event.directive.excluded == [taken_off]
        # every unit once more: the chi bộ (one as cancelled) and the unit added
        assert await stream_count(js, topology.ASSIGNMENTS.name) == 2 * CHI_BO + 1

        again = await issuer.http.post(path, json=body)  # asked again: nothing new
        assert again.status_code == 200 and again.json()["created"] is False
        every = subjects.all_of(subjects.DIRECTIVE_CORRECTED)
        assert await stream_count(js, topology.DIRECTIVES.name, every) == 1
        assert await stream_count(js, topology.ASSIGNMENTS.name) == 2 * CHI_BO + 1
        record = (await issuer.http.get(f"/api/directives/{d}")).json()
        assert record["corrections"][0]["reason"] == body["reason"]
        assert record["directive"]["title"] == "Triển khai học tập (đính chính)"


async def test_what_cannot_be_corrected_is_refused_in_words(settings, js):
    async with serving(create_service, settings) as issuer:
        d = (await issuer.http.post("/api/directives", json=directive())).json()["directive_id"]
        path = f"/api/directives/{d}/correct"
        cases = [
            ({"reason": " ", "title": "Khác"}, "Ghi lý do đính chính"),
            ({"reason": "Sửa"}, "không thay đổi nội dung nào"),
            (
                {"reason": "Sửa", "requirements": {"r1": {"due_before": "2020-01-01T00:00:00Z"}}},
                "đã qua",
            ),
            ({"reason": "Sửa", "remove_units": [outsider(issuer)]}, "không được giao"),
            ({"reason": "Sửa", "add_units": ["khong-co-don-vi-nay"]}, "Không có đơn vị mã"),
        ]
        for body, words in cases:
            refused = await issuer.http.post(path, json=body)
            assert refused.status_code == 422 and words in refused.text, (body, refused.text)
        every = subjects.all_of(subjects.DIRECTIVE_CORRECTED)
        assert await stream_count(js, topology.DIRECTIVES.name, every) == 0

        await issuer.http.post(f"/api/directives/{d}/recall", json={"reason": "Nhầm"})
        late = await issuer.http.post(path, json={"reason": "Sửa", "title": "Khác"})
        assert late.status_code == 409 and "đã bị thu hồi" in late.text


async def test_an_interrupted_correction_is_finished_at_the_next_start(settings, js, monkeypatch):
    async with serving(create_service, settings) as issuer:
        d = (await issuer.http.post("/api/directives", json=directive())).json()["directive_id"]

        async def lost(*args, **kwargs):
            raise ConnectionError("the broker went away")

        with monkeypatch.context() as patched:
            patched.setattr(corrections, "publish_event", lost)
            with pytest.raises(ConnectionError):
                await issuer.http.post(
                    f"/api/directives/{d}/correct", json={"reason": "Sửa", "title": "Khác"}
                )
        record = (await issuer.http.get(f"/api/directives/{d}")).json()
        assert record["status"] == "correcting"

    async with serving(create_service, settings) as issuer:

        async def finished() -> bool:
            found = await last_event(
                js, topology.DIRECTIVES.name, subjects.directive_corrected(d), DirectiveCorrected
            )
            record = (await issuer.http.get(f"/api/directives/{d}")).json()
            return found is not None and record["status"] == "issued"

        await eventually(finished, 20, "the correction finished at start")


async def test_a_replacement_recalls_the_old_directive_naming_the_new(settings, js):
    async with serving(create_service, settings) as issuer:
        old = (await issuer.http.post("/api/directives", json=directive())).json()["directive_id"]
        replacing = directive(ref="9-KH/ĐU", title="Triển khai học tập (thay thế)")
        new = (await issuer.http.post("/api/directives", json=replacing)).json()["directive_id"]
        path = f"/api/directives/{old}/replace"
        itself = await issuer.http.post(path, json={"reason": "Thay", "by": old})
        assert itself.status_code == 422 and "chính nó" in itself.text
        unknown = await issuer.http.post(path, json={"reason": "Thay", "by": "khong-co"})
        assert unknown.status_code == 422 and "Chọn văn bản thay thế" in unknown.text

        done = await issuer.http.post(path, json={"reason": "Ban hành lại", "by": new})
        assert done.status_code == 201, done.text
        assert done.json()["not_reached"] == []  # the new one reaches the same chi bộ
        recalled = await last_event(
            js, topology.DIRECTIVES.name, subjects.directive_recalled(old), DirectiveRecalled
        )
        assert recalled is not None
        recall = recalled[0].recall
        assert (recall.replaced_by, recall.replaced_by_ref) == (new, "9-KH/ĐU")
        again = await issuer.http.post(path, json={"reason": "Ban hành lại", "by": new})
        assert again.status_code == 200
