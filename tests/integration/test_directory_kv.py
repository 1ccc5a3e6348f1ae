"""The directory bucket, and the in-memory mirror every service keeps of it."""

from __future__ import annotations

from pathlib import Path

from shared import topology
from shared.contracts import Unit
from shared.directory import DirectoryMirror, load_file, store_units
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
