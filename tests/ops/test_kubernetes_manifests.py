"""The Kubernetes deployment in deploy/kubernetes/: the kustomize base, the production overlay,
the Secret template and the values for the NATS Helm chart.

No cluster, no kustomize binary, no network. A small loader below builds each kustomization
the way `kustomize build` does for the features these kustomizations use (and refuses any
other feature, saying so), so that the objects an operator would apply, patches merged, are
checked against the Kubernetes OpenAPI schema in strict mode (kubernetes-validate: an unknown
or misspelt field fails) and against what the services need: probes, settings, secrets,
selectors, replica counts.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from chidao.apidocs import build_service
from chidao.cli import SERVICE_MODULES
from chidao.runtime import front
from chidao.runtime.nats_server import nats_server_binary
from shared import production
from shared.settings import Settings
from tests.ops.kustomize import (
    KustomizeError,
    Resource,
    build,
    json6902,
    load_documents,
    matching,
    referenced_files,
    rel,
    split_image,
    strategic_merge,
)

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"
SECRET_TEMPLATE = BASE / "secret.template.yaml"
NATS_VALUES = KUBERNETES / "nats" / "values.yaml"
NATS_ACCOUNTS = ROOT / "deploy" / "nats" / "accounts.conf"

# The oldest Kubernetes the manifests promise to work on, and a recent one.
KUBERNETES_VERSIONS = ("1.30", "1.34")

SERVICES = tuple(SERVICE_MODULES)
DEPLOYMENTS = {f"chidao-{service}": service for service in SERVICES}
PRODUCTION_REPLICAS = {"issuer": 2, "notifier": 3, "reporter": 3, "aggregator": 3}
PRODUCTION_IMAGE = "registry.example.org/chidao:0.1.0"
SETTINGS_ENV = {f"CHIDAO_{name.upper()}" for name in Settings.model_fields}
NATS_PASSWORD_VARIABLES = {f"NATS_{user.upper()}_PASSWORD" for user in (*SERVICES, "admin", "sys")}


# --------------------------------------------------------------------------------------------
# What the tests look at


def built(directory: Path) -> tuple[Resource, ...]:
    try:
        return build(directory)
    except KustomizeError as exc:
        pytest.fail(f"cannot build {rel(directory)}: {exc}")


def secret_template() -> list[Resource]:
    return [Resource(doc, rel(SECRET_TEMPLATE)) for doc in load_documents(SECRET_TEMPLATE)]


LAYERS = {"base": BASE, "production": PRODUCTION}


def of_kind(resources: tuple[Resource, ...] | list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r.kind == kind]


def by_name(resources: tuple[Resource, ...] | list[Resource], kind: str) -> dict[str, Resource]:
    return {r.name: r for r in of_kind(resources, kind)}


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether a LabelSelector (matchLabels, matchExpressions) selects these labels."""
    if selector is None:
        return False
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and labels.get(key) in values)
            or (operator == "Exists" and key not in labels)
            or (operator == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def selector_of(resource: Resource) -> dict[str, Any] | None:
    """The LabelSelector of a Service (a plain map; none selects nothing), PDB or policy."""
    spec = resource.obj["spec"]
    if resource.kind == "Service":
        return {"matchLabels": spec["selector"]} if spec.get("selector") else None
    return spec.get("podSelector") if resource.kind == "NetworkPolicy" else spec.get("selector")


def pod_labels(deployment: Resource) -> dict[str, str]:
    return deployment.obj["spec"]["template"]["metadata"].get("labels", {})


def pod_spec(deployment: Resource) -> dict[str, Any]:
    return deployment.obj["spec"]["template"]["spec"]


def main_container(deployment: Resource) -> dict[str, Any]:
    containers = pod_spec(deployment)["containers"]
    assert len(containers) == 1, f"{deployment}: expected one container, found {len(containers)}"
    return containers[0]


UNITS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: Any) -> float:
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m|k|M|G|Ki|Mi|Gi)?", str(value))
    assert match, f"{value!r} is not a Kubernetes quantity this test understands"
    return float(match[1]) * UNITS[match[2] or ""]


def schema_errors(resources: list[Resource] | tuple[Resource, ...]) -> list[str]:
    errors = []
    for resource in resources:
        if resource.kind == "ServiceMonitor":
            continue  # a CRD, not in the schema: test_service_monitor_scrapes_every_service
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(resource.obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(p) for p in exc.path) or "(top level)"
                errors.append(f"{resource}: at {path}: {exc.message} (Kubernetes {version})")
            except kubernetes_validate.SchemaNotFoundError as exc:
                errors.append(f"{resource}: {exc.message}")
    return errors


# --------------------------------------------------------------------------------------------
# The kustomizations


@pytest.mark.parametrize("layer", LAYERS)
def test_kustomization_names_only_existing_files(layer):
    missing = [
        f"{rel(LAYERS[layer] / 'kustomization.yaml')}: {key} names {rel(path)}, which is missing"
        for key, path in referenced_files(LAYERS[layer])
        if not path.exists()
    ]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("layer", LAYERS)
def test_kustomization_builds(layer):
    """Every patch targets (kind and name) an object its bases define; no object twice."""
    assert built(LAYERS[layer]), f"{rel(LAYERS[layer])} builds no object at all"


