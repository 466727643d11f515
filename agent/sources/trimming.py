"""Trimming and redaction shared by the projections: metadata, pod templates, conditions.

Owns the rules every kind obeys: projections are allow-lists (an unknown field never leaves the
agent), ``managedFields`` and the ``last-applied-configuration`` annotation are dropped,
container env values are replaced by their names (``valueFrom`` references are kept, they name
a Secret/ConfigMap key but not its content), and long free-text values are capped.
Does not own any kind's own fields (the kind modules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agent.sources.spec import Raw

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Annotations and messages past this are cut: they are for humans, and a 100 KiB annotation
# (some operators store JSON in them) must not ride on every delta.
MAX_TEXT = 1024


def cap(text: object) -> str:
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + f"…(+{len(s) - MAX_TEXT} chars)"


def compact(d: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so the projection stays small (absent == default for readers)."""
    # Truthy values (most of them) pass on the first test; 0 and False are kept.
    return {
        k: v
        for k, v in d.items()
        if v or (v is not None and not isinstance(v, (str, list, dict, tuple)))
    }


def pick(src: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The listed keys that are present. The API server already omits empty fields, so this
    is the cheap way to build an allow-listed projection (sub-objects are shared, not copied:
    the raw object is dropped right after projection)."""
    return {k: src[k] for k in keys if k in src}


_META_KEYS = (
    "name",
    "namespace",
    "uid",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "labels",
)
_OWNER_KEYS = ("kind", "name", "uid", "controller")


def status_fields(status: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """A workload's status projection: the listed fields that are set, then its trimmed
    conditions."""
    return compact(pick(status, keys) | {"conditions": conditions(status.get("conditions"))})


def trim_annotations(ann: Mapping[str, Any]) -> dict[str, Any]:
    if LAST_APPLIED not in ann and all(
        isinstance(v, str) and len(v) <= MAX_TEXT for v in ann.values()
    ):
        return dict(ann)
    return {k: cap(v) for k, v in ann.items() if k != LAST_APPLIED}


def meta(obj: Raw) -> dict[str, Any]:
    m: Mapping[str, Any] = obj.get("metadata") or {}
    out = pick(m, _META_KEYS)
    ann = m.get("annotations")
    if ann:
        trimmed = trim_annotations(ann)
        if trimmed:
            out["annotations"] = trimmed
    owners = m.get("ownerReferences")
    if owners:
        out["ownerReferences"] = [pick(o, _OWNER_KEYS) for o in owners]
    return out


_CONDITION_KEYS = ("type", "status", "reason", "message", "lastTransitionTime")


def conditions(items: Iterable[Mapping[str, Any]] | None) -> list[Mapping[str, Any]]:
    """Conditions as the API server wrote them (they are small), with long messages cut."""
    out: list[Mapping[str, Any]] = []
    for c in items or ():
        message = c.get("message")
        if isinstance(message, str) and len(message) > MAX_TEXT:
            c = {**pick(c, _CONDITION_KEYS), "message": cap(message)}  # noqa: PLW2901
        out.append(c)
    return out


def condition(items: Iterable[Mapping[str, Any]] | None, type_: str) -> Mapping[str, Any]:
    for c in items or ():
        if c.get("type") == type_:
            return c
    return {}


def _env(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # The value is the secret-bearing part (passwords in plain env are common); the name and a
    # valueFrom reference are what an operator needs to debug "which key is missing".
    return [pick(e, ("name", "valueFrom")) for e in items]


# Probes are reduced to "has one": an httpGet probe can carry auth headers.
_CONTAINER_KEYS = (
    "name",
    "image",
    "imagePullPolicy",
    "ports",
    "resources",
    "envFrom",
    "restartPolicy",  # sidecar init containers
)


def container(c: Mapping[str, Any]) -> dict[str, Any]:
    out = pick(c, _CONTAINER_KEYS)
    env = c.get("env")
    if env:
        out["env"] = _env(env)
    if c.get("livenessProbe"):
        out["livenessProbe"] = True
    if c.get("readinessProbe"):
        out["readinessProbe"] = True
    return out


def _volume(v: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": v.get("name")}
    for source, ref_field in (
        ("persistentVolumeClaim", "claimName"),
        ("secret", "secretName"),
        ("configMap", "name"),
    ):
        if source in v:
            out[source] = {ref_field: (v.get(source) or {}).get(ref_field)}
            return out
    kinds = [k for k in v if k != "name"]
    if kinds:
        out["type"] = kinds[0]  # emptyDir, hostPath, projected...: the type is enough
    return out


_POD_SPEC_KEYS = (
    "nodeName",
    "serviceAccountName",
    "restartPolicy",
    "priorityClassName",
    "nodeSelector",
    "schedulerName",
)


def pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    out = pick(spec, _POD_SPEC_KEYS)
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if items:
            out[key] = [container(c) for c in items]
    volumes = spec.get("volumes")
    if volumes:
        out["volumes"] = [_volume(v) for v in volumes]
    return out


def template(tpl: Mapping[str, Any] | None) -> dict[str, Any]:
    """A workload's pod template: labels and the redacted pod spec."""
    tpl = tpl or {}
    return compact(
        {
            "metadata": compact({"labels": (tpl.get("metadata") or {}).get("labels")}),
            "spec": pod_spec(tpl.get("spec") or {}),
        }
    )


def trim_raw(obj: Raw) -> Raw:
    """The raw object minus what nobody reads (kept for detector rechecks only)."""
    m = obj.get("metadata")
    if isinstance(m, dict):
        m.pop("managedFields", None)
        ann = m.get("annotations")
        if isinstance(ann, dict):
            ann.pop(LAST_APPLIED, None)
    return obj
