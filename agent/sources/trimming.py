"""Projection helpers every kind shares: metadata, pod templates, conditions, and the raw form
kept for rechecks.

Owns the shared shape of projections: they are allow-lists (``pick``; an unknown field never
leaves the agent), empty values are dropped (``compact``), pod specs keep containers without env
values or probe details and volumes as their type and reference. What may leave of the places
that carry secrets (``managedFields``, last-applied, env values, free text) is the one policy of
``agent.redaction``, applied here. Does not own any kind's own fields (the kind modules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agent import redaction
from agent.redaction import free_text
from agent.sources.spec import Raw

# The policy's names the kind modules and their tests read here.
LAST_APPLIED = redaction.LAST_APPLIED
MAX_TEXT = redaction.MAX_TEXT

# Free text (messages for humans, from controllers and workloads): scrubbed and cut.
cap = free_text


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


trim_annotations = redaction.trim_annotations


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
    """Conditions as the API server wrote them (they are small), messages as free text."""
    out: list[Mapping[str, Any]] = []
    for c in items or ():
        message = c.get("message")
        if isinstance(message, str) and message:
            text = free_text(message)
            if text is not message:  # scrubbed or cut: the API server's dict is not changed
                c = {**pick(c, _CONDITION_KEYS), "message": text}  # noqa: PLW2901
        out.append(c)
    return out


def condition(items: Iterable[Mapping[str, Any]] | None, type_: str) -> Mapping[str, Any]:
    for c in items or ():
        if c.get("type") == type_:
            return c
    return {}


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
        out["env"] = redaction.env(env)
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
    """The raw object minus what nobody reads (kept in memory for detector rechecks only,
    never sent): ``managedFields`` and last-applied, in place."""
    return redaction.strip_metadata(obj)
