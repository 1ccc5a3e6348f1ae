"""A small kustomize for the tests: builds a kustomization the way `kustomize build` does
for the features deploy/kubernetes uses, and refuses any other feature, saying so."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def rel(path: Path) -> str:
    return str(path.resolve().relative_to(ROOT))


def load_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


# --------------------------------------------------------------------------------------------
# A small kustomize: resources (files and directories), patches (strategic merge and JSON 6902,
# by file or inline, with or without a target), namespace, labels, images, replicas.


class KustomizeError(Exception):
    pass


@dataclass
class Resource:
    obj: dict[str, Any]
    source: str  # the file it comes from, then the patches applied to it

    @property
    def kind(self) -> str:
        return self.obj["kind"]

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.source})"


SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "replicas",
    "patches",
}
FILE_LISTS = ("resources", "patchesStrategicMerge", "components", "crds")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
WORKLOADS = {"Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "Job"}
# the list merge keys (patchMergeKey in the API) of the Kubernetes types the overlays patch;
# other lists are replaced as a whole, as in a strategic merge; `ports` is special-cased below
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


def referenced_files(directory: Path) -> list[tuple[str, Path]]:
    """Every file or directory a kustomization.yaml names, with the key naming it."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    named: list[tuple[str, Path]] = []
    for key in FILE_LISTS:
        named += [(key, directory / entry) for entry in kustomization.get(key) or []]
    for key in ("patches", "patchesJson6902"):
        named += [(key, directory / p["path"]) for p in kustomization.get(key) or [] if "path" in p]
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in kustomization.get(key) or []:
            for entry in [*generator.get("files", []), *generator.get("envs", [])]:
                source = entry.split("=", 1)[-1]  # files: [KEY=path]
                named.append((key, directory / source))
    return named


@cache
def build(directory: Path) -> tuple[Resource, ...]:
    kfile = directory / "kustomization.yaml"
    if not kfile.is_file():
        raise KustomizeError(f"{rel(directory)} has no kustomization.yaml")
    kustomization = yaml.safe_load(kfile.read_text(encoding="utf-8"))
    unsupported = sorted(set(kustomization) - SUPPORTED_KEYS)
    if unsupported:
        raise KustomizeError(
            f"{rel(kfile)} uses {unsupported}, which the kustomize loader in "
            f"tests/ops/test_kubernetes_manifests.py does not implement: teach it first"
        )
    for key, path in referenced_files(directory):
        if not path.exists():
            raise KustomizeError(f"{rel(kfile)}: {key} names {rel(path)}, which does not exist")

    resources: list[Resource] = []
    for entry in kustomization.get("resources") or []:
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += [Resource(copy.deepcopy(r.obj), r.source) for r in build(path)]
        else:
            resources += [Resource(doc, rel(path)) for doc in load_documents(path)]
    seen: dict[tuple[str, str], Resource] = {}
    for resource in resources:
        key = (resource.kind, resource.name)
        if key in seen:
            raise KustomizeError(f"{rel(kfile)}: {resource} is defined twice (also {seen[key]})")
        seen[key] = resource

    for patch in kustomization.get("patches") or []:
        apply_patch(kfile, patch, resources)
    for labels in kustomization.get("labels") or []:
        apply_labels(kfile, labels, resources)
    if "namespace" in kustomization:
        for resource in resources:
            if resource.kind not in CLUSTER_SCOPED:
                resource.obj["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images") or []:
        apply_image(kfile, image, resources)
    for replicas in kustomization.get("replicas") or []:
        targets = [r for r in resources if r.kind in WORKLOADS and r.name == replicas["name"]]
        if not targets:
            raise KustomizeError(
                f"{rel(kfile)}: replicas names {replicas['name']}, which is no workload here"
            )
        for resource in targets:
            resource.obj["spec"]["replicas"] = replicas["count"]
    return tuple(resources)


def apply_patch(kfile: Path, patch: dict[str, Any], resources: list[Resource]) -> None:
    unsupported = sorted(set(patch) - {"path", "patch", "target"})
    if unsupported:
        raise KustomizeError(f"{rel(kfile)}: patch options {unsupported} are not implemented")
    if "path" in patch:
        label = rel(kfile.parent / patch["path"])
        documents = load_documents(kfile.parent / patch["path"])
    else:
        label = f"inline patch in {rel(kfile)}"
        documents = [doc for doc in yaml.safe_load_all(patch["patch"]) if doc is not None]
    target = patch.get("target")
    if len(documents) == 1 and isinstance(documents[0], list):  # JSON 6902
        if target is None:
            raise KustomizeError(f"{rel(kfile)}: the JSON 6902 patch {label} needs a target")
        for resource in matching(kfile, label, target, resources):
            resource.obj = json6902(resource.obj, documents[0], f"{label} on {resource}")
            resource.source += f" + {label}"
        return
    for document in documents:
        if not isinstance(document, dict):
            raise KustomizeError(f"{label} is neither a strategic merge nor a JSON 6902 patch")
        selector = target or {
            "kind": document.get("kind"),
            "name": (document.get("metadata") or {}).get("name"),
        }
        for resource in matching(kfile, label, selector, resources):
            merged = strategic_merge(resource.obj, document, f"{label} on {resource}")
            if target is None:  # a patch that names its object must not rename it
                merged["metadata"]["name"] = resource.name
            resource.obj = merged
            resource.source += f" + {label}"


