"""Kubernetes label selectors (``matchLabels`` + ``matchExpressions``) as a pure predicate.

Owns matching only; set-based parsing of selector *strings* (``a in (b)``) is not needed
because detectors only see selectors as JSON."""

from __future__ import annotations

from collections.abc import Mapping

from agent.detect.objects import LabelSelector


def matches(labels: Mapping[str, str], selector: LabelSelector) -> bool:
    """True when ``labels`` satisfy ``selector``. An empty selector matches nothing here:
    a workload or Service always has one, and matching everything would be a wrong guess."""
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for req in expressions:
        key, op, values = req.get("key", ""), req.get("operator", ""), req.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True
