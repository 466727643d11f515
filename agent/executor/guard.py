"""The write guard: every write a command sends to the Kubernetes API is checked here against
what that command type may change, so no command, whatever its params or a bug in it, can
turn into "rewrite this workload" (a privileged pod template with a host mount is one patch).

Per command (``WRITES``), the one shape of write it may send:

    restart_pod, delete_pod  DELETE of the target pod
    scale                    merge patch {"spec": {"replicas": n}} of the target's scale
    rollout_restart          strategic patch of the template's restartedAt annotation alone
    set_image                JSON patch: replace one container's image (by index, after a
                             test of that container's name)
    set_resources            strategic patch of one container (by name) whose only other key
                             is ``resources`` with cpu/memory limits and requests alone
    rollback                 JSON patch: replace the template with one whose securityContext,
                             volumes, host namespaces, host ports and service account equal
                             the current template's (``template_changes``)
    cordon, uncordon         merge patch {"spec": {"unschedulable": true|null}} of the node
    drain                    that, and Eviction POSTs of pods
    describe, pod_logs       no write at all

A write outside its command's shape is refused before it is sent (``forbidden_by_policy``).
Pure: a ``Write`` in, a reason or None out; the executor's ``CommandKube`` (``context``) calls
it. Deliberately does not own which commands or namespaces are allowed (``policy``) or which
images (``images``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from agent.executor.client import JSON_PATCH, MERGE, STRATEGIC
from shared import quantities
from shared.commands.params import RESOURCE_NAMES

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
READS = frozenset({"GET", "HEAD"})

# Pod spec fields that decide what a pod may do to its node and to the API: a command never
# changes them (only ``rollback`` writes a whole template, and only one that keeps them).
POD_FIELDS = (
    "securityContext",
    "volumes",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "shareProcessNamespace",
)
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
CONTAINER_FIELDS = ("securityContext", "volumeMounts", "volumeDevices")

_IMAGE_PATH = re.compile(r"^/spec/template/spec/containers/(\d+)/image$")
_NAME_PATH = re.compile(r"^/spec/template/spec/containers/(\d+)/name$")
_EVICTION = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction$")


@dataclass(frozen=True, slots=True)
class Write:
    """One API call a command is about to make. ``target`` is the object path of the command's
    target; ``current`` the target as this command last read it (None if it did not)."""

    method: str
    path: str
    content_type: str
    body: Any
    target: str
    current: dict[str, Any] | None = None


Check = Callable[[Write], str | None]


def write_refusal(command: str, write: Write) -> str | None:
    """Why ``command`` may not send ``write``; None when it may. Reads always may."""
    if write.method.upper() in READS:
        return None
    check = WRITES.get(command)
    if check is None:
        return f"{command} never writes to the Kubernetes API"
    why = check(write)
    return None if why is None else f"{command} may not send this write: {why}"


# -- the shapes -------------------------------------------------------------------------------


def _patch_of(w: Write, *, content_type: str, path: str) -> str | None:
    if w.method.upper() != "PATCH":
        return f"{w.method} is not a patch"
    if w.path != path:
        return f"it writes {w.path}, not {path}"
    if w.content_type != content_type:
        return f"a {w.content_type} patch where {content_type} is expected"
    return None


def _delete_target(w: Write) -> str | None:
    if w.method.upper() != "DELETE" or w.path != w.target or w.body is not None:
        return f"only a DELETE of {w.target} is allowed"
    return None


def _replicas(w: Write) -> str | None:
    if why := _patch_of(w, content_type=MERGE, path=w.target + "/scale"):
        return why
    replicas = _only(w.body, "spec", "replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        return 'the patch must be exactly {"spec": {"replicas": <int>}}'
    return None


def _restart_annotation(w: Write) -> str | None:
    if why := _patch_of(w, content_type=STRATEGIC, path=w.target):
        return why
    if not isinstance(
        _only(w.body, "spec", "template", "metadata", "annotations", RESTARTED_AT), str
    ):
        return f"the patch may set only the template annotation {RESTARTED_AT}"
    return None


def _one_image(w: Write) -> str | None:
    if why := _patch_of(w, content_type=JSON_PATCH, path=w.target):
        return why
    ops = w.body if isinstance(w.body, list) else []
    replaced, tested = [], []
    for op in ops:
        if not isinstance(op, dict) or set(op) != {"op", "path", "value"}:
            return "every operation must be {op, path, value}"
        if op["op"] == "test" and (m := _NAME_PATH.match(str(op["path"]))):
            tested.append(m.group(1))
        elif op["op"] == "replace" and (m := _IMAGE_PATH.match(str(op["path"]))):
            if not isinstance(op["value"], str):
                return "an image must be a string"
            replaced.append(m.group(1))
        else:
            return f"operation {op['op']} {op['path']} touches more than one container's image"
    if len(replaced) != 1 or tested != replaced:
        return "exactly one container image must be replaced, after a test of that container's name"
    return None


def _one_container_resources(w: Write) -> str | None:
    if why := _patch_of(w, content_type=STRATEGIC, path=w.target):
        return why
    containers = _only(w.body, "spec", "template", "spec", "containers")
    shape = "the patch may set only one container's cpu/memory limits and requests"
    if not isinstance(containers, list) or len(containers) != 1:
        return shape
    [container] = containers
    if not isinstance(container, dict) or set(container) != {"name", "resources"}:
        return shape
    res = container["resources"]
    if not isinstance(container["name"], str) or not isinstance(res, dict) or not res:
        return shape
    if set(res) - {"limits", "requests"}:
        return shape
    for amounts in res.values():
        if not isinstance(amounts, dict) or not amounts or set(amounts) - set(RESOURCE_NAMES):
            return shape
        for text in amounts.values():
            if not isinstance(text, str) or _not_an_amount(text):
                return f"{text!r} is not a quantity to set"
    return None


def _not_an_amount(text: str) -> bool:
    try:
        return quantities.parse(text) < 0
    except quantities.QuantityError:
        return True


def _template_from_history(w: Write) -> str | None:
    if why := _patch_of(w, content_type=JSON_PATCH, path=w.target):
        return why
    ops = w.body if isinstance(w.body, list) else []
    if len(ops) != 1 or not isinstance(ops[0], dict) or set(ops[0]) != {"op", "path", "value"}:
        return "the patch must be one replace of /spec/template"
    op = ops[0]
    if op["op"] != "replace" or op["path"] != "/spec/template" or not isinstance(op["value"], dict):
        return "the patch must be one replace of /spec/template"
    if w.current is None:
        return "the current template was not read first, so the change cannot be checked"
    before = (w.current.get("spec") or {}).get("template") or {}
    changed = template_changes(before, op["value"])
    if changed:
        return "it would change the pod template's " + ", ".join(changed)
    return None


def _unschedulable(w: Write) -> str | None:
    if why := _patch_of(w, content_type=MERGE, path=w.target):
        return why
    if not _exactly(w.body, "spec", "unschedulable") or _only(
        w.body, "spec", "unschedulable"
    ) not in (True, None):
        return 'the patch must be exactly {"spec": {"unschedulable": true|null}}'
    return None


def _drain(w: Write) -> str | None:
    if w.method.upper() == "PATCH":
        return _unschedulable(w)
    m = _EVICTION.match(w.path)
    if w.method.upper() != "POST" or m is None:
        return "a drain only cordons its node and posts evictions"
    body = w.body if isinstance(w.body, dict) else {}
    meta = body.get("metadata") or {}
    options = body.get("deleteOptions") or {}
    if (
        body.get("kind") != "Eviction"
        or set(body) - {"apiVersion", "kind", "metadata", "deleteOptions"}
        or (meta.get("namespace"), meta.get("name")) != m.groups()
        or set(meta) - {"namespace", "name"}
        or set(options) - {"gracePeriodSeconds", "dryRun"}
    ):
        return "an eviction body must name the pod of its path and carry only grace/dry-run"
    return None


WRITES: dict[str, Check] = {
    "restart_pod": _delete_target,
    "delete_pod": _delete_target,
    "scale": _replicas,
    "rollout_restart": _restart_annotation,
    "set_image": _one_image,
    "set_resources": _one_container_resources,
    "rollback": _template_from_history,
    "cordon": _unschedulable,
    "uncordon": _unschedulable,
    "drain": _drain,
}


# -- template comparison ----------------------------------------------------------------------


def template_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The guarded fields (``POD_FIELDS``, and per container ``CONTAINER_FIELDS`` and host
    ports) in which pod template ``after`` differs from ``before``; unset, empty and false
    count as the same."""
    old, new = before.get("spec") or {}, after.get("spec") or {}
    out = [f for f in POD_FIELDS if _norm(old.get(f)) != _norm(new.get(f))]
    old_c, new_c = dict(_containers(old)), dict(_containers(new))
    for name in sorted(set(old_c) | set(new_c)):
        a, b = old_c.get(name, {}), new_c.get(name, {})
        for f in CONTAINER_FIELDS:
            if _norm(a.get(f)) != _norm(b.get(f)):
                out.append(f"container {name!r} {f}")
        if _host_ports(a) != _host_ports(b):
            out.append(f"container {name!r} hostPort")
    return out


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in CONTAINER_LISTS:
        for c in spec.get(key) or ():
            if isinstance(c, dict):
                yield f"{key}/{c.get('name')}", c


def _host_ports(container: dict[str, Any]) -> list[Any]:
    return sorted(
        (str(p.get("hostPort")), str(p.get("hostIP") or ""))
        for p in container.get("ports") or ()
        if isinstance(p, dict) and p.get("hostPort")
    )


def _norm(value: Any) -> Any:
    return None if value in (None, False, "", [], {}) else value


def _only(body: Any, *keys: str) -> Any:
    """``body[k1][k2]…`` when every level holds exactly that one key, else None."""
    for key in keys:
        if not isinstance(body, dict) or set(body) != {key}:
            return None
        body = body[key]
    return body


def _exactly(body: Any, *keys: str) -> bool:
    for key in keys:
        if not isinstance(body, dict) or set(body) != {key}:
            return False
        body = body[key]
    return True
