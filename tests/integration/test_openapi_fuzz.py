"""No input makes a service answer 5xx: schemathesis (its command, every phase: the
schema's examples, boundary and negative values, random data, sequences of calls)
generates requests from each service's OpenAPI schema (path ids that are no ids,
over-long, with dots, wildcards, spaces and any Unicode; bodies of every shape the schema
allows and many it does not) and sends them to the four services running as processes,
with a directive, a report and a signed link in place. Half the time an id in a path,
query or body is a real one, so the fuzzed bodies also reach the code behind the ids.
Any 5xx fails the test, with schemathesis' report of the request (curl to reproduce)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chidao.runtime.stack import Stack
from shared.directory import load_file
from tests.factories import DEMO_DIRECTORY, directive_to_chi_bo
from tests.support import OPERATOR_TOKEN, as_operator, assignment_link, running, wait_for

pytestmark = pytest.mark.e2e

SERVICES = ("issuer", "notifier", "reporter", "aggregator")
# Examples per operation and phase: ~35 operations, the whole run well under 2 minutes
# on 2 cores.
MAX_EXAMPLES = 25
SCHEMATHESIS = Path(sys.executable).with_name("st")

PARENT = "du-so-khdt-hy"
UNIT = "cb-skhdt-van-phong"
DIRECTIVE_ID = "78-kh-du--du-so-khdt-hy"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Kế hoạch và Đầu tư", "78-KH/ĐU", "Thử mọi yêu cầu sai"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running(Stack(var_dir=tmp_path_factory.mktemp("fuzz")), load_file(DEMO_DIRECTORY)) as s:
        yield s


@pytest.fixture(scope="module")
def known(stack) -> dict[str, object]:
    """A directive, a unit's report on it with a file, and the unit's signed link: the
    real values of every id a path or a body may name."""
    issued = as_operator.post(f"{stack.url('issuer')}/api/directives", json=DIRECTIVE, timeout=30)
    assert issued.status_code == 201, issued.text
    report = {
        "directive_id": DIRECTIVE_ID,
        "unit_id": UNIT,
        "requirement_id": "r1",
        "values": {"sessions": "2", "report_file": {"filename": "a.pdf", "data": "JVBERg=="}},
    }

    def submitted():
        response = as_operator.post(
            f"{stack.url('reporter')}/api/submissions", json=report, timeout=30
        )
        return response if response.status_code == 201 else None

    wait_for(submitted, what="the report accepted")  # once the reporter knows the directive

    return {
        "directive": DIRECTIVE_ID,
        "unit": UNIT,
        "requirement": "r1",
        "field": "report_file",
        "version": 1,
        "token": assignment_link(stack.mail, DIRECTIVE_ID, UNIT).rsplit("/r/", 1)[1],
    }


# Which known value each parameter of the four schemas may take, where it may appear.
BINDINGS = {
    "directive": ["path.directive_id", "path.d", "path.key", "body.directive_id"],
    "unit": ["path.unit_id", "path.u", "query.unit", "body.unit_id"],
    "requirement": ["path.requirement_id", "path.r", "query.requirement", "body.requirement_id"],
    "field": ["path.field"],
    "version": ["path.version"],
    "token": ["path.token"],
}


def _config(known: dict[str, object]) -> str:
    """schemathesis.toml: each id is the real one half the time."""
    lines = []
    for name, value in known.items():
        lines += [f"[dictionaries.{name}]", f"values = [{json.dumps(value)}]", ""]
    lines.append("[parameters]")
    for name, keys in BINDINGS.items():
        for key in keys:
            lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}')
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_makes_a_service_answer_5xx(service, stack, known, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(known), encoding="utf-8")
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "--config-file", str(config), "--no-color",
            "run", f"{stack.url(service)}/openapi.json",
            "--checks", "not_a_server_error",
            # valid credentials, so that every route is reached past its guard
            "--header", f"Authorization: Bearer {OPERATOR_TOKEN}",
            "--max-examples", str(MAX_EXAMPLES),
            # one worker: hypothesis parses lambdas' source (ast.parse), which is not
            # thread-safe on CPython 3.11.7 ("AST constructor recursion depth mismatch")
            "--workers", "1",
            "--request-timeout", "30",
            "--generation-database", "none",
            "--suppress-health-check", "all",
            "--warnings", "off",
        ],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "Tested:" in run.stdout  # it did test the operations