def test_secret_template_is_not_applied_by_the_base():
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert SECRET_TEMPLATE.name not in (kustomization.get("resources") or []), (
        f"{rel(BASE / 'kustomization.yaml')} lists {SECRET_TEMPLATE.name} as a resource: "
        "it holds placeholder secrets and must only be a template"
    )


@pytest.mark.parametrize("layer", [*LAYERS, "secret template"])
def test_objects_are_valid_kubernetes_objects(layer):
    resources = secret_template() if layer == "secret template" else built(LAYERS[layer])
    errors = schema_errors(resources)
    assert not errors, "not valid against the Kubernetes schema (strict):\n" + "\n".join(errors)


def test_the_loader_applies_patches_like_kustomize():
    """The loader itself: strategic merge by name, JSON 6902, and an unknown target."""
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "env": []}]}}},
    }
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "y"}]}}}}
    merged = strategic_merge(deployment, patch, "test")
    assert merged["spec"]["template"]["spec"]["containers"] == [
        {"name": "a", "image": "y", "env": []}
    ]
    patched = json6902(
        {"spec": {"minReplicas": 2}},
        [{"op": "replace", "path": "/spec/minReplicas", "value": 3}],
        "t",
    )
    assert patched == {"spec": {"minReplicas": 3}}
    with pytest.raises(KustomizeError, match="does not exist"):
        json6902({"spec": {}}, [{"op": "replace", "path": "/spec/minReplicas", "value": 3}], "t")
    with pytest.raises(KustomizeError, match="none of the resources"):
        matching(BASE / "kustomization.yaml", "p", {"kind": "Deployment", "name": "nope"}, [])


# --------------------------------------------------------------------------------------------
# The Deployments


@pytest.mark.parametrize("layer", LAYERS)
def test_one_deployment_per_service_running_serve(layer):
    resources = built(LAYERS[layer])
    deployments = by_name(resources, "Deployment")
    assert set(deployments) == set(DEPLOYMENTS), (
        f"{rel(LAYERS[layer])}: Deployments {sorted(deployments)}, expected one per service of "
        f"chidao.cli.SERVICE_MODULES: {sorted(DEPLOYMENTS)}"
    )
    for name, service in DEPLOYMENTS.items():
        deployment = deployments[name]
        container = main_container(deployment)
        assert "command" not in container, (
            f"{deployment}: sets command, which replaces the image's ENTRYPOINT `chidao`"
        )
        assert container.get("args") == ["serve", service], (
            f"{deployment}: args {container.get('args')}, expected ['serve', '{service}']"
        )
        env = {e["name"]: e for e in container.get("env", [])}
        assert env.get("OTEL_SERVICE_NAME", {}).get("value") == name, (
            f"{deployment}: OTEL_SERVICE_NAME must be {name}"
        )


@pytest.mark.parametrize("layer", LAYERS)
def test_probes_check_health_and_readiness_on_the_http_port(layer):
    for deployment in of_kind(built(LAYERS[layer]), "Deployment"):
        container = main_container(deployment)
        ports = {p.get("name"): p for p in container.get("ports", [])}
        assert ports.get("http", {}).get("containerPort") == 8080, (
            f"{deployment}: needs a containerPort 8080 named http (CHIDAO_HTTP_PORT)"
        )
        for probe, path in (
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
            ("startupProbe", "/healthz"),
        ):
            http_get = (container.get(probe) or {}).get("httpGet") or {}
            assert http_get.get("path") == path and http_get.get("port") == "http", (
                f"{deployment}: {probe} must GET {path} on port http, "
                f"has {http_get or 'no httpGet'}"
            )
        assert pod_spec(deployment).get("terminationGracePeriodSeconds", 30) >= 15, (
            f"{deployment}: terminationGracePeriodSeconds leaves uvicorn no time to drain"
        )


@pytest.mark.parametrize("layer", LAYERS)
def test_pods_run_locked_down(layer):
    for deployment in of_kind(built(LAYERS[layer]), "Deployment"):
        spec = pod_spec(deployment)
        pod = spec.get("securityContext", {})
        container = main_container(deployment)
        own = container.get("securityContext", {})

        def setting(key, pod=pod, own=own):
            return own.get(key, pod.get(key))

        assert setting("runAsNonRoot") is True, f"{deployment}: runAsNonRoot is not true"
        assert setting("runAsUser") == 10001, (
            f"{deployment}: runAsUser must be 10001, the image's chidao user"
        )
        assert own.get("readOnlyRootFilesystem") is True, (
            f"{deployment}: the container's root filesystem must be read-only"
        )
        assert own.get("allowPrivilegeEscalation") is False, (
            f"{deployment}: allowPrivilegeEscalation must be false"
        )
        assert own.get("capabilities", {}).get("drop") == ["ALL"], (
            f"{deployment}: the container must drop ALL capabilities"
        )
        assert (setting("seccompProfile") or {}).get("type") == "RuntimeDefault", (
            f"{deployment}: needs seccompProfile RuntimeDefault"
        )
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        writable = [
            m["mountPath"]
            for m in container.get("volumeMounts", [])
            if "emptyDir" in volumes.get(m["name"], {}) and not m.get("readOnly")
        ]
        assert "/tmp" in writable, f"{deployment}: needs an emptyDir mounted at /tmp"
        var_dir = environment(deployment, built(LAYERS[layer])).get("CHIDAO_VAR_DIR", "var")
        assert any(posixpath.commonpath([var_dir, w]) == w for w in writable), (
            f"{deployment}: CHIDAO_VAR_DIR={var_dir} is not on a writable volume"
        )
        assert spec.get("enableServiceLinks") is False, (
            f"{deployment}: enableServiceLinks must be false, or Services named chidao-* "
            "inject CHIDAO_*_PORT variables next to the settings"
        )
        assert spec.get("automountServiceAccountToken") is False, (
            f"{deployment}: the services never call the Kubernetes API: do not mount a token"
        )


