"""The unit directory: the organisation tree, kept in the ``chidao_directory`` KV bucket
(one key ``unit.<id>`` per unit) and mirrored in memory by every service that needs it.

The YAML file (``chidao directory load FILE``) lists units either nested under
``children`` or flat with ``parent``; both may be mixed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from pydantic import Field, ValidationError

from shared.contracts import Unit, UnitSelector
from shared.kv import caught_up, last_revision
from shared.publishing import Pipeline
from shared.topology import DIRECTORY

log = logging.getLogger(__name__)

KEY_PREFIX = "unit."


class StoredUnit(Unit):
    """A unit as read back from the bucket. It was validated when it was written (the
    file's load, ``parse_units``; the console's edits), so its addresses are not checked
    again at every read: the e-mail check was the costliest part of mirroring 300,000
    units, and every service mirrors them at each start."""

    emails: list[str] = Field(default_factory=list)

    def __eq__(self, other: object) -> bool:
        # the same unit as a validated one (``unit == stored`` comes here too: Python
        # tries a subclass's reflected comparison first)
        if isinstance(other, Unit):
            return self.model_dump() == other.model_dump()
        return NotImplemented


class DirectoryError(ValueError):
    """The directory file or a selector is wrong; the message says where and why."""


class Directory:
    """In-memory tree with the look-ups the services need."""

    def __init__(self, units: Iterable[Unit] = ()) -> None:
        self._units: dict[str, Unit] = {}
        self.version = 0  # grows with every change, so caches built from it know when to go
        # parent id (None for roots) -> ordered set of child ids
        self._children: dict[str | None, dict[str, None]] = {}
        for unit in units:
            self.upsert(unit)

    def __len__(self) -> int:
        return len(self._units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._units

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def get(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def require(self, unit_id: str) -> Unit:
        unit = self._units.get(unit_id)
        if unit is None:
            raise DirectoryError(f"unit '{unit_id}' is not in the directory")
        return unit

    def name(self, unit_id: str) -> str:
        unit = self._units.get(unit_id)
        return unit.name if unit else unit_id

    def upsert(self, unit: Unit) -> None:
        old = self._units.get(unit.id)
        if old is not None and old.parent != unit.parent:
            self._children.get(old.parent, {}).pop(unit.id, None)
        self._units[unit.id] = unit
        self._children.setdefault(unit.parent, {})[unit.id] = None
        self.version += 1

    def remove(self, unit_id: str) -> None:
        old = self._units.pop(unit_id, None)
        if old is not None:
            self._children.get(old.parent, {}).pop(unit_id, None)
            self.version += 1

    def children(self, unit_id: str | None) -> list[str]:
        return list(self._children.get(unit_id, ()))

    def roots(self) -> list[str]:
        return self.children(None)

    def ancestors(self, unit_id: str) -> list[str]:
        """Parent, grandparent, ... up to the root (nearest first). Stops on a cycle."""
        chain: list[str] = []
        seen = {unit_id}
        unit = self._units.get(unit_id)
        while unit is not None and unit.parent is not None and unit.parent not in seen:
            chain.append(unit.parent)
            seen.add(unit.parent)
            unit = self._units.get(unit.parent)
        return chain

    def depth(self, unit_id: str) -> int:
        return len(self.ancestors(unit_id))

    def descendants(self, unit_id: str) -> Iterator[str]:
        """Every unit below ``unit_id``, breadth first."""
        queue = deque(self._children.get(unit_id, ()))
        seen = set(queue)
        while queue:
            current = queue.popleft()
            yield current
            for child in self._children.get(current, ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)

    def resolve(self, selector: UnitSelector) -> list[str]:
        """The unit ids a selector names; raises DirectoryError when it names nothing known."""
        if selector.unit is not None:
            self.require(selector.unit)
            return [selector.unit]
        assert selector.under is not None
        self.require(selector.under)
        candidates: Iterable[str] = (
            self.children(selector.under)
            if selector.depth == "children"
            else self.descendants(selector.under)
        )
        kinds = set(selector.kinds)
        return [uid for uid in candidates if not kinds or self._units[uid].kind in kinds]

    def resolve_all(self, selectors: Iterable[UnitSelector]) -> list[str]:
        """Union of several selectors, first-seen order, each unit once."""
        seen: dict[str, None] = {}
        for selector in selectors:
            for uid in self.resolve(selector):
                seen.setdefault(uid, None)
        return list(seen)


# --- the YAML file ---------------------------------------------------------------------


def _flatten(entries: list[Any], parent: str | None, where: str) -> Iterator[dict[str, Any]]:
    if not isinstance(entries, list):
        raise DirectoryError(f"{where}: expected a list of units")
    for index, entry in enumerate(entries):
        here = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise DirectoryError(f"{here}: expected a mapping with id, name and kind")
        entry = dict(entry)
        children = entry.pop("children", None) or []
        if parent is not None:
            if entry.get("parent") not in (None, parent):
                raise DirectoryError(
                    f"{here} ({entry.get('id')}): nested under '{parent}' but says parent "
                    f"'{entry['parent']}'"
                )
            entry["parent"] = parent
        yield {**entry, "_where": here}
        if children:
            yield from _flatten(children, entry.get("id"), f"{here}.children")


def parse_units(data: Any, source: str = "directory") -> list[Unit]:
    """Validate a directory document: unique ids, known parents, no cycles."""
    if not isinstance(data, dict) or "units" not in data:
        raise DirectoryError(f"{source}: the file must have a top-level 'units' list")
    units: list[Unit] = []
    problems: list[str] = []
    try:
        flat = list(_flatten(data["units"], None, "units"))
    except DirectoryError as exc:
        raise DirectoryError(f"{source}: {exc}") from exc
    for raw in flat:
        where = raw.pop("_where")
        try:
            units.append(Unit.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                problems.append(f"{where} ({raw.get('id', '?')}) {field}: {err['msg']}")
    ids: dict[str, int] = {}
    for unit in units:
        ids[unit.id] = ids.get(unit.id, 0) + 1
    problems += [f"unit id '{uid}' appears {n} times" for uid, n in ids.items() if n > 1]
    problems += [
        f"unit '{u.id}' has parent '{u.parent}', which is not in the file"
        for u in units
        if u.parent is not None and u.parent not in ids
    ]
    if problems:
        raise DirectoryError(f"{source}: " + "; ".join(problems))
    directory = Directory(units)
    for unit in units:
        # Every parent exists, so a walk up that stops short of a root has met a cycle.
        chain = directory.ancestors(unit.id)
        top = directory.require(chain[-1] if chain else unit.id)
        if top.parent is not None:
            raise DirectoryError(f"{source}: unit '{unit.id}' is part of a parent cycle")
    return units


def load_file(path: Path) -> list[Unit]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DirectoryError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    try:
        # libyaml's loader when PyYAML has it (its wheels do): ten times the pure one
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"{path} is not valid YAML: {exc}") from exc
    return parse_units(data, str(path))


# --- the KV bucket ---------------------------------------------------------------------


def unit_key(unit_id: str) -> str:
    return f"{KEY_PREFIX}{unit_id}"


async def store_units(js: JetStreamContext, units: list[Unit]) -> dict[str, int]:
    """Upsert units into the bucket, pipelined; unchanged units are not rewritten."""
    kv = await js.key_value(DIRECTORY.name)
    # what is stored, as bytes: a unit is unchanged when it serialises to them, so a
    # reload neither parses nor validates what it leaves as it is
    current = await stored_values(kv)
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    pipeline = Pipeline(js, f"KV_{DIRECTORY.name}")
    for unit in units:
        payload = unit.model_dump_json().encode()
        old = current.get(unit.id)
        if old == payload:
            counts["unchanged"] += 1
            continue
        counts["added" if old is None else "changed"] += 1
        # The msg id covers the content, so a retried load never writes a unit twice.
        msg_id = f"unit.{unit.id}.{hashlib.sha256(payload).hexdigest()[:16]}"
        await pipeline.add(f"$KV.{DIRECTORY.name}.{unit_key(unit.id)}", payload, msg_id)
    await pipeline.flush()
    return counts


def _apply(directory: Directory, entry: KeyValue.Entry) -> None:
    unit_id = entry.key[len(KEY_PREFIX) :]
    if entry.operation in ("DEL", "PURGE") or not entry.value:
        directory.remove(unit_id)
    else:
        directory.upsert(StoredUnit.model_validate_json(entry.value))


async def _snapshot(kv: KeyValue) -> AsyncIterator[KeyValue.Entry]:
    """Every unit's latest entry in the bucket, as it is now."""
    last = await last_revision(kv)
    if last == 0:
        return
    watcher = await kv.watch(f"{KEY_PREFIX}>")
    try:
        async for entry in watcher:
            if entry is not None:
                yield entry
            if caught_up(entry, last):
                break
    finally:
        await watcher.stop()


