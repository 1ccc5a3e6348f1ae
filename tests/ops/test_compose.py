"""compose.yaml, the Dockerfile and the NATS configuration: valid for the tools that run
them, and every command, setting, file and user they name is real."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from chidao.cli import SERVICE_MODULES
from chidao.runtime.nats_server import nats_server_binary
from shared import production
from shared.settings import Settings, nats_options
from tests.ops.tls import make_ca

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "compose.yaml"
# The compose specification's JSON schema, as Debian's docker-compose package ships it
# (.ci/run installs the package; the test says so where it is absent).
COMPOSE_SCHEMA = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_follows_the_compose_specification(compose):
    if not COMPOSE_SCHEMA.exists():
        pytest.skip("Debian's docker-compose is not installed (apt-get install docker-compose)")
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)  # the draft the specification uses
    validator.validate(compose)
    broken = {**compose, "services": {**compose["services"], "x": {"imagee": "nats"}}}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


# What compose's services refuse to start without (shared/production.py): no defaults.
REQUIRED_SECRETS = ("CHIDAO_LINK_SECRETS", "CHIDAO_SESSION_SECRETS", "CHIDAO_OPERATOR_TOKEN")
# ... and what one service alone does (the issuer seals the originals of secret documents)
OWN_SECRETS = {"issuer": ("CHIDAO_ORIGINALS_SECRET",)}


def test_docker_compose_accepts_the_file_with_its_variables(tmp_path):
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIDAO_")}
    done = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, env=env
    )
    assert done.returncode != 0 and "CHIDAO_" in done.stderr, "the secrets must be required"
    every = [*REQUIRED_SECRETS, *(v for own in OWN_SECRETS.values() for v in own)]
    env.update({name: secrets.token_urlsafe(32) for name in every})
    done = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr


def test_the_services_run_in_production_with_their_secrets_required(compose):
    for name in SERVICE_MODULES:
        environment = compose["services"][name]["environment"]
        assert environment.get("CHIDAO_ENV") == "production", name
        assert environment.get("CHIDAO_COOKIE_SECURE") == "true", name
        for variable in (*REQUIRED_SECRETS, *OWN_SECRETS.get(name, ())):
            assert str(environment.get(variable, "")).startswith(f"${{{variable}:?"), (
                f"compose.yaml, {name}: {variable} must be required (${{{variable}:?...}}), "
                "never defaulted: production refuses the development values"
            )


def test_the_services_start_in_production_with_the_secrets_set(compose, monkeypatch):
    """What pydantic-settings and shared.production make of a service's environment, the
    required secrets given real values as an .env file would."""
    for name in SERVICE_MODULES:
        for variable in [v for v in os.environ if v.startswith("CHIDAO_")]:
            monkeypatch.delenv(variable)
        for variable, value in compose["services"][name]["environment"].items():
            if variable in (*REQUIRED_SECRETS, *OWN_SECRETS.get(name, ())):
                value = secrets.token_urlsafe(32)
            monkeypatch.setenv(variable, re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value)))
        settings = Settings()
        assert production.unsafe_settings(settings, name) == [], name
        assert settings.env == "production"


def test_every_chidao_container_runs_a_real_command_with_known_settings(compose):
    known = {f"CHIDAO_{name.upper()}" for name in Settings.model_fields}
    served: dict[str, int] = {}
    for name, service in compose["services"].items():
        if service.get("image", "").split(":")[0] != "chidao":
            continue
        for variable in service.get("environment", {}):
            assert variable in known or variable.startswith("OTEL_"), (
                f"compose.yaml, {name}: {variable} is neither a chidao setting nor an "
                "OpenTelemetry variable"
            )
        command = service["command"]
        if command[0] == "serve":
            assert command[1] in SERVICE_MODULES, f"{name}: no service '{command[1]}'"
            served[command[1]] = service.get("deploy", {}).get("replicas", 1)
        elif command[0] == "front":  # the staff console: one backend per service, by name
            backends = {c.split("=", 2)[1] for c in command if c.startswith("--backend=")}
            assert backends == set(SERVICE_MODULES), f"{name}: backends {backends}"
            assert set(service["depends_on"]) == set(SERVICE_MODULES), name
        else:
            assert command[:2] == ["directory", "load"], f"{name}: unexpected {command}"
            assert (ROOT / command[2]).exists(), f"{name}: {command[2]} does not exist"
    assert set(served) == set(SERVICE_MODULES)
    assert served["notifier"] == served["aggregator"] == 2, "replicas share the consumers"


def test_each_service_connects_to_the_three_nodes_as_its_own_user(compose):
    accounts = (ROOT / "deploy" / "nats" / "accounts.conf").read_text(encoding="utf-8")
    users = set(re.findall(r"user: (\w+)", accounts))
    for name in SERVICE_MODULES:
        url = compose["services"][name]["environment"]["CHIDAO_NATS_URL"]
        options = nats_options(url.replace("${", "").replace("}", ""))
        assert options["user"] == name and name in users, f"{name} connects as {options}"
        hosts = {server.split("//")[1] for server in options["servers"]}
        assert hosts == {"nats-1:4222", "nats-2:4222", "nats-3:4222"}, name


def test_every_file_compose_mounts_exists(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"compose.yaml, {name}: {source} is missing"


def test_the_nats_configuration_is_accepted_by_nats_server(compose, tmp_path):
    passwords = {
        key: value.split(":-")[1].rstrip("}") for key, value in compose["x-nats-passwords"].items()
    }
    env = {**passwords, "NATS_SERVER_NAME": "nats-1", "PATH": "/usr/bin:/bin"}
    text = (ROOT / "deploy" / "nats" / "nats.conf").read_text(encoding="utf-8")
    # nats-server -t reads the certificates: a CA of our own where the nodes mount theirs
    certs = make_ca(tmp_path / "tls", ("nats-1", "nats-2", "nats-3"))
    config = tmp_path / "nats.conf"
    config.write_text(text.replace("/etc/nats/tls/", f"{certs.ca.parent}/"), encoding="utf-8")
    shutil.copy(ROOT / "deploy" / "nats" / "accounts.conf", tmp_path / "accounts.conf")
    done = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(config)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"sync_interval:\s*always", text), "fsync before acknowledging"
    assert text.count("tls {") == 2 and "verify: true" in text, "TLS for clients and routes"


def test_the_image_is_multi_stage_slim_pinned_and_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, flags=re.M)
    assert len(bases) == 2, "a build stage and a run stage"
    for base in bases:
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), f"{base} is not pinned"
    assert re.search(r"^USER 10001$", dockerfile, flags=re.M)
    assert "HEALTHCHECK" in dockerfile and '"chidao"' in dockerfile
    for copied in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, flags=re.M):
        assert (ROOT / copied).exists(), f"Dockerfile copies {copied}, which does not exist"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "var", "tests"} <= set(ignored)