@pytest.mark.parametrize("layer", LAYERS)
def test_containers_have_requests_and_limits(layer):
    for deployment in of_kind(built(LAYERS[layer]), "Deployment"):
        resources = main_container(deployment).get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            assert request is not None and limit is not None, (
                f"{deployment}: needs a {resource} request and limit"
            )
            assert quantity(request) <= quantity(limit), (
                f"{deployment}: {resource} request {request} is above its limit {limit}"
            )


# --------------------------------------------------------------------------------------------
# Settings, ConfigMaps and Secrets


def environment(deployment: Resource, resources: tuple[Resource, ...]) -> dict[str, str]:
    """The variables the container gets: envFrom ConfigMaps/Secrets, then env (values and
    references resolved against the layer's ConfigMaps and the Secret template)."""
    config_maps = by_name(resources, "ConfigMap")
    secrets = by_name(secret_template(), "Secret")
    container = main_container(deployment)
    values: dict[str, str] = {}

    def data(kind: str, name: str, objects: dict[str, Resource]) -> dict[str, str]:
        where = rel(SECRET_TEMPLATE) if kind == "Secret" else "its kustomization"
        assert name in objects, f"{deployment}: refers to {kind} {name}, not defined in {where}"
        obj = objects[name].obj
        return {**obj.get("data", {}), **obj.get("stringData", {})}

    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            values.update(data("ConfigMap", source["configMapRef"]["name"], config_maps))
        else:
            values.update(data("Secret", source["secretRef"]["name"], secrets))
    for variable in container.get("env", []):
        name = variable["name"]
        if "value" in variable:
            values[name] = variable["value"]
            continue
        reference = variable["valueFrom"]
        kind, ref = (
            ("Secret", reference["secretKeyRef"])
            if "secretKeyRef" in reference
            else ("ConfigMap", reference["configMapKeyRef"])
        )
        found = data(kind, ref["name"], secrets if kind == "Secret" else config_maps)
        assert ref["key"] in found, (
            f"{deployment}: {name} reads key {ref['key']!r} of {kind} {ref['name']}, "
            f"which has only {sorted(found)}"
        )
        values[name] = found[ref["key"]]
    return values


@pytest.mark.parametrize("layer", LAYERS)
def test_every_chidao_variable_is_a_setting(layer):
    resources = built(LAYERS[layer])
    for config_map in of_kind(resources, "ConfigMap"):
        unknown = sorted(k for k in config_map.obj.get("data", {}) if k.startswith("CHIDAO_"))
        unknown = [k for k in unknown if k not in SETTINGS_ENV]
        assert not unknown, (
            f"{config_map}: {unknown} are no field of shared.settings.Settings "
            "(CHIDAO_ + the field name in upper case): the services would ignore them"
        )
    for deployment in of_kind(resources, "Deployment"):
        names = [e["name"] for e in main_container(deployment).get("env", [])]
        unknown = [n for n in names if n.startswith("CHIDAO_") and n not in SETTINGS_ENV]
        assert not unknown, f"{deployment}: {unknown} are no field of shared.settings.Settings"
        environment(deployment, resources)  # every reference resolves


