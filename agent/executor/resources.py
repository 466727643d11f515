"""The pure core of ``set_resources``: a container's current limits and requests, what they
become once the params are merged in, whether that is a change, whether a request ends above
its limit, and the one patch that writes it.

The master validates the params alone; only the agent sees the container, so only it can
tell that ``requests.memory: 1Gi`` is above the limit already there. Quantities compare by
value (``1Gi`` equals ``1024Mi``: no change, no rollout). Deliberately does no I/O
(``commands.set_resources``) and does not decide what a write may look like (``guard``)."""

from __future__ import annotations

from typing import Any

from shared import quantities
from shared.commands.params import RESOURCE_NAMES, SetResourcesParams

Amounts = dict[str, dict[str, str]]  # {"limits": {"memory": "256Mi"}, "requests": {...}}
FIELDS = ("limits", "requests")


def current(container: dict[str, Any]) -> Amounts:
    """The container's limits and requests (every resource, not only the settable ones)."""
    res = container.get("resources") or {}
    return {f: {str(k): str(v) for k, v in (res.get(f) or {}).items()} for f in FIELDS}


def merged(before: Amounts, params: SetResourcesParams) -> Amounts:
    """``before`` with the params' values in place; resources the params leave out stay."""
    return {
        "limits": {**before["limits"], **(params.limits or {})},
        "requests": {**before["requests"], **(params.requests or {})},
    }


def changed(before: Amounts, after: Amounts) -> bool:
    return any(_values(before[f]) != _values(after[f]) for f in FIELDS)


def above_limit(after: Amounts) -> list[str]:
    """One sentence per settable resource whose request exceeds its limit (the API server
    would refuse the template, or worse a later pod; the agent refuses before writing)."""
    out = []
    for name in RESOURCE_NAMES:
        limit, request = after["limits"].get(name), after["requests"].get(name)
        if limit is None or request is None:
            continue
        if quantities.parse(request) > quantities.parse(limit):
            out.append(f"the {name} request {request} would be above its limit {limit}")
    return out


def patch(params: SetResourcesParams) -> dict[str, Any]:
    """The strategic merge patch of one container's resources: the container is matched by
    name (no index that a concurrent edit could shift) and only the named values are sent,
    so the rest of its resources stays as it is."""
    sets = {"limits": params.limits, "requests": params.requests}
    body = {"name": params.container, "resources": {f: dict(v) for f, v in sets.items() if v}}
    return {"spec": {"template": {"spec": {"containers": [body]}}}}


def _values(amounts: dict[str, str]) -> dict[str, Any]:
    """By value for quantities; a string that is not one (never written by us) as it is."""
    out: dict[str, Any] = {}
    for name, text in amounts.items():
        try:
            out[name] = quantities.parse(text)
        except quantities.QuantityError:
            out[name] = text
    return out
