"""A unit's "Lưu nháp" on its signed page, in the reporter on a real nats-server: what it
typed is kept unchecked (never a report), the page opened again is filled from it and
says when it was saved; the parent is told once that the unit is at work on it
(``contact.drafted``, "đang xử lý"); a draft too long is refused in words with what was
typed still in the form; sending the report removes the draft; a recalled directive's
link keeps nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.reporter.domain.drafts import MAX_DRAFT_BYTES, Draft
from services.reporter.handlers.reviews import review_report
from shared import subjects, topology
from shared.contracts import DirectiveRecalled, Recall, UnitContacted
from shared.publishing import publish_event
from shared.streams import last_event
from shared.vietnamese import format_instant
from tests.inprocess import Running
from tests.integration import test_reporter_handlers as handlers
from tests.integration.test_reporter_handlers import (
    CB1,
    DIRECTIVE,
    DUE,
    NOW,
    RESULTS,
    D,
    deps_of,
    latest,
)
from tests.support import stream_count

pytestmark = pytest.mark.integration
# the fixtures: the reporter with CB1 assigned on D, and its settings
reporter, reporter_settings = handlers.reporter, handlers.reporter_settings

IDS = (D, CB1, RESULTS)
# typed half-way: the required "Số buổi sinh hoạt" left empty, a number not yet a number
TYPED = {
    "participants": "khoảng 120",
    "forms": ["hoi-nghi", "truc-tuyen"],
    "difficulties": "Thiếu phòng họp; đang chờ số liệu của tổ 2.",
    "narrative": "Bản đang soạn, chưa đủ số liệu.",
}


def page_of(running: Running) -> str:
    token = deps_of(running).links.token(D, CB1, RESULTS, DUE, NOW)
    return f"/r/{token}"


async def save(running: Running, page: str, **typed: object):
    return await running.http.post(page, data={**typed, "action": "draft"})


def draft_contact_subject() -> str:
    return subjects.contact("drafted", *IDS)


async def test_a_draft_is_kept_unchecked_and_fills_the_page_opened_again(reporter):
    page = page_of(reporter)
    saved = await save(reporter, page, **TYPED)
    assert saved.status_code == 303, saved.text[-1500:]
    assert saved.headers["location"] == f"{page}?saved=draft"
    draft = await deps_of(reporter).drafts.find(*IDS)
    assert draft is not None and draft.values["participants"] == "khoảng 120"
    assert await latest(reporter, CB1, RESULTS) is None  # no report: nothing was sent
    at = format_instant(draft.saved_at)

    back = await reporter.http.get(saved.headers["location"])
    assert back.status_code == 200
    assert f'id="notice" role="status">Đã lưu nháp lúc {at}; báo cáo chưa được gửi.' in back.text
    assert "Tệp đính kèm không được lưu trong bản nháp" in back.text  # the form has a file

    again = await reporter.http.get(page)
    assert f'id="draft">Bản nháp lưu lúc {at}: nội dung dưới đây chưa được gửi.' in again.text
    assert 'id="participants" name="participants" value="khoảng 120"' in again.text
    assert 'value="hoi-nghi" checked' in again.text and 'value="truc-tuyen" checked' in again.text
    assert 'value="ban-tin" checked' not in again.text
    assert ">Thiếu phòng họp; đang chờ số liệu của tổ 2.</textarea>" in again.text
    assert ">Bản đang soạn, chưa đủ số liệu.</textarea>" in again.text
    assert 'id="problems"' not in again.text  # nothing was checked


async def test_the_parent_is_told_once_that_the_unit_drafted(reporter):
    page = page_of(reporter)
    js = reporter.service.js
    assert (await save(reporter, page, sessions="1")).status_code == 303
    found = await last_event(js, topology.CONTACTS.name, draft_contact_subject(), UnitContacted)
    assert found is not None
    contact, seq = found[0], found[1]
    assert (contact.how, contact.directive_id, contact.unit_id) == ("drafted", D, CB1)
    assert contact.event_id == subjects.contact_id("drafted", *IDS)

    # saved again, even by a process that has not told it yet: the same message id, dropped
    deps_of(reporter).announced.clear()
    before = (await js.stream_info(topology.CONTACTS.name)).state.last_seq
    assert (await save(reporter, page, sessions="2")).status_code == 303
    assert (await js.stream_info(topology.CONTACTS.name)).state.last_seq == before
    assert await stream_count(js, topology.CONTACTS.name, draft_contact_subject()) == 1
    again = await last_event(js, topology.CONTACTS.name, draft_contact_subject(), UnitContacted)
    assert again is not None and again[1] == seq
    assert (await deps_of(reporter).drafts.find(*IDS)).values == {"sessions": "2"}


async def test_a_draft_over_the_limit_is_refused_in_words_keeping_what_was_typed(reporter):
    page = page_of(reporter)
    long_note = "Ghi chép cuộc họp. " * (MAX_DRAFT_BYTES // 19 + 10)
    refused = await save(reporter, page, participants="120", narrative=long_note.strip())
    assert refused.status_code == 422, refused.text[-1500:]
    assert 'id="draft-refused" role="alert">Bản nháp chưa được lưu: nội dung đã nhập quá dài' in (
        refused.text
    )
    assert "tối đa 200 kB" in refused.text
    assert 'id="participants" name="participants" value="120"' in refused.text
    assert long_note.strip() + "</textarea>" in refused.text
    assert await deps_of(reporter).drafts.find(*IDS) is None
    js = reporter.service.js
    assert await stream_count(js, topology.CONTACTS.name, draft_contact_subject()) == 0


async def test_sending_the_report_removes_the_draft(reporter):
    page = page_of(reporter)
    assert (await save(reporter, page, sessions="1", narrative="nháp")).status_code == 303
    sent = await reporter.http.post(page, data={"sessions": "3"})
    assert sent.status_code == 201, sent.text[-1500:]
    assert await deps_of(reporter).drafts.find(*IDS) is None

    opened = await reporter.http.get(page)
    assert 'id="sessions" name="sessions" value="3"' in opened.text  # what was sent
    assert "Bản nháp lưu lúc" not in opened.text and ">nháp</textarea>" not in opened.text


async def test_a_draft_of_a_correction_shows_and_one_older_than_the_report_does_not(reporter):
    page = page_of(reporter)
    deps = deps_of(reporter)
    assert (await reporter.http.post(page, data={"sessions": "3"})).status_code == 201
    sent = (await latest(reporter, CB1, RESULTS)).submission
    # a draft left from before the report (its removal failed): the report shows
    stale = Draft(values={"sessions": "1"}, saved_at=sent.received_at - timedelta(minutes=5))
    await deps.drafts.save(*IDS, stale)
    opened = await reporter.http.get(page)
    assert 'name="sessions" value="3"' in opened.text and "Bản nháp" not in opened.text

    # the parent returns it; the unit prepares its correction and saves it
    await review_report(deps, D, CB1, RESULTS, "returned", "Thiếu số liệu")
    assert (await save(reporter, page, sessions="4")).status_code == 303
    back = await reporter.http.get(f"{page}?saved=draft")
    assert "nội dung sửa chưa được gửi: cấp trên vẫn thấy phiên bản 1." in back.text
    assert 'name="sessions" value="4"' in back.text
    assert (await latest(reporter, CB1, RESULTS)).submission.version == 1  # nothing sent

    # once the parent accepted the report there is nothing to prepare
    assert (await reporter.http.post(page, data={"sessions": "4"})).status_code == 201
    await review_report(deps, D, CB1, RESULTS, "accepted", "")
    locked = await save(reporter, page, sessions="5")
    assert locked.status_code == 409 and 'id="locked"' in locked.text
    assert await deps.drafts.find(*IDS) is None  # the send removed the last one


async def test_a_recalled_directive_s_link_keeps_no_draft(reporter):
    recall = Recall(reason="Ban hành nhầm.", recalled_at=NOW, recalled_by="Lãnh đạo (lanhdao)")
    recalled = DirectiveRecalled(
        event_id=subjects.directive_recalled_id(D),
        occurred_at=NOW,
        directive_id=D,
        directive=DIRECTIVE,
        recall=recall,
    )
    subject = subjects.directive_recalled(D)
    await publish_event(reporter.service.broker, subject, topology.DIRECTIVES.name, recalled)

    refused = await save(reporter, page_of(reporter), sessions="2")
    assert refused.status_code == 410 and "Văn bản đã bị thu hồi" in refused.text
    assert await deps_of(reporter).drafts.find(*IDS) is None
    js = reporter.service.js
    assert await stream_count(js, topology.CONTACTS.name, draft_contact_subject()) == 0