def test_each_service_gets_its_own_secrets_and_only_those():
    resources = built(PRODUCTION)
    for name, service in DEPLOYMENTS.items():
        deployment = by_name(resources, "Deployment")[name]
        refs = {
            e["name"]: e["valueFrom"]["secretKeyRef"]
            for e in main_container(deployment).get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        nats = refs.get("CHIDAO_NATS_URL", {})
        assert (nats.get("name"), nats.get("key")) == (f"chidao-nats-{service}", "url"), (
            f"{deployment}: CHIDAO_NATS_URL must come from Secret chidao-nats-{service} key url "
            "(one NATS user per service)"
        )
        # every service checks staff sessions and the operators' token, and production
        # refuses the development link secret in every service (shared.production)
        expected = {
            "CHIDAO_NATS_URL",
            "CHIDAO_SESSION_SECRETS",
            "CHIDAO_OPERATOR_TOKEN",
            "CHIDAO_LINK_SECRETS",
        }
        if service == "notifier":
            expected |= {"CHIDAO_SMTP_USERNAME", "CHIDAO_SMTP_PASSWORD"}
        if service == "issuer":  # it seals the originals of secret directives
            expected |= {"CHIDAO_ORIGINALS_SECRET"}
        assert set(refs) == expected, (
            f"{deployment}: reads the secrets {sorted(refs)}, expected {sorted(expected)}"
        )
        for variable, key in (
            ("CHIDAO_LINK_SECRETS", "link-secrets"),
            ("CHIDAO_SESSION_SECRETS", "session-secrets"),
            ("CHIDAO_OPERATOR_TOKEN", "operator-token"),
            ("CHIDAO_SMTP_USERNAME", "smtp-username"),
            ("CHIDAO_SMTP_PASSWORD", "smtp-password"),
        ):
            if variable in refs:
                assert (refs[variable]["name"], refs[variable]["key"]) == ("chidao-secrets", key), (
                    f"{deployment}: {variable} must come from Secret chidao-secrets key {key}"
                )


def test_secret_template_nats_users_match_the_nats_passwords():
    secrets = by_name(secret_template(), "Secret")
    passwords = secrets.get("nats-passwords")
    assert passwords, f"{rel(SECRET_TEMPLATE)}: needs the Secret nats-passwords (NATS side)"
    variables = set(passwords.obj.get("stringData", {}))
    assert variables == NATS_PASSWORD_VARIABLES, (
        f"{rel(SECRET_TEMPLATE)}: nats-passwords has {sorted(variables)}, "
        f"expected {sorted(NATS_PASSWORD_VARIABLES)}"
    )
    for service in SERVICES:
        secret = secrets.get(f"chidao-nats-{service}")
        assert secret, f"{rel(SECRET_TEMPLATE)}: needs the Secret chidao-nats-{service}"
        url = secret.obj.get("stringData", {}).get("url", "")
        match = re.fullmatch(r"tls://([^:@/]+):([^@/]+)@[^/]+", url)
        assert match and match[1] == service, (
            f"{rel(SECRET_TEMPLATE)}: chidao-nats-{service} url {url!r} must be "
            f"tls://{service}:PASSWORD@HOST:4222 (over TLS, as the NATS user named after "
            "the service)"
        )
        expected = passwords.obj["stringData"][f"NATS_{service.upper()}_PASSWORD"]
        assert match[2] == expected, (
            f"{rel(SECRET_TEMPLATE)}: the password in chidao-nats-{service} differs from "
            f"NATS_{service.upper()}_PASSWORD in nats-passwords"
        )
    needed = {"link-secrets", "session-secrets", "operator-token", "smtp-username", "smtp-password"}
    assert needed <= set(secrets["chidao-secrets"].obj.get("stringData", {})), (
        f"{rel(SECRET_TEMPLATE)}: chidao-secrets needs {sorted(needed)}"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_settings_accept_each_pods_environment(layer, monkeypatch):
    """What pydantic-settings makes of the variables, as the service would at start-up."""
    resources = built(LAYERS[layer])
    for deployment in of_kind(resources, "Deployment"):
        with monkeypatch.context() as patched:
            for variable in [v for v in os.environ if v.startswith("CHIDAO_")]:
                patched.delenv(variable)
            for variable, value in environment(deployment, resources).items():
                patched.setenv(variable, value)
            try:
                settings = Settings()
            except ValueError as exc:
                pytest.fail(f"{deployment}: the settings refuse the pod's environment: {exc}")
        assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8080), (
            f"{deployment}: the service must listen on 0.0.0.0:8080, the probes' port"
        )
        assert settings.js_replicas == 3, f"{deployment}: CHIDAO_JS_REPLICAS must be 3 (R3)"
        assert settings.log_format == "json", f"{deployment}: CHIDAO_LOG_FORMAT must be json"
        assert settings.env == "production" and settings.cookie_secure, (
            f"{deployment}: CHIDAO_ENV must be production and CHIDAO_COOKIE_SECURE true"
        )


@pytest.mark.parametrize("layer", LAYERS)
def test_production_starts_once_the_templates_placeholders_are_replaced(layer, monkeypatch):
    """What shared.production refuses: the Secret template as it is (every CHANGE-ME), and
    nothing else of what the manifests set."""
    resources = built(LAYERS[layer])
    for deployment in of_kind(resources, "Deployment"):
        variables = environment(deployment, resources)
        for replaced in (False, True):
            with monkeypatch.context() as patched:
                for variable in [v for v in os.environ if v.startswith("CHIDAO_")]:
                    patched.delenv(variable)
                for variable, value in variables.items():
                    if replaced:  # what an operator puts there: real, distinct secrets
                        value = re.sub(r"CHANGE-ME[\w-]*", lambda _: secrets.token_hex(24), value)
                    patched.setenv(variable, value)
                service = deployment.name.removeprefix("chidao-")
                problems = production.unsafe_settings(Settings(), service)
            if replaced:
                assert problems == [], f"{deployment}: production refuses {problems}"
            else:
                assert problems and all("CHANGE-ME" in p for p in problems), (
                    f"{deployment}: the template's placeholders must be refused: {problems}"
                )


# --------------------------------------------------------------------------------------------
# Services, autoscaling, disruption budgets, network policy, scraping


@pytest.mark.parametrize("layer", LAYERS)
def test_selectors_match_the_deployments(layer):
    resources = built(LAYERS[layer])
    deployments = of_kind(resources, "Deployment")

    def selected(selector: dict[str, Any]) -> list[Resource]:
        return [d for d in deployments if selects(selector, pod_labels(d))]

    for service in of_kind(resources, "Service"):
        pods = selected(selector_of(service))
        assert len(pods) == 1 and pods[0].name == service.name, (
            f"{service}: selects {[d.name for d in pods]}, expected the Deployment {service.name}"
        )
        ports = {p.get("name") for p in main_container(pods[0]).get("ports", [])}
        for port in service.obj["spec"]["ports"]:
            assert port.get("name") == "http" and port.get("port") == 8080, (
                f"{service}: expected one port 8080 named http, found {port}"
            )
            assert port.get("targetPort") in ports, (
                f"{service}: targetPort {port.get('targetPort')} is no named port of {pods[0]}"
            )
    for pdb in of_kind(resources, "PodDisruptionBudget"):
        pods = selected(selector_of(pdb))
        assert len(pods) == 1, f"{pdb}: selects {[d.name for d in pods]}, expected 1 Deployment"
    for policy in of_kind(resources, "NetworkPolicy"):
        pods = selected(selector_of(policy))
        assert {d.name for d in pods} == set(DEPLOYMENTS), (
            f"{policy}: applies to {sorted(d.name for d in pods)}, expected every service"
        )
    for hpa in of_kind(resources, "HorizontalPodAutoscaler"):
        ref = hpa.obj["spec"]["scaleTargetRef"]
        targets = [d for d in deployments if d.name == ref["name"]]
        assert ref["kind"] == "Deployment" and targets, (
            f"{hpa}: scales {ref['kind']} {ref['name']}, which this layer does not define"
        )
        requests = main_container(targets[0]).get("resources", {}).get("requests", {})
        assert "cpu" in requests, f"{hpa}: {targets[0]} has no cpu request to compute usage on"
    for kind in ("Service", "PodDisruptionBudget"):
        covered = {d.name for r in of_kind(resources, kind) for d in selected(selector_of(r))}
        assert covered == set(DEPLOYMENTS), (
            f"{rel(LAYERS[layer])}: Deployments without a {kind}: "
            f"{sorted(set(DEPLOYMENTS) - covered)}"
        )


@pytest.mark.parametrize("layer", LAYERS)
def test_autoscaling_and_disruption_budgets_agree_with_replicas(layer):
    resources = built(LAYERS[layer])
    hpas = {
        r.obj["spec"]["scaleTargetRef"]["name"]: r
        for r in of_kind(resources, "HorizontalPodAutoscaler")
    }
    assert set(hpas) == {"chidao-notifier", "chidao-reporter", "chidao-aggregator"}, (
        f"{rel(LAYERS[layer])}: HPAs for {sorted(hpas)}, expected notifier, reporter, aggregator"
    )
    for deployment in of_kind(resources, "Deployment"):
        replicas = deployment.obj["spec"].get("replicas", 1)
        floor = replicas
        if deployment.name in hpas:
            hpa = hpas[deployment.name].obj["spec"]
            assert hpa["minReplicas"] <= replicas <= hpa["maxReplicas"], (
                f"{hpas[deployment.name]}: {deployment} runs {replicas} replicas, outside the "
                f"HPA's {hpa['minReplicas']}..{hpa['maxReplicas']}"
            )
            metrics = [m["resource"] for m in hpa["metrics"] if m["type"] == "Resource"]
            assert metrics and metrics[0]["name"] == "cpu", f"{hpas[deployment.name]}: not on CPU"
            floor = hpa["minReplicas"]
        for pdb in of_kind(resources, "PodDisruptionBudget"):
            if selects(selector_of(pdb), pod_labels(deployment)):
                minimum = pdb.obj["spec"].get("minAvailable")
                assert minimum == 1, f"{pdb}: minAvailable must be 1"
                assert floor > minimum, (
                    f"{pdb}: {deployment} may run {floor} replica(s), so minAvailable "
                    f"{minimum} would block every node drain"
                )


def test_network_policy_lets_through_only_what_the_services_use():
    policies = of_kind(built(BASE), "NetworkPolicy")
    assert len(policies) == 1, f"{rel(BASE)}: expected one NetworkPolicy, found {len(policies)}"
    policy = policies[0]
    spec = policy.obj["spec"]
    assert set(spec.get("policyTypes", [])) == {"Ingress", "Egress"}, (
        f"{policy}: must restrict both Ingress and Egress"
    )
    ingress_ports = {p["port"] for rule in spec["ingress"] for p in rule.get("ports", [])}
    assert ingress_ports == {8080}, f"{policy}: ingress on {ingress_ports}, expected only 8080"
    assert all(rule.get("from") for rule in spec["ingress"]), (
        f"{policy}: an ingress rule without `from` admits the whole cluster"
    )
    egress_ports = {p["port"] for rule in spec["egress"] for p in rule.get("ports", [])}
    expected = {53, 4222, 25, 465, 587, 4317, 4318}
    assert egress_ports == expected, (
        f"{policy}: egress on {sorted(egress_ports)}, expected DNS, NATS, SMTP and OTLP: "
        f"{sorted(expected)}"
    )
    assert all(rule.get("ports") for rule in spec["egress"]), (
        f"{policy}: an egress rule without ports opens every port"
    )
    nats_rules = [r for r in spec["egress"] if any(p["port"] == 4222 for p in r["ports"])]
    assert nats_rules and all(
        any(
            peer.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": "nats"}
            for peer in rule.get("to", [])
        )
        for rule in nats_rules
    ), f"{policy}: NATS (4222) must be reachable only on pods app.kubernetes.io/name=nats"


def test_service_monitor_scrapes_every_service():
    resources = built(BASE)
    monitors = of_kind(resources, "ServiceMonitor")
    assert len(monitors) == 1, f"{rel(BASE)}: expected one ServiceMonitor, found {len(monitors)}"
    monitor = monitors[0]
    assert monitor.obj["apiVersion"] == "monitoring.coreos.com/v1", (
        f"{monitor}: apiVersion must be monitoring.coreos.com/v1"
    )
    spec = monitor.obj.get("spec", {})
    unknown = sorted(set(spec) - {"jobLabel", "selector", "endpoints", "namespaceSelector"})
    assert not unknown, f"{monitor}: unexpected spec fields {unknown}"
    match_labels = spec.get("selector", {}).get("matchLabels")
    assert match_labels == {"app.kubernetes.io/part-of": "chidao"}, (
        f"{monitor}: selector.matchLabels must be app.kubernetes.io/part-of: chidao"
    )
    services = [
        s
        for s in of_kind(resources, "Service")
        if selects({"matchLabels": match_labels}, s.obj["metadata"].get("labels", {}))
    ]
    assert {s.name for s in services} == set(DEPLOYMENTS), (
        f"{monitor}: selects the Services {sorted(s.name for s in services)}, "
        f"expected {sorted(DEPLOYMENTS)}"
    )
    assert spec.get("jobLabel") == "app.kubernetes.io/name", (
        f"{monitor}: jobLabel must be app.kubernetes.io/name so the jobs are chidao-<service>"
    )
    jobs = {s.obj["metadata"]["labels"].get("app.kubernetes.io/name") for s in services}
    assert jobs == set(DEPLOYMENTS), f"{monitor}: the jobs would be {jobs}, not {set(DEPLOYMENTS)}"
    endpoints = spec.get("endpoints") or []
    assert endpoints, f"{monitor}: has no endpoints"
    for endpoint in endpoints:
        assert (endpoint.get("port"), endpoint.get("path"), endpoint.get("interval")) == (
            "http",
            "/metrics",
            "15s",
        ), f"{monitor}: endpoint {endpoint} must scrape port http, path /metrics, every 15s"
        for service in services:
            names = {p.get("name") for p in service.obj["spec"]["ports"]}
            assert endpoint["port"] in names, f"{service}: has no port named {endpoint['port']}"


# --------------------------------------------------------------------------------------------
# The production overlay


def test_production_overlay_sets_namespace_image_replicas_and_sizes():
    base, production = built(BASE), built(PRODUCTION)
    for resource in production:
        assert resource.obj["metadata"].get("namespace") == "chidao", (
            f"{resource}: not in the namespace chidao"
        )
    for deployment in of_kind(production, "Deployment"):
        service = DEPLOYMENTS[deployment.name]
        image = main_container(deployment)["image"]
        assert image == PRODUCTION_IMAGE, (
            f"{deployment}: image {image}, expected {PRODUCTION_IMAGE}"
        )
        replicas = deployment.obj["spec"].get("replicas")
        assert replicas == PRODUCTION_REPLICAS[service], (
            f"{deployment}: {replicas} replicas, expected {PRODUCTION_REPLICAS[service]}"
        )
    for deployment in of_kind(base, "Deployment"):
        name, tag = split_image(main_container(deployment)["image"])
        assert name == "chidao" and tag not in ("", ":latest"), (
            f"{deployment}: the base image must be `chidao` with a pinned tag, not {name}{tag}"
        )

    def memory_limit(resources, name):
        container = main_container(by_name(resources, "Deployment")[name])
        return quantity(container["resources"]["limits"]["memory"])

    assert memory_limit(production, "chidao-aggregator") > memory_limit(
        base, "chidao-aggregator"
    ), f"{rel(PRODUCTION)}: the aggregator's memory limit is not raised above the base's"
    config = by_name(production, "ConfigMap")["chidao-config"].obj["data"]
    assert config["CHIDAO_PUBLIC_URL"].startswith("https://"), (
        f"{rel(PRODUCTION)}: CHIDAO_PUBLIC_URL must be the reporter's public https address"
    )
    assert config["CHIDAO_SMTP_HOST"] != "mail-relay", (
        f"{rel(PRODUCTION)}: CHIDAO_SMTP_HOST still names the base's placeholder relay"
    )


# --------------------------------------------------------------------------------------------
# The Ingress: signed links on the Internet, the staff site on the organisation's network

PUBLIC_PREFIX = "/r/"  # services/reporter/entrypoints/public.py: what a mail's link opens
# every service answers these (shared/auth/login.py, shared/auth/oidc.py): any owner will do
SIGN_IN = ("/login", "/logout", "/auth/oidc/", "/api/me")
OPS = ("/healthz", "/readyz", "/metrics", "/openapi.json")


def ingresses() -> dict[str, Resource]:
    found = by_name(built(PRODUCTION), "Ingress")
    assert set(found) == {"chidao-public", "chidao-staff"}, (
        f"{rel(PRODUCTION)}: Ingresses {sorted(found)}, expected chidao-public, chidao-staff"
    )
    return found


def route(ingress: Resource, path: str) -> str | None:
    """The Service ingress-nginx sends ``path`` to: Prefix paths by path element, longest
    first; with use-regex, every path a case-insensitive regex anchored at the start,
    longest first, the first match winning."""
    regex = (
        ingress.obj["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/use-regex")
        == "true"
    )
    (rule,) = ingress.obj["spec"]["rules"]
    paths = sorted(rule["http"]["paths"], key=lambda p: len(p["path"]), reverse=True)
    for entry in paths:
        pattern = entry["path"]
        if regex:
            matched = re.match(pattern, path, flags=re.IGNORECASE) is not None
        else:
            assert entry["pathType"] == "Prefix", f"{ingress}: {pattern} is not a Prefix path"
            base = pattern.rstrip("/")
            matched = path == base or path.startswith(base + "/")
        if matched:
            return entry["backend"]["service"]["name"]
    return None


def service_paths() -> dict[str, list[str]]:
    """Every route of every service, as a concrete path ({x} written as a value)."""
    paths: dict[str, list[str]] = {}
    for service in SERVICES:
        app = build_service(service).app
        paths[service] = [
            re.sub(r"\{[^}]+\}", "x1", r.path)
            for r in app.routes
            if getattr(r, "methods", None) and not r.path.startswith(OPS)
        ]
    return paths


def test_the_public_host_publishes_only_the_signed_links():
    public = ingresses()["chidao-public"]
    (rule,) = public.obj["spec"]["rules"]
    config = by_name(built(PRODUCTION), "ConfigMap")["chidao-config"].obj["data"]
    assert config["CHIDAO_PUBLIC_URL"] == f"https://{rule['host']}", (
        f"{public}: its host must be CHIDAO_PUBLIC_URL's, where the mails' links point"
    )
    assert public.obj["spec"]["tls"][0]["hosts"] == [rule["host"]], f"{public}: needs TLS"
    for service, paths in service_paths().items():
        for path in paths:
            owner = route(public, path)
            if path.startswith(PUBLIC_PREFIX) and service == "reporter":
                assert owner == "chidao-reporter", f"{public}: {path} must reach the reporter"
            else:
                assert owner is None, f"{public}: publishes the staff path {path} ({owner})"


def test_the_staff_host_sends_each_path_to_its_owner_on_the_organisation_network():
    public, staff = ingresses()["chidao-public"], ingresses()["chidao-staff"]
    annotations = staff.obj["metadata"].get("annotations", {})
    assert annotations.get("nginx.ingress.kubernetes.io/whitelist-source-range"), (
        f"{staff}: the staff site must be limited to the organisation's networks"
    )
    (rule,) = staff.obj["spec"]["rules"]
    assert rule["host"] != public.obj["spec"]["rules"][0]["host"]
    assert staff.obj["spec"]["tls"][0]["hosts"] == [rule["host"]], f"{staff}: needs TLS"
    for service, paths in service_paths().items():
        for path in paths:
            if path.startswith(PUBLIC_PREFIX):
                continue  # the signed links are the public host's
            owner = route(staff, path)
            if path.startswith(SIGN_IN):
                assert owner in DEPLOYMENTS, f"{staff}: {path} reaches no service"
            else:
                assert owner == f"chidao-{service}", (
                    f"{staff}: {path}, a route of the {service}, goes to {owner}"
                )


# --------------------------------------------------------------------------------------------
# The NATS Helm chart values


def nats_values() -> dict[str, Any]:
    values = yaml.safe_load(NATS_VALUES.read_text(encoding="utf-8"))
    assert isinstance(values, dict), f"{rel(NATS_VALUES)} is not a YAML mapping"
    return values


def test_nats_values_make_a_synced_jetstream_cluster_with_metrics():
    values = nats_values()
    where = rel(NATS_VALUES)
    config = values.get("config", {})
    cluster = config.get("cluster", {})
    assert cluster.get("enabled") is True and cluster.get("replicas") == 3, (
        f"{where}: config.cluster must be enabled with 3 replicas"
    )
    jetstream = config.get("jetstream", {})
    assert jetstream.get("enabled") is True, f"{where}: config.jetstream.enabled must be true"
    file_store = jetstream.get("fileStore", {})
    assert file_store.get("enabled", True) is not False, f"{where}: the file store is disabled"
    pvc = file_store.get("pvc", {})
    assert pvc.get("enabled", True) is not False and pvc.get("size"), (
        f"{where}: config.jetstream.fileStore.pvc must be enabled with a size"
    )
    quantity(pvc["size"])
    assert jetstream.get("merge", {}).get("sync_interval") == "always", (
        f"{where}: config.jetstream.merge.sync_interval must be `always` (fsync every write)"
    )
    exporter = values.get("promExporter", {})
    assert exporter.get("enabled") is True, f"{where}: promExporter.enabled must be true"
    assert exporter.get("podMonitor", {}).get("enabled") is True, (
        f"{where}: promExporter.podMonitor.enabled must be true"
    )


def test_nats_values_include_the_accounts_and_their_passwords():
    values = nats_values()
    where = rel(NATS_VALUES)
    includes = [v for k, v in values["config"].get("merge", {}).items() if k.endswith("$include")]
    accounts = [i for i in includes if posixpath.basename(i) == "accounts.conf"]
    assert len(accounts) == 1, f"{where}: config.merge must $include accounts.conf once"
    # the chart resolves includes relative to /etc/nats-config, where it puts nats.conf
    included = posixpath.normpath(posixpath.join("/etc/nats-config", accounts[0]))

    container = values.get("container", {})
    mounts = [
        op["value"]
        for op in container.get("patch", [])
        if op.get("op") == "add" and op.get("path") == "/volumeMounts/-"
    ]
    volumes = [
        op["value"]
        for op in values.get("podTemplate", {}).get("patch", [])
        if op.get("op") == "add" and op.get("path") == "/spec/volumes/-"
    ]
    mount = [m for m in mounts if posixpath.dirname(included) == m["mountPath"].rstrip("/")]
    assert mount, (
        f"{where}: nothing mounts {posixpath.dirname(included)} (where the $include "
        f"{accounts[0]!r} points) through container.patch"
    )
    volume = [v for v in volumes if v["name"] == mount[0]["name"]]
    assert volume, f"{where}: podTemplate.patch adds no volume {mount[0]['name']!r}"
    source = volume[0].get("secret", {}).get("secretName") or volume[0].get("configMap", {}).get(
        "name"
    )
    assert source == "nats-accounts", (
        f"{where}: the accounts volume must come from the Secret or ConfigMap nats-accounts"
    )

    env = container.get("env", {})
    passwords = by_name(secret_template(), "Secret")["nats-passwords"].obj["stringData"]
    for variable in sorted(NATS_PASSWORD_VARIABLES):
        ref = (env.get(variable) or {}).get("valueFrom", {}).get("secretKeyRef", {})
        assert ref.get("name") == "nats-passwords" and ref.get("key") in passwords, (
            f"{where}: container.env.{variable} must come from the Secret nats-passwords"
        )

    # the fragments the chart patches in are valid Kubernetes: check them inside a Pod
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "nats-values-fragments"},
        "spec": {
            "containers": [
                {
                    "name": "nats",
                    "image": "nats",
                    "volumeMounts": mounts,
                    "env": [
                        {"name": k, "value": v} if isinstance(v, str) else {"name": k, **v}
                        for k, v in env.items()
                    ],
                    **container.get("merge", {}),
                }
            ],
            "volumes": volumes,
        },
    }
    errors = schema_errors([Resource(pod, where)])
    assert not errors, f"{where}: the container/podTemplate fragments:\n" + "\n".join(errors)

    if NATS_ACCOUNTS.exists():  # written alongside, in deploy/nats/
        variables = set(re.findall(r"\$(NATS_[A-Z0-9_]+)", NATS_ACCOUNTS.read_text()))
        missing = sorted(variables - set(env))
        assert not missing, (
            f"{rel(NATS_ACCOUNTS)} reads {missing} from the environment, which "
            f"{where} does not set in container.env"
        )


