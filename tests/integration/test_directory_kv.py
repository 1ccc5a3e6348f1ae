"""The directory bucket, and the in-memory mirror every service keeps of it."""

from __future__ import annotations

from pathlib import Path

from shared import topology
from shared.contracts import Unit
from shared.directory import DirectoryMirror, load_file, store_units
from shared.kv import current_keys
from tests.support import eventually

DEMO = Path(__file__).parents[2] / "chidao" / "demo" / "directory.yaml"


async def test_loading_twice_writes_only_what_changed(js, settings):
    await topology.ensure_buckets(js, settings, (topology.DIRECTORY,))
    units = load_file(DEMO)
    assert (await store_units(js, units))["added"] == len(units)
    renamed = units[1].model_copy(update={"name": "Ban Tuyên giáo Trung ương (đổi tên)"})
    counts = await store_units(js, [renamed, *units[2:]])
    assert counts == {"added": 0, "changed": 1, "unchanged": len(units) - 2}


async def test_the_mirror_loads_the_bucket_then_follows_changes(js, settings):
    await topology.ensure_buckets(js, settings, (topology.DIRECTORY,))
    units = load_file(DEMO)
    await store_units(js, units)
    mirror = DirectoryMirror()
    await mirror.start(js)
    try:
        await eventually(mirror.ready.is_set, what="the initial load")
        assert len(mirror.directory) == len(units)
        new_chi_bo = Unit(
            id="cb-snv-moi",
            name="Chi bộ mới thành lập",
            kind="chi_bo",
            parent="du-so-noi-vu-hy",
            emails=["moi@snv.example.org"],
        )
        await store_units(js, [new_chi_bo])
        await eventually(lambda: "cb-snv-moi" in mirror.directory, what="the new unit")
        assert "cb-snv-moi" in mirror.directory.children("du-so-noi-vu-hy")
        kv = await js.key_value(topology.DIRECTORY.name)
        await kv.delete("unit.cb-snv-moi")
        await eventually(lambda: "cb-snv-moi" not in mirror.directory, what="the removal")
    finally:
        await mirror.stop()


async def test_current_keys_reads_up_to_the_last_revision_deleted_keys_left_out(js):
    # What the issuer's records and the aggregator's directives are listed with, instead of
    # kv.keys(), whose early end marker made a busy client see a short list.
    kv = await js.create_key_value(bucket="test_current_keys", history=1)
    assert await current_keys(kv) == []
    for n in range(300):
        await kv.put(f"k{n}", b"v")
    await kv.delete("k7")
    keys = await current_keys(kv)
    assert len(keys) == 299 and "k7" not in keys and "k299" in keys
