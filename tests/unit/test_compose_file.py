"""compose.yaml runs real chidao commands with settings that exist."""

from __future__ import annotations

from pathlib import Path

import yaml

from chidao.cli import SERVICE_MODULES
from shared.settings import Settings

ROOT = Path(__file__).parents[2]


def test_every_service_in_compose_runs_a_real_chidao_command_with_known_settings():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    known = {f"CHIDAO_{name.upper()}" for name in Settings.model_fields}
    served = set()
    for name, service in compose["services"].items():
        for variable in service.get("environment", {}):
            assert variable in known, f"{name}: {variable} is not a chidao setting"
        if service.get("build"):
            command = service["command"]
            assert command[0] in {"serve", "directory"}, name
            if command[0] == "serve":
                assert command[1] in SERVICE_MODULES
                served.add(command[1])
            else:
                assert (ROOT / command[2]).exists()
    assert served == set(SERVICE_MODULES)
