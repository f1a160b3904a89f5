"""A small kustomize, for rendering infra/k8s where no kustomize binary exists (CI installs only Python).

It supports exactly what infra/k8s uses, and refuses anything else rather than render it wrongly:

- ``resources``: YAML files and directories holding a kustomization.yaml, in order;
- ``namespace``: set on every namespaced object;
- ``labels``: ``pairs`` only, added to ``metadata.labels`` (kustomize's default: not to selectors or
  pod templates);
- ``images``: ``name`` with ``newName`` / ``newTag`` / ``digest``, applied to pod template containers;
- ``patches``: ``path`` only, strategic merge, aimed by the patch's own apiVersion, kind and name;
- ``configMapGenerator``: ``files`` and ``literals`` with ``disableNameSuffixHash: true`` and ``labels``.

Strategic merge follows Kubernetes' rules for the lists the manifests touch: lists with a patch merge key
(containers by name, env by name, ports by containerPort, ...) merge item by item; every other list, and
every list of a custom resource (kustomize has no schema for those), is replaced whole. A null in a
patch deletes the key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

_SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "patches",
    "configMapGenerator",
}
_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
_BUILTIN_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}

# Patch merge keys of the built-in types' lists, by field name (from the Kubernetes API's
# x-kubernetes-patch-merge-key). Lists not named here are atomic: a patch replaces them.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}
# "ports" merges by containerPort in a container and by port in a Service.
_PORT_KEYS = ("containerPort", "port")


class UnsupportedKustomization(ValueError):
    """The kustomization uses a feature this renderer does not implement."""


def _load_all(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _identity(obj: Manifest) -> tuple[str, str, str]:
    return obj["apiVersion"], obj["kind"], obj["metadata"]["name"]


def _merge_list(base: list[Any], patch: list[Any], key: str) -> list[Any]:
    merged = [copy.deepcopy(item) for item in base]
    for item in patch:
        match = next((m for m in merged if isinstance(m, dict) and m.get(key) == item.get(key)), None)
        if match is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[merged.index(match)] = _merge_map(match, item, builtin=True)
    return merged


def _merge_map(base: dict[str, Any], patch: dict[str, Any], builtin: bool) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for name, value in patch.items():
        if name.startswith("$"):
            raise UnsupportedKustomization(f"patch directive {name} is not supported")
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merge_map(merged[name], value, builtin)
        elif isinstance(value, list) and isinstance(merged.get(name), list) and builtin:
            key = _MERGE_KEYS.get(name)
            if name == "ports" and value and isinstance(value[0], dict):
                key = next((k for k in _PORT_KEYS if k in value[0]), None)
            merged[name] = _merge_list(merged[name], value, key) if key else copy.deepcopy(value)
        else:
            merged[name] = copy.deepcopy(value)
    return merged


def strategic_merge(base: Manifest, patch: Manifest) -> Manifest:
    return _merge_map(base, patch, builtin=base["apiVersion"] in _BUILTIN_GROUPS)


def _set_image(image: str, rules: list[dict[str, str]]) -> str:
    name = image.split("@")[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    for rule in rules:
        if rule["name"] != name:
            continue
        unknown = set(rule) - {"name", "newName", "newTag", "digest"}
        if unknown:
            raise UnsupportedKustomization(f"images: {sorted(unknown)} not supported")
        new = rule.get("newName", name)
        if "digest" in rule:
            return f"{new}@{rule['digest']}"
        tag = rule.get("newTag")
        old_tag = image[len(name) + 1 :] if image.startswith(name + ":") else None
        return f"{new}:{tag}" if tag else (f"{new}:{old_tag}" if old_tag else new)
    return image


def _pod_spec(obj: Manifest) -> dict[str, Any] | None:
    spec = obj.get("spec", {})
    if obj["kind"] == "Pod":
        return spec if isinstance(spec, dict) else None
    template = spec.get("template", {}).get("spec")
    return template if isinstance(template, dict) else None


def _generate_config_map(folder: Path, spec: dict[str, Any]) -> Manifest:
    unknown = set(spec) - {"name", "files", "literals", "options"}
    options = spec.get("options", {})
    if unknown or set(options) - {"disableNameSuffixHash", "labels"}:
        raise UnsupportedKustomization(f"configMapGenerator {spec['name']}: only files, literals, options")
    if options.get("disableNameSuffixHash") is not True:
        # kustomize would append a content hash to the name and rewrite every reference to it.
        raise UnsupportedKustomization("configMapGenerator needs options.disableNameSuffixHash: true")
    data: dict[str, str] = {}
    for entry in spec.get("files", []):
        key, _, source = entry.partition("=") if "=" in entry else (Path(entry).name, "", entry)
        path = (folder / source).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise UnsupportedKustomization(f"{entry}: kustomize refuses files outside the kustomization")
        data[key] = path.read_text(encoding="utf-8")
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    metadata: dict[str, Any] = {"name": spec["name"]}
    if options.get("labels"):
        metadata["labels"] = dict(options["labels"])
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def render(folder: Path) -> list[Manifest]:
    """The objects ``kubectl kustomize folder`` would print (order aside)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - _SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"{folder}: {sorted(unknown)} not supported")

    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        objects.extend(render(path) if path.is_dir() else _load_all(path))
    objects.extend(_generate_config_map(folder, spec) for spec in kustomization.get("configMapGenerator", []))

    for patch_ref in kustomization.get("patches", []):
        if set(patch_ref) != {"path"}:
            raise UnsupportedKustomization(f"patches: only path is supported, got {sorted(patch_ref)}")
        for patch in _load_all(folder / patch_ref["path"]):
            targets = [i for i, obj in enumerate(objects) if _identity(obj) == _identity(patch)]
            if len(targets) != 1:
                raise ValueError(f"{patch_ref['path']}: {len(targets)} objects match {_identity(patch)}")
            objects[targets[0]] = strategic_merge(objects[targets[0]], patch)

    namespace = kustomization.get("namespace")
    for obj in objects:
        metadata = obj.setdefault("metadata", {})
        if namespace and obj["kind"] not in _CLUSTER_SCOPED:
            metadata["namespace"] = namespace
        for label_set in kustomization.get("labels", []):
            if set(label_set) != {"pairs"}:
                raise UnsupportedKustomization(f"labels: only pairs is supported, got {sorted(label_set)}")
            metadata.setdefault("labels", {}).update(label_set["pairs"])
        pod = _pod_spec(obj)
        if pod is not None and kustomization.get("images"):
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                container["image"] = _set_image(container["image"], kustomization["images"])
    return objects
