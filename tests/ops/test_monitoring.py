"""The monitoring configuration (deploy/prometheus, deploy/grafana) against the real system:
the files are well formed, every metric they use is one the services export, and a real
Prometheus scrapes the four services and evaluates every alert rule without error."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import pytest
import yaml

from chidao.demo.script import CHI_BO_REPORTS
from chidao.runtime.ports import free_port
from chidao.runtime.processes import ChildProcess
from chidao.runtime.stack import SERVICES, Stack
from shared.directory import load_file
from tests.support import as_operator, running, wait_for

ROOT = Path(__file__).parents[2]
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "chidao.json"
PROVISIONING = GRAFANA / "provisioning"
DASHBOARDS_PATH = "/var/lib/grafana/dashboards"  # where compose mounts deploy/grafana/dashboards
DEMO_DIRECTORY = ROOT / "chidao" / "demo" / "directory.yaml"
SEED = ROOT / "chidao" / "demo" / "seeds" / "003_e88aeaad7985e01b.txt"
JOBS = {f"chidao-{name}": name for name in SERVICES}
REQUIRED_ALERTS = {
    "ChidaoConsumerLagGrowing", "ChidaoDeadLetters", "ChidaoSmtpFailing", "ChidaoServiceDown",
    "ChidaoRemindersNotFiring", "ChidaoRemindersLate", "ChidaoNatsReplicaLost",
    "ChidaoNatsDisconnected",
}  # fmt: skip
# Grafana's variables, replaced to check the dashboard's queries as PromQL.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$directive": ".*"}

# -- PromQL: which metrics an expression reads -----------------------------------------
KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "sum", "min", "max", "avg", "count", "group", "stddev",
    "stdvar", "topk", "bottomk", "quantile", "count_values", "up", "time",
}  # fmt: skip
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
# an identifier, not followed by "(" (a function or an aggregation)
IDENTIFIER = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    expr = STRINGS.sub('""', expr)
    expr = re.sub(r"\{[^}]*\}", "{}", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)  # ranges and subquery steps
    expr = GROUPING.sub(" ", expr)  # label names after by, without, on, ...
    names = {m for m in IDENTIFIER.findall(expr) if m.lower() not in KEYWORDS}
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in names}


def read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def panels(board: dict) -> list[dict]:
    found = []
    for panel in board["panels"]:
        found += [panel, *panel.get("panels", [])]  # collapsed rows hold their panels
    return found


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in panels(read(DASHBOARD)) for t in p.get("targets", [])]


def dashboard_queries() -> list[str]:
    """The dashboard's expressions as Prometheus gets them, Grafana's variables replaced."""
    queries = dashboard_exprs()
    for variable, value in GRAFANA_VARIABLES.items():
        queries = [query.replace(variable, value) for query in queries]
    return queries


def alert_rules() -> list[dict]:
    return [rule for group in read(ALERTS)["groups"] for rule in group["rules"]]


def referenced_metrics() -> dict[str, set[str]]:
    """Every metric the dashboard and the alerts read, with the files that read it."""
    uses: dict[str, set[str]] = {}
    sources = [(DASHBOARD, dashboard_exprs()), (ALERTS, [r["expr"] for r in alert_rules()])]
    for path, exprs in sources:
        for expr in exprs:
            for name in metric_names(expr):
                uses.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return uses


# -- static checks ---------------------------------------------------------------------
def test_the_metric_tokenizer_finds_metrics_and_nothing_else():
    expr = (
        'histogram_quantile(0.95, sum by (le, handler) (rate(x_seconds_bucket{a="b(c)"}[5m])))'
        " / on (job) group_left (instance) max without (pod) (y_total) and time() - z > 0"
        ' or absent(up{job="chidao-issuer"}) or vector(0)'
    )
    assert metric_names(expr) == {"x_seconds", "y_total", "z"}


def test_the_dashboard_is_well_formed_and_uses_provisioned_datasources():
    files = (PROVISIONING / "datasources").glob("*.yaml")
    uids = {source["uid"] for file in files for source in read(file)["datasources"]}
    board = read(DASHBOARD)
    assert (board["uid"], board["title"], board["refresh"]) == ("chidao-overview", "chidao", "30s")
    assert board["schemaVersion"] == 39
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {sorted(ids)}"
    (variable,) = board["templating"]["list"]
    assert variable["name"] == "directive" and variable["includeAll"]
    assert "label_values(chidao_assignments, directive)" in json.dumps(variable["query"])
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        where = f"panel {panel['id']} ({panel['title']})"
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, where
        assert "Bad" in panel.get("description", ""), f"{where} does not say what bad looks like"
        assert panel["targets"], f"{where} has no query"
        for target in panel["targets"]:
            assert target.get("expr", "").strip(), f"{where} has a target without expr"
            assert target["datasource"]["uid"] in uids, f"{where}: unknown datasource"
    assert DASHBOARD.read_text(encoding="utf-8").startswith('{\n  "'), "indent the JSON by 2"


def test_grafana_provisioning_points_at_prometheus_jaeger_and_the_dashboards_folder():
    (prometheus,) = read(PROVISIONING / "datasources/prometheus.yaml")["datasources"]
    assert (prometheus["uid"], prometheus["url"]) == ("prometheus", "http://prometheus:9090")
    (jaeger,) = read(PROVISIONING / "datasources/jaeger.yaml")["datasources"]
    assert (jaeger["uid"], jaeger["url"]) == ("jaeger", "http://jaeger:16686")
    (provider,) = read(PROVISIONING / "dashboards/chidao.yaml")["providers"]
    assert provider["type"] == "file" and provider["options"]["path"] == DASHBOARDS_PATH


def mounted_at(service: str, path: Path) -> str | None:
    """Where compose.yaml mounts ``path`` (a file or a folder above it) in ``service``."""
    compose = read(ROOT / "compose.yaml")
    for volume in compose["services"].get(service, {}).get("volumes", []):
        long = isinstance(volume, dict)
        source, target = (volume["source"], volume["target"]) if long else volume.split(":")[:2]
        source = (ROOT / source).resolve()
        if path == source or source in path.parents:
            return str(PurePosixPath(target) / path.relative_to(source))
    return None


def test_compose_mounts_the_dashboards_provisioning_and_rules_where_they_are_read():
    dashboard_at = mounted_at("grafana", DASHBOARD)
    assert dashboard_at == f"{DASHBOARDS_PATH}/chidao.json", (
        f"compose.yaml's grafana must mount deploy/grafana/dashboards at {DASHBOARDS_PATH}"
    )
    provider = PROVISIONING / "dashboards" / "chidao.yaml"
    assert mounted_at("grafana", provider) == "/etc/grafana/provisioning/dashboards/chidao.yaml"
    config_at, rules_at = (mounted_at("prometheus", p) for p in (PROMETHEUS_CONFIG, ALERTS))
    assert config_at and rules_at, "compose.yaml does not mount prometheus.yml and alerts.yml"
    assert PurePosixPath(config_at).parent == PurePosixPath(rules_at).parent  # rule_files: relative
    flags = read(ROOT / "compose.yaml")["services"]["prometheus"].get("command", [])
    given = [flag.split("=", 1)[1] for flag in flags if flag.startswith("--config.file=")]
    assert config_at == (given or ["/etc/prometheus/prometheus.yml"])[0], "--config.file"


def test_prometheus_scrapes_each_service_by_dns_and_the_nats_exporter():
    config = read(PROMETHEUS_CONFIG)
    assert config["global"]["scrape_interval"] == "15s" and config["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {*JOBS, "nats"}
    for name, service in JOBS.items():
        (sd,) = jobs[name]["dns_sd_configs"]
        assert (sd["names"], sd["type"], sd["port"]) == ([service], "A", 8080), name
    assert jobs["nats"]["static_configs"] == [{"targets": ["nats-exporter:7777"]}]


def test_every_alert_has_a_delay_a_severity_and_a_runbook():
    rules = alert_rules()
    assert not REQUIRED_ALERTS - {rule["alert"] for rule in rules}, "required alerts missing"
    for rule in rules:
        name = rule["alert"]
        assert rule.get("for") and rule["labels"]["severity"] in ("page", "ticket"), name
        notes = rule["annotations"]
        assert notes["summary"] and notes["description"], name
        assert notes["runbook"] == f"docs/operations.md#alert-{name.lower()}", name


def installed(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"prometheus is not installed (apt-get install prometheus); skipping {program}")
    return found


def promtool_check(*args: str) -> None:
    result = subprocess.run([installed("promtool"), "check", *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_config_the_rules_and_the_dashboard_queries(tmp_path):
    promtool_check("config", str(PROMETHEUS_CONFIG))  # checks alerts.yml beside it too
    promtool_check("rules", str(ALERTS))
    rules = []  # each dashboard query as a recording rule: promtool parses it
    for i, expr in enumerate(dashboard_queries()):
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    queries = tmp_path / "dashboard-queries.yml"
    queries.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    promtool_check("rules", str(queries))


# -- against the running system --------------------------------------------------------
def scrape(stack: Stack, service: str) -> str:
    response = httpx.get(f"{stack.url(service)}/metrics", timeout=10)
    response.raise_for_status()
    return response.text


def families(text: str) -> set[str]:
    """Metric families a service exports: a # TYPE line counts even without samples."""
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def total(text: str, name: str, *fragments: str) -> float:
    """The sum of a metric's samples whose line holds every fragment (a label, a value)."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if re.match(rf"{name}[{{ ]", line) and all(f in line for f in fragments)
    )


def run_campaign(stack: Stack) -> None:
    """Seed 003 issued and mailed; one report, returned while the mail server refuses the
    mail: sent and failed mails, a dead letter, a report and the roll-up all have samples."""
    assert stack.mail is not None
    issued = as_operator.post(
        f"{stack.url('issuer')}/api/directives/upload",
        files={"file": (SEED.name, SEED.read_bytes())},
        data={"allow_past": "true"},  # the seed's 2024 deadline, on the real clock
        timeout=60,
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    mails = body["assignments"] + body["notices"]
    wait_for(lambda: len(stack.mail.messages) >= mails, 60, f"the directive's {mails} mails")
    directive, (unit, _, values) = body["directive_id"], CHI_BO_REPORTS[0]
    reporter = stack.url("reporter")
    report = {"directive_id": directive, "unit_id": unit, "requirement_id": "r1"}
    submitted = as_operator.post(f"{reporter}/api/submissions", json={**report, "values": values})
    assert submitted.status_code == 201, submitted.text
    stack.mail.refuse(550, "5.1.1 Mailbox unavailable")
    try:
        returned = as_operator.post(
            f"{reporter}/api/submissions/{directive}/{unit}/r1/review",
            json={"decision": "return", "reason": "Đề nghị bổ sung số liệu."},
        )
        assert returned.status_code == 201, returned.text
        wait_for(
            lambda: total(scrape(stack, "notifier"), "chidao_mails_failed_total", "returned") > 0,
            60,
            "the refused mail to be counted",
        )
    finally:
        stack.mail.refuse(None)
    wait_for(
        lambda: total(scrape(stack, "aggregator"), "chidao_assignments", directive) > 0,
        60,
        "the aggregator to export chidao_assignments",
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("stack"),
        # the heartbeat every 2 s (not every minute), sampled often enough to see it
        extra_env={"CHIDAO_HEARTBEAT_SECONDS": "2", "CHIDAO_METRICS_INTERVAL": "0.5"},
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        try:
            run_campaign(stack)
        except AssertionError as exc:
            raise AssertionError(f"{exc} (service logs in {stack.var_dir / 'logs'})") from exc
        yield stack


@pytest.mark.e2e
def test_the_heartbeat_timer_fires_and_the_notifier_says_when(stack):
    """What ChidaoRemindersNotFiring watches: a scheduled message that really fires."""
    started = time.time()
    wait_for(
        lambda: (
            total(scrape(stack, "notifier"), "chidao_timer_heartbeat_timestamp_seconds") > started
        ),
        30,
        "a heartbeat received after the test started",
    )
    assert total(scrape(stack, "notifier"), "chidao_reminder_delay_seconds_count") > 0


@pytest.mark.e2e
def test_every_metric_the_dashboard_and_alerts_use_is_exported(stack):
    exported = set().union(*(families(scrape(stack, name)) for name in SERVICES))
    missing = {
        name: sorted(files) for name, files in referenced_metrics().items() if name not in exported
    }
    assert not missing, "metrics no service exports, with the files using them: " + "; ".join(
        f"{name} (used by {', '.join(files)})" for name, files in sorted(missing.items())
    )


@dataclass
class Prometheus(ChildProcess):
    url: str
    log: Path
    process: subprocess.Popen[bytes] | None

    def api(self, path: str, **params: str) -> Any:
        """The data of an API answer, or None while Prometheus is starting."""
        assert self.process and self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        except httpx.TransportError:
            return None
        if response.status_code == 503:
            return None
        assert response.status_code == 200, f"{path} {params}: {response.text}"
        return response.json()["data"]


@pytest.fixture(scope="module")
def prometheus(stack, tmp_path_factory):
    """A real Prometheus with the jobs and alerts.yml of deploy/prometheus, scraping the
    local services every second."""
    binary = installed("prometheus")
    work = tmp_path_factory.mktemp("prometheus")
    shutil.copy(ALERTS, work / "alerts.yml")
    config = read(PROMETHEUS_CONFIG)
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    # The nats job is left out: there is no prometheus-nats-exporter here.
    config["scrape_configs"] = [
        {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{stack.http_ports[svc]}"]}]}
        for job, svc in JOBS.items()
    ]
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port, log = free_port(), work / "prometheus.log"
    args = [f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, *args, f"--web.listen-address=127.0.0.1:{port}"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Prometheus(f"http://127.0.0.1:{port}", log, process)
    try:
        yield server
    finally:
        server.stop()


def targets_up(prometheus: Prometheus) -> bool:
    data = prometheus.api("targets")
    health = {t["labels"]["job"]: t["health"] for t in (data or {}).get("activeTargets", [])}
    return health == dict.fromkeys(JOBS, "up")


def evaluated_rules(prometheus: Prometheus) -> list[dict] | None:
    groups = (prometheus.api("rules") or {}).get("groups", [])
    rules = [rule for group in groups for rule in group["rules"]]
    broken = [f"{r['name']}: {r.get('lastError')}" for r in rules if r["health"] == "err"]
    assert not broken, f"rules failing to evaluate: {broken}"
    done = len(rules) == len(alert_rules()) and all(r["health"] == "ok" for r in rules)
    return rules if done else None


def missing_series(prometheus: Prometheus, names: set[str]) -> list[str]:
    def present(name: str) -> bool:
        query = f'count by (__name__) ({{__name__=~"{name}|{name}_bucket"}})'
        return bool((prometheus.api("query", query=query) or {}).get("result"))

    return sorted(name for name in names if not present(name))


@pytest.mark.e2e
def test_prometheus_scrapes_every_service_and_evaluates_every_rule(prometheus):
    wait_for(lambda: targets_up(prometheus), 60, "every chidao target to be up")
    rules = wait_for(lambda: evaluated_rules(prometheus), 60, "every alert rule to be evaluated")
    assert {rule["name"] for rule in rules} == {rule["alert"] for rule in alert_rules()}
    # every metric an alert reads has a series (up and absent() only need to evaluate)
    used = {name for rule in alert_rules() for name in metric_names(rule["expr"])}
    deadline = time.monotonic() + 30
    while (missing := missing_series(prometheus, used)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not missing, f"no series in Prometheus after 30s for {missing}"
    for query in dashboard_queries():  # evaluated without error (api() asserts a 200)
        assert prometheus.api("query", query=query) is not None, query
