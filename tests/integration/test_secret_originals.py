"""A secret (Mật) directive's original in the issuer, on a real nats-server with its parse
workers: a document read as secret keeps its mark in the console's draft and is stored
sealed (its bytes nowhere in clear, not even its plain hash as a name); the staff of the
units it reached open it through the console, another branch's are refused, and every
reading is in the audit trail; a mark set by hand on a draft seals its original too, and
removes the copy in clear."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from services.issuer.adapters.originals import SEALED
from shared.auth.audit import read_entries
from shared.topology import DOCUMENTS
from tests.integration.test_console_issue import (
    UNIT,
    page,
    post,
    revision,
    seed_bytes,
    site,
    upload,
)

pytestmark = pytest.mark.integration
__all__ = ["site"]  # the module's fixture, shared

# seed 003 as a secret document: the mark above its number, another number
SECRET = "MẬT\n".encode() + seed_bytes().replace(b"101 -KH", b"103 -KH")


async def stored_names(js) -> set[str]:
    objects = await js.object_store(DOCUMENTS.name)
    return {info.name for info in await objects.list(ignore_deletes=True)}


async def issue(site, draft: str, **fields: str) -> str:
    html = (await page(site, "vanthu.snv", draft)).text
    issued = await post(
        site, "vanthu.snv", f"{draft}/issue", {"revision": revision(html), **fields}
    )
    assert issued.status_code == 303, issued.text
    return issued.headers["location"].rsplit("/", 1)[1]


async def test_a_secret_original_is_sealed_and_opened_by_its_units_only(site):
    client, tokens, js = site
    since = datetime.now().astimezone()
    draft = await upload(site, "vanthu.snv", SECRET, "KH 103 mat.txt")
    html = (await page(site, "vanthu.snv", draft)).text
    assert '<option value="mat" selected>' in html and "tệp gốc được lưu mã hóa" in html
    directive_id = await issue(site, draft, **{"requirement-0-due": "2099-12-10"})
    record = await client.get(f"/api/directives/{directive_id}", headers=tokens["vanthu.snv"])
    directive = record.json()["directive"]
    assert directive["secrecy"] == "mat"
    document = directive["document"]
    assert document["sealed"] is True and document["object_name"].endswith(SEALED)
    plain_name = hashlib.sha256(SECRET).hexdigest() + ".txt"
    names = await stored_names(js)
    assert document["object_name"] in names and plain_name not in names
    objects = await js.object_store(DOCUMENTS.name)
    kept = (await objects.get(document["object_name"])).data
    assert b"103 -KH" not in kept and "Sở Nội vụ".encode() not in kept

    path = f"/directives/{directive_id}/original"
    for who in ("vanthu.snv", "vanthu.cb"):  # the issuer's clerk, a chi bộ it reached
        opened = await client.get(path, headers=tokens[who])
        assert opened.status_code == 200 and opened.content == SECRET, who
        assert opened.headers["cache-control"] == "no-store"
    refused = await client.get(path, headers=tokens["vanthu.khdt"])  # a sibling branch
    assert refused.status_code == 403 and "văn bản mật" in refused.text
    readings = [
        (e.actor, e.outcome)
        async for e in read_entries(js, since)
        if e.action == "directive.original.secret"
    ]
    assert sorted(readings) == [
        ("vanthu.cb", "ok"), ("vanthu.khdt", "forbidden"), ("vanthu.snv", "ok")
    ]  # fmt: skip


async def test_a_secrecy_mark_set_on_the_draft_seals_its_original(site):
    client, tokens, js = site
    data = seed_bytes().replace(b"101 -KH", b"102 -KH")  # another document of the seed's kind
    draft = await upload(site, "vanthu.snv", data, "KH 102.txt")
    plain_name = hashlib.sha256(data).hexdigest() + ".txt"
    assert plain_name in await stored_names(js)  # read as ordinary: kept as it came
    html = (await page(site, "vanthu.snv", draft)).text
    assert '<option value="mat" selected>' not in html
    directive_id = await issue(site, draft, secrecy="mat", **{"requirement-0-due": "2099-12-10"})
    record = await client.get(f"/api/directives/{directive_id}", headers=tokens["vanthu.snv"])
    directive = record.json()["directive"]
    assert directive["secrecy"] == "mat" and directive["document"]["sealed"] is True
    names = await stored_names(js)
    assert plain_name not in names and directive["document"]["object_name"] in names
    opened = await client.get(f"/directives/{directive_id}/original", headers=tokens["vanthu.snv"])
    assert opened.status_code == 200 and opened.content == data
    assert directive["issuer_unit"] == UNIT