def matching(
    kfile: Path, label: str, target: dict[str, Any], resources: list[Resource]
) -> list[Resource]:
    unsupported = sorted(set(target) - {"group", "version", "kind", "name", "namespace"})
    if unsupported:
        raise KustomizeError(f"{rel(kfile)}: target selectors {unsupported} are not implemented")
    if not target.get("kind") or not target.get("name"):
        raise KustomizeError(f"{rel(kfile)}: {label} must target a kind and a name")
    if re.search(r"[\^$*+?()\[\]|\\]", target["name"]):
        raise KustomizeError(f"{rel(kfile)}: {label}: name patterns are not implemented")
    found = []
    for resource in resources:
        group, _, version = resource.obj["apiVersion"].rpartition("/")
        if (
            resource.kind == target["kind"]
            and resource.name == target["name"]
            and target.get("group", group) == group
            and target.get("version", version) == version
        ):
            found.append(resource)
    if not found:
        raise KustomizeError(
            f"{rel(kfile)}: {label} targets {target['kind']} {target['name']}, "
            f"which none of the resources it builds on defines"
        )
    return found


def strategic_merge(base: Any, patch: Any, where: str) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directives = [key for key in patch if key.startswith("$")]
    if directives:
        raise KustomizeError(f"{where}: strategic merge directives {directives} not implemented")
    merged = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merge_key = MERGE_KEYS.get(key)
            if key == "ports":
                merge_key = "containerPort" if all("containerPort" in p for p in value) else "port"
            if merge_key is None:
                merged[key] = copy.deepcopy(value)
            else:
                merged[key] = merge_list(merged[key], value, merge_key, where)
        else:
            merged[key] = strategic_merge(merged.get(key), value, where)
    return merged


def merge_list(base: list[Any], patch: list[Any], key: str, where: str) -> list[Any]:
    merged = copy.deepcopy(base)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise KustomizeError(f"{where}: a list item without its merge key {key!r}: {item}")
        for index, existing in enumerate(merged):
            if existing.get(key) == item[key]:
                merged[index] = strategic_merge(existing, item, where)
                break
        else:
            merged.append(copy.deepcopy(item))
    return merged


def json6902(obj: dict[str, Any], operations: list[dict[str, Any]], where: str) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        if op not in ("add", "replace", "remove"):
            raise KustomizeError(f"{where}: JSON patch op {op!r} is not implemented")
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        if not tokens:
            raise KustomizeError(f"{where}: JSON patch path {path!r} is not a member path")
        parent: Any = obj
        for token in tokens[:-1]:
            try:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            except (KeyError, IndexError, ValueError) as exc:
                raise KustomizeError(f"{where}: {op} {path}: {token!r} does not exist") from exc
        last = tokens[-1]
        if isinstance(parent, list):
            if not (last == "-" or last.isdigit()):
                raise KustomizeError(f"{where}: {op} {path}: {last!r} is no list index")
            index = len(parent) if last == "-" else int(last)
            if op == "add":
                parent.insert(index, copy.deepcopy(operation["value"]))
                continue
            if index >= len(parent):
                raise KustomizeError(f"{where}: {op} {path}: no item {index}")
            if op == "replace":
                parent[index] = copy.deepcopy(operation["value"])
            else:
                del parent[index]
        else:
            if op != "add" and last not in parent:
                raise KustomizeError(f"{where}: {op} {path}: {last!r} does not exist")
            if op == "remove":
                del parent[last]
            else:
                parent[last] = copy.deepcopy(operation["value"])
    return obj


def apply_labels(kfile: Path, labels: dict[str, Any], resources: list[Resource]) -> None:
    if labels.get("includeSelectors"):
        raise KustomizeError(f"{rel(kfile)}: labels with includeSelectors are not implemented")
    for resource in resources:
        resource.obj["metadata"].setdefault("labels", {}).update(labels["pairs"])
        if labels.get("includeTemplates") and resource.kind in WORKLOADS:
            template = resource.obj["spec"]["template"].setdefault("metadata", {})
            template.setdefault("labels", {}).update(labels["pairs"])


def split_image(image: str) -> tuple[str, str]:
    """'registry:5000/app:1.0' -> ('registry:5000/app', ':1.0'); digests keep their '@'."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, "@" + digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def apply_image(kfile: Path, image: dict[str, Any], resources: list[Resource]) -> None:
    used = False
    for resource in resources:
        for container in pod_containers(resource.obj):
            name, tag = split_image(container["image"])
            if name != image["name"]:
                continue
            used = True
            if "digest" in image:
                tag = "@" + image["digest"]
            elif "newTag" in image:
                tag = ":" + str(image["newTag"])
            container["image"] = image.get("newName", name) + tag
    if not used:
        raise KustomizeError(f"{rel(kfile)}: images names {image['name']}, which no container uses")


def pod_containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if obj.get("kind") not in WORKLOADS:
        return []
    spec = obj["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec.get("containers", [])]
