"""docs/api/ holds each service's OpenAPI (HTTP) and AsyncAPI (events) document,
generated from the code by ``chidao api-docs``: these tests fail when a committed file is
stale, and check that each AsyncAPI document names what its service consumes (its durable
consumers in shared/topology.py) and publishes (chidao/nats_permissions.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chidao import apidocs
from chidao.cli import app
from chidao.nats_permissions import ACCESS

COMMITTED = Path(__file__).parents[2] / "docs" / "api"
REGENERATE = "run `.venv/bin/chidao api-docs` and commit docs/api/"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The documents as the code generates them now, written to a temporary directory."""
    files = apidocs.generate()
    where = tmp_path_factory.mktemp("api")
    apidocs.write(where, files)
    return where, files


def _asyncapi(files: dict[str, str], name: str) -> dict:
    return json.loads(files[f"{name}.asyncapi.json"])


def _operations(document: dict, action: str) -> set[str]:
    """The addresses of the channels the document's operations of ``action`` use."""
    channels = document["channels"]
    addresses = set()
    for operation in document["operations"].values():
        if operation["action"] == action:
            key = operation["channel"]["$ref"].removeprefix("#/channels/")
            addresses.add(channels[key.replace("%3E", ">")]["address"])
    return addresses


def test_the_committed_documents_are_the_ones_the_code_generates(generated):
    where, files = generated
    assert sorted(p.name for p in where.iterdir()) == sorted(files)
    committed = sorted(p.name for p in COMMITTED.glob("*.json"))
    assert committed == sorted(files), f"docs/api/ lacks or has extra documents; {REGENERATE}"
    stale = [
        name
        for name in sorted(files)
        if (COMMITTED / name).read_text(encoding="utf-8") != (where / name).read_text("utf-8")
    ]
    assert not stale, f"stale in docs/api/: {', '.join(stale)}; {REGENERATE}"
    assert apidocs.stale(COMMITTED, files) == []


def test_every_service_has_both_documents(generated):
    _, files = generated
    assert sorted(files) == sorted(
        f"{name}.{kind}.json" for name in apidocs.SERVICES for kind in ("openapi", "asyncapi")
    )
    for name in apidocs.SERVICES:
        openapi = json.loads(files[f"{name}.openapi.json"])
        assert openapi["openapi"].startswith("3.")
        assert {"/healthz", "/readyz", "/metrics"} <= set(openapi["paths"])
        asyncapi = _asyncapi(files, name)
        assert asyncapi["asyncapi"] == "3.0.0"
        assert asyncapi["info"]["title"] == openapi["info"]["title"] == f"chidao {name}"


@pytest.mark.parametrize("name", apidocs.SERVICES)
def test_each_asyncapi_document_names_the_subjects_its_service_consumes(generated, name):
    document = _asyncapi(generated[1], name)
    consumed = {spec.filter_subject for spec in apidocs.consumers_of(name)}
    assert _operations(document, "receive") == consumed
    descriptions = " ".join(c.get("description", "") for c in document["channels"].values())
    for spec in apidocs.consumers_of(name):
        assert spec.durable in descriptions  # which durable consumer reads the channel


@pytest.mark.parametrize("name", apidocs.SERVICES)
def test_each_asyncapi_document_names_what_its_service_publishes(generated, name):
    document = _asyncapi(generated[1], name)
    assert _operations(document, "send") == set(ACCESS[name].publishes)
    schemas = document["components"]["schemas"]
    for item in apidocs.published_by(name):
        if item.contract is not None:  # each event with its contract's schema
            assert item.contract.__name__ in schemas
    # no payload left undescribed (a timer's is the one received back when it fires)
    for message in document["components"]["messages"].values():
        ref = message["payload"]["$ref"].removeprefix("#/components/schemas/")
        schema = schemas[ref.replace("%3E", ">")]
        assert set(schema) - {"title"}, f"{message['title']} has no payload schema"


def test_the_documents_are_stable_ascii_json(generated, monkeypatch):
    _, files = generated
    for name, text in files.items():
        assert text.isascii(), name
        assert text.endswith("}\n") and not text.endswith("\n\n"), name
        assert text == apidocs.render(json.loads(text)), name  # sorted keys, indent 2
    # the same documents again, whatever the environment says
    monkeypatch.setenv("CHIDAO_NATS_URL", "nats://someone:secret@elsewhere:4333")
    monkeypatch.setenv("CHIDAO_HTTP_PORT", "9999")
    assert apidocs.generate() == files


def test_check_names_the_stale_file_and_fails(generated, tmp_path):
    _, files = generated
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    runner = CliRunner()
    fresh = runner.invoke(app, ["api-docs", "--check", "--dir", str(tmp_path)])
    assert fresh.exit_code == 0, fresh.output

    stale = tmp_path / "reporter.openapi.json"
    stale.write_text(files["reporter.openapi.json"].replace('"paths"', '"pathz"'), "utf-8")
    (tmp_path / "issuer.asyncapi.json").unlink()
    (tmp_path / "gone.asyncapi.json").write_text("{}\n", encoding="utf-8")
    result = runner.invoke(app, ["api-docs", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "reporter.openapi.json: stale" in result.output
    assert "issuer.asyncapi.json: missing" in result.output
    assert "gone.asyncapi.json: no service generates it any more" in result.output

    # writing brings the directory back to what the code generates
    written = runner.invoke(app, ["api-docs", "--dir", str(tmp_path)])
    assert written.exit_code == 0, written.output
    assert apidocs.stale(tmp_path, files) == []
