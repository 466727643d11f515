"""Redaction for ``describe``: the same promise as snapshots (ARCHITECTURE decision 3).

Removes ``managedFields`` and the last-applied annotation, Secret values (keys kept, so the
operator sees what exists) and container env values (names and ``valueFrom`` refs kept).
Pure: takes a raw object, returns a redacted copy."""

from __future__ import annotations

import copy
from typing import Any

REDACTED = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def redact(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    meta = out.get("metadata") or {}
    meta.pop("managedFields", None)
    (meta.get("annotations") or {}).pop(LAST_APPLIED, None)
    if out.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(out.get(key), dict):
                out[key] = dict.fromkeys(out[key], REDACTED)
    for pod_spec in _pod_specs(out):
        for field in _CONTAINER_LISTS:
            for c in pod_spec.get(field) or ():
                for env in c.get("env") or ():
                    if "value" in env:
                        env["value"] = REDACTED
    return out


def _pod_specs(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    found = []
    if obj.get("kind") == "Pod":
        found.append(spec)
    template = (spec.get("template") or {}).get("spec")
    if isinstance(template, dict):
        found.append(template)
    job_template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    if isinstance(job_template.get("spec"), dict):
        found.append(job_template["spec"])
    return found
