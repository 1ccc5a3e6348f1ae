"""The issuer's handlers, in-process on the test's nats-server with their real adapters:
issuing a directive (JSON and uploaded document), resuming an interrupted fan-out, showing
a directive, and the cascade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chidao.runtime.admin import EVERYONE, declare_topology
from services.issuer.adapters.directives_bucket import RecordStore
from services.issuer.app import create_service
from services.issuer.domain.records import DirectiveRecord, FanOutStatus, fingerprint
from services.issuer.handlers import cascade, issuing
from shared import topology
from shared.contracts import Directive
from shared.errors import Conflict, NotFound
from tests.inprocess import serving
from tests.support import eventually, stream_count

SEEDS = Path(__file__).parents[2] / "chidao" / "demo" / "seeds"
ISSUER = "du-so-noi-vu-hy"  # Đảng ủy Sở Nội vụ, nine chi bộ under it in the demo directory
CHI_BO = 9


def directive(ref: str = "7-KH/ĐU", title: str = "Triển khai học tập", **more: Any) -> dict:
    return {
        "kind": "KH",
        "ref": ref,
        "issued_on": "2024-06-19",
        "place": "Hưng Yên",
        "issuer_unit": ISSUER,
        "issuer": "Đảng ủy Sở Nội vụ",
        "title": title,
        "addressees": [{"under": ISSUER, "kinds": ["chi_bo"]}],
        "requirements": [
            {
                "id": "r1",
                "action": "báo cáo kết quả",
                "due_before": "2099-12-10T00:00:00+07:00",
            }
        ],
        **more,
    }


async def assignments(js) -> int:
    return await stream_count(js, topology.ASSIGNMENTS.name)


async def test_a_directive_is_issued_once_and_fanned_out(settings, js):
    async with serving(create_service, settings) as issuer:
        first = await issuer.http.post("/api/directives", json=directive())
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["status"] == "issued"
        assert body["assignments"] == body["new_assignments"] == CHI_BO
        assert "fanout_seconds" in body
        assert await assignments(js) == CHI_BO
        assert await stream_count(js, topology.DIRECTIVES.name) == 1

        again = await issuer.http.post("/api/directives", json=directive())
        assert again.status_code == 200
        assert again.json()["status"] == "already_issued"
        assert again.json()["new_assignments"] == 0
        assert "fanout_seconds" not in again.json()
        assert await assignments(js) == CHI_BO


async def test_the_issue_handler_returns_what_it_did(settings, js):
    async with serving(create_service, settings) as issuer:
        deps = issuer.service.deps
        issued = await issuing.issue_directive(deps, Directive.model_validate(directive()))
        assert issued.created and issued.record.status is FanOutStatus.ISSUED
        assert issued.record.assignment_count == CHI_BO
        assert issued.record.directive.requirements[0].form is not None  # a form is named
        repeat = await issuing.issue_directive(deps, Directive.model_validate(directive()))
        assert not repeat.created and repeat.new_assignments == 0

        changed = Directive.model_validate(directive(title="Một nội dung khác"))
        with pytest.raises(Conflict) as refused:
            await issuing.issue_directive(deps, changed)
        assert refused.value.details == {"directive_id": issued.record.directive.id}


async def test_other_content_under_an_issued_number_is_a_conflict(settings, js):
    async with serving(create_service, settings) as issuer:
        assert (await issuer.http.post("/api/directives", json=directive())).status_code == 201
        other = await issuer.http.post("/api/directives", json=directive(title="Khác"))
        assert other.status_code == 409
        body = other.json()
        assert set(body) == {"error", "directive_id"}
        assert "already issued with different content" in body["error"]
        assert await assignments(js) == CHI_BO


async def test_a_directive_naming_unknown_units_is_refused_with_its_problems(settings, js):
    async with serving(create_service, settings) as issuer:
        answer = await issuer.http.post(
            "/api/directives", json=directive(issuer_unit="ghost-issuer")
        )
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == "the directive cannot be issued"
        assert any("'ghost-issuer'" in problem for problem in body["problems"])
        unknown_form = directive()
        unknown_form["requirements"][0]["form"] = "no-such-form"
        answer = await issuer.http.post("/api/directives", json=unknown_form)
        assert answer.status_code == 422
        assert answer.json()["error"] == "the directive cannot be issued"
        assert len(answer.json()["problems"]) == 1
        assert await assignments(js) == 0
        assert (await issuer.http.get("/api/cascade")).json() == {"trees": []}


async def test_an_uploaded_document_is_read_shown_and_issued(settings, js):
    seed = next(SEEDS.glob("003_*.txt"))  # 101-KH/ĐU of Đảng ủy Sở Nội vụ
    files = {"file": (seed.name, seed.read_bytes(), "text/plain")}
    async with serving(create_service, settings) as issuer:
        shown = await issuer.http.post(
            "/api/directives/upload", files=files, data={"preview": "true"}
        )
        assert shown.status_code == 200, shown.text
        assert set(shown.json()) == {"document", "issuer_unit", "mailed", "problems"}
        assert shown.json()["document"]["ref"] == "101-KH/ĐU"
        # whom issuing it would mail, as what: its nine chi bộ asked, three others told
        roles = [m["role"] for m in shown.json()["mailed"]]
        assert roles.count("assigned") == 9 and len(roles) == 12, roles
        assert shown.json()["issuer_unit"] == ISSUER
        assert await assignments(js) == 0

        past = await issuer.http.post("/api/directives/upload", files=files)
        assert past.status_code == 422, past.text  # its deadline, 10/12/2024, has passed
        assert (
            "đã qua" in past.json()["problems"][0] and "--allow-past" in past.json()["problems"][0]
        )
        assert await assignments(js) == 0
        # the operator's call: issued anyway, with no reminder and links that work
        allow = {"allow_past": "true"}
        issued = await issuer.http.post("/api/directives/upload", files=files, data=allow)
        assert issued.status_code == 201, issued.text
        body = issued.json()
        assert body["document"]["ref"] == "101-KH/ĐU" and body["status"] == "issued"
        assert body["assignments"] == CHI_BO and body["notices"] == 3
        assert await assignments(js) == CHI_BO
        record = (await issuer.http.get(f"/api/directives/{body['directive_id']}")).json()
        assert record["directive"]["document"]["filename"] == seed.name  # the original kept


async def test_an_upload_that_cannot_be_read_or_issued_is_refused(settings, js):
    async with serving(create_service, settings) as issuer:
        unreadable = await issuer.http.post(
            "/api/directives/upload", files={"file": ("plan.doc", b"\xd0\xcf\x11\xe0", "")}
        )
        assert unreadable.status_code == 422
        assert set(unreadable.json()) == {"error"}
        assert ".docx" in unreadable.json()["error"]

        # No number, no date: what was read is shown with why it cannot be issued.
        seed = next(SEEDS.glob("000_*.txt"))
        undated = await issuer.http.post(
            "/api/directives/upload", files={"file": (seed.name, seed.read_bytes(), "")}
        )
        assert undated.status_code == 422, undated.text
        body = undated.json()
        assert body["error"].startswith(f"{seed.name}: ")
        assert "document" in body and "issuer_unit" in body
        assert await assignments(js) == 0


def unfinished(ref: str) -> DirectiveRecord:
    """A record as a crash in the middle of its fan-out leaves it: stored, not issued."""
    stored = Directive.model_validate(directive(ref=ref))
    return DirectiveRecord(
        directive=stored,
        fingerprint=fingerprint(stored),
        status=FanOutStatus.FANNING_OUT,
        issued_at=datetime.now(UTC),
        assignment_count=CHI_BO,
        notices=[],
        warnings=[],
    )


async def test_an_interrupted_fan_out_is_resumed(settings, js):
    async with serving(create_service, settings) as issuer:
        deps = issuer.service.deps
        record = unfinished("8-KH/ĐU")
        assert await deps.records.create(record)
        await issuing.resume_unfinished(deps)
        done = await deps.records.get(record.directive.id)
        assert done is not None and done.status is FanOutStatus.ISSUED
        assert await assignments(js) == CHI_BO
        assert await deps.records.unfinished() == []


async def test_an_unfinished_record_is_resumed_when_the_service_starts(settings, js):
    await declare_topology(settings.nats_url, settings, EVERYONE)
    records = RecordStore(await js.key_value(topology.ISSUER_DIRECTIVES.name))
    record = unfinished("9-KH/ĐU")
    assert await records.create(record)  # before the service starts
    async with serving(create_service, settings):

        async def resumed() -> bool:
            done = await records.get(record.directive.id)
            return done is not None and done.status is FanOutStatus.ISSUED

        await eventually(resumed, what="the fan-out resumed at start-up")
        assert await assignments(js) == CHI_BO


async def test_a_directive_is_shown_by_its_id(settings, js):
    async with serving(create_service, settings) as issuer:
        directive_id = (await issuer.http.post("/api/directives", json=directive())).json()[
            "directive_id"
        ]
        shown = await issuer.http.get(f"/api/directives/{directive_id}")
        assert shown.status_code == 200
        assert shown.json()["status"] == "issued"
        assert shown.json()["directive"]["ref"] == "7-KH/ĐU"
        missing = await issuer.http.get("/api/directives/no-such-directive")
        assert missing.status_code == 404
        assert missing.json() == {"error": "Chưa có văn bản no-such-directive nào được ban hành."}


async def test_the_cascade_links_a_plan_to_the_directive_it_implements(settings, js):
    child = directive(
        ref="12-KH/ĐU",
        basis=[{"kind": "KH", "ref": "7-KH/ĐU", "issued_on": "2024-06-19"}],
    )
    implemented = directive(ref="5-KH/ĐU", basis=[{"kind": "KH", "ref": "153-KH/ĐUK"}])
    async with serving(create_service, settings) as issuer:
        parent = (await issuer.http.post("/api/directives", json=directive())).json()
        made = (await issuer.http.post("/api/directives", json=child)).json()
        await issuer.http.post("/api/directives", json=implemented)
        record = await cascade.show_directive(issuer.service.deps, made["directive_id"])
        assert record.parents == [parent["directive_id"]]

        trees = (await issuer.http.get("/api/cascade")).json()["trees"]
        roots = {tree["ref"]: tree for tree in trees}
        assert set(roots) == {"7-KH/ĐU", "153-KH/ĐUK"}
        assert roots["153-KH/ĐUK"]["placeholder"] is True  # named, never issued here
        assert [c["ref"] for c in roots["7-KH/ĐU"]["children"]] == ["12-KH/ĐU"]

        tree = await issuer.http.get("/api/cascade/12-KH/ĐU")
        assert tree.status_code == 200
        assert tree.json()["directive_id"] == parent["directive_id"]  # from its root
        for missing in ("99-KH/ĐU", "---"):
            answer = await issuer.http.get(f"/api/cascade/{missing}")
            assert answer.status_code == 404
            assert answer.json() == {"error": f"Chưa có văn bản “{missing}” nào được ban hành."}
        with pytest.raises(NotFound):
            cascade.tree_in(await issuer.service.deps.records.all(), "99-KH/ĐU")