async def read_directory(kv: KeyValue) -> Directory:
    """One snapshot of the bucket."""
    directory = Directory()
    async for entry in _snapshot(kv):
        _apply(directory, entry)
    return directory


async def stored_values(kv: KeyValue) -> dict[str, bytes]:
    """Each stored unit's JSON as the bucket holds it, by unit id."""
    values: dict[str, bytes] = {}
    async for entry in _snapshot(kv):
        unit_id = entry.key[len(KEY_PREFIX) :]
        if entry.operation in ("DEL", "PURGE") or not entry.value:
            values.pop(unit_id, None)
        else:
            values[unit_id] = entry.value
    return values


class DirectoryMirror:
    """Keeps an in-memory Directory in step with the bucket; ``ready`` once loaded."""

    def __init__(self) -> None:
        self.directory = Directory()
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, js: JetStreamContext) -> None:
        kv = await js.key_value(DIRECTORY.name)
        last = await last_revision(kv)
        watcher = await kv.watch(f"{KEY_PREFIX}>")
        if last == 0:
            self._loaded()
        self._task = asyncio.create_task(self._follow(watcher, last), name="directory-mirror")

    def _loaded(self) -> None:
        self.ready.set()
        log.info("directory loaded", extra={"units": len(self.directory)})

    async def _follow(self, watcher: KeyValue.KeyWatcher, last: int) -> None:
        try:
            async for entry in watcher:
                if entry is None:  # nats-py's end marker: see shared.kv.caught_up
                    continue
                _apply(self.directory, entry)
                if not self.ready.is_set() and caught_up(entry, last):
                    self._loaded()
        finally:
            await watcher.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