def test_nats_server_accepts_the_accounts_include(tmp_path):
    """nats-server itself (`-t`: check the configuration and exit) reads a nats.conf laid out
    as the chart lays it out: the $include beside /etc/nats-config, the JetStream merge, and
    the passwords from the environment container.env sets. It reads deploy/nats/accounts.conf
    when it is there, otherwise a stand-in naming every password variable."""
    values = nats_values()
    include = next(v for k, v in values["config"]["merge"].items() if k.endswith("$include"))
    etc = tmp_path / "etc"
    included = etc / posixpath.normpath(posixpath.join("/etc/nats-config", include)).removeprefix(
        "/etc/"
    )
    included.parent.mkdir(parents=True)
    if NATS_ACCOUNTS.exists():
        accounts = NATS_ACCOUNTS.read_text(encoding="utf-8")
        for service in SERVICES:
            assert re.search(rf"\buser\s*[:=]\s*[\"']?{service}\b", accounts), (
                f"{rel(NATS_ACCOUNTS)}: no NATS user {service}, the user in the URL of "
                f"Secret chidao-nats-{service} ({rel(SECRET_TEMPLATE)})"
            )
    else:
        users = ", ".join(
            f"{{user: {v.removeprefix('NATS_').removesuffix('_PASSWORD').lower()}, password: ${v}}}"
            for v in sorted(NATS_PASSWORD_VARIABLES)
        )
        accounts = f"accounts: {{ CHIDAO: {{ jetstream: enabled, users: [{users}] }} }}\n"
    included.write_text(accounts, encoding="utf-8")
    jetstream = {"store_dir": str(tmp_path / "jetstream"), **values["config"]["jetstream"]["merge"]}
    conf = etc / "nats-config" / "nats.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        f"include {include};\nport: 4222\njetstream: {json.dumps(jetstream)}\n", encoding="utf-8"
    )
    env = {
        name: f"test-{name.lower()}"
        for name, v in values["container"]["env"].items()
        if isinstance(v, dict)
    }
    result = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(conf)],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, (
        f"{rel(NATS_VALUES)} with "
        f"{rel(NATS_ACCOUNTS) if NATS_ACCOUNTS.exists() else 'a stand-in accounts.conf'}: "
        f"nats-server refuses the configuration: {result.stderr.strip() or result.stdout.strip()}"
    )


def test_the_embedded_runtime_front_routes_as_the_staff_ingress():
    """`chidao dev`, the demo and the tests put the staff site at one address through
    chidao/runtime/front.py: the same paths as the staff Ingress, to the same services,
    so what works there works in production."""
    staff = ingresses()["chidao-staff"]
    (rule,) = staff.obj["spec"]["rules"]
    ingress_table = {(p["path"], p["backend"]["service"]["name"]) for p in rule["http"]["paths"]}
    assert ingress_table == {(path, f"chidao-{service}") for path, service in front.ROUTES}
    for paths in service_paths().values():
        for path in paths:
            if path.startswith(PUBLIC_PREFIX):
                continue
            assert f"chidao-{front.service_for(path)}" == route(staff, path), path
