"""Whether a command's target is a well-formed Kubernetes object reference: a kind the command
takes, a namespace exactly when the kind is namespaced, and names that follow Kubernetes' rules.

The agent runs this on every command, whatever the master checked: a name with ``/`` or ``..``
must never reach a URL, and an empty namespace on a namespaced kind must never slip past the
namespace policy (an empty namespace means "all namespaces" to a list call). Pure. Deliberately
does not own policy (which namespaces are allowed) or the kind table (``shared.kinds``)."""

from __future__ import annotations

import re

from shared.domain.refs import ObjectRef
from shared.kinds import BY_KIND

# RFC 1123: a label (namespaces, container names) and a subdomain (most object names).
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MAX_LABEL = 63
MAX_SUBDOMAIN = 253


def is_label(value: str) -> bool:
    return len(value) <= MAX_LABEL and LABEL_RE.match(value) is not None


def is_subdomain(value: str) -> bool:
    return len(value) <= MAX_SUBDOMAIN and SUBDOMAIN_RE.match(value) is not None


def target_problem(command: str, target: ObjectRef, *, kinds: frozenset[str]) -> str | None:
    """Why ``target`` cannot be a target of ``command`` (which takes ``kinds``); None if it can."""
    if target.kind not in kinds or target.kind not in BY_KIND:
        return f"{command} cannot target a {target.kind}"
    namespaced = BY_KIND[target.kind].namespaced
    if namespaced and not target.namespace:
        return f"a {target.kind} target needs a namespace"
    if not namespaced and target.namespace:
        return f"a {target.kind} is cluster-scoped: the target must have no namespace"
    if target.namespace and not is_label(target.namespace):
        return f"target namespace {target.namespace!r} is not a valid Kubernetes namespace name"
    if not is_subdomain(target.name):
        return f"target name {target.name!r} is not a valid Kubernetes object name"
    return None
