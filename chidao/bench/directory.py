"""``chidao bench directory --units N``: loading a unit directory of N units.

Writes the synthetic tree (chidao/bench/tree.py: names, kinds, one e-mail address a
unit) as the YAML file an organisation would keep, then runs ``chidao directory load``
on it as the operator does, as its own process, twice on a fresh embedded server: the
first load (every unit written) and an unchanged reload (every unit compared, none
written). Each run's wall time and peak RSS (``os.wait4``: that process alone) go into
one JSON line, beside how long reading and validating the file takes in this process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from chidao.bench.tree import synthetic_tree
from chidao.runtime.nats_server import NatsServer
from shared.directory import load_file


def write_directory(path: Path, units: int) -> None:
    """The tree as a flat YAML list, each unit naming its parent."""
    rows = [u.model_dump(mode="json", exclude_defaults=True) for u in synthetic_tree(units)]
    with path.open("w", encoding="utf-8") as out:
        yaml.dump({"units": rows}, out, allow_unicode=True, sort_keys=False, Dumper=_dumper())


def _dumper() -> type[yaml.SafeDumper]:
    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _load(path: Path, url: str) -> dict[str, float]:
    """One ``chidao directory load`` process: its seconds and peak RSS in MB."""
    command = [sys.executable, "-m", "chidao", "directory", "load", str(path), "--nats-url", url]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"chidao directory load failed: {err or out}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def run(units: int, var: Path) -> dict:
    scratch = var / f"directory-{units}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    path = scratch / "units.yaml"
    write_directory(path, units)
    started = time.perf_counter()
    load_file(path)  # read and validated in this process: the file's part of a load
    parse_seconds = time.perf_counter() - started
    with NatsServer(scratch / "jetstream") as server:
        first = _load(path, server.url)
        again = _load(path, server.url)
    result = {
        "units": units,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "read_and_validate_seconds": round(parse_seconds, 2),
        "load_seconds": first["seconds"],
        "load_peak_rss_mb": first["peak_rss_mb"],
        "unchanged_reload_seconds": again["seconds"],
        "unchanged_reload_peak_rss_mb": again["peak_rss_mb"],
    }
    shutil.rmtree(scratch, ignore_errors=True)
    return result
