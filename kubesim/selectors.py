"""Label and field selectors, parsed once per request into predicates over raw objects.

Owns: the selector grammar the API server accepts in ``labelSelector``/``fieldSelector``
query parameters (equality, inequality, set-based ``in``/``notin``, existence).
Does not own: which fields a kind supports (any dotted path is accepted here; the real server
is stricter, the agent only uses a few).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kubesim.errors import bad_request
from kubesim.kinds import Obj

Predicate = Callable[[Obj], bool]

_SET = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_CMP = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")


def _split(selector: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(selector):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return [p for p in parts if p.strip()]


def _term(term: str) -> Callable[[dict[str, str]], bool]:
    if m := _CMP.match(term):
        key, op, value = m.groups()
        negate = op == "!="
        return lambda labels: (labels.get(key) == value) != negate
    if m := _SET.match(term):
        neg, key, op, values = m.groups()
        if not op:
            absent = bool(neg)
            return lambda labels: (key in labels) != absent
        allowed = {v.strip() for v in values.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in allowed
        return lambda labels: labels.get(key) not in allowed
    raise bad_request(f"unable to parse requirement: {term!r}")


def label_matcher(selector: str) -> Callable[[dict[str, str]], bool]:
    tests = [_term(t) for t in _split(selector)]
    return lambda labels: all(t(labels) for t in tests)


def selector_from_match(selector: Obj | None) -> Callable[[dict[str, str]], bool]:
    """A LabelSelector object (matchLabels/matchExpressions) as a predicate over labels."""
    if not selector:
        return lambda labels: False  # an empty PDB/RS selector selects nothing here
    terms = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or ():
        op, key, values = expr["operator"], expr["key"], expr.get("values") or []
        if op in ("In", "NotIn"):
            terms.append(f"{key} {op.lower()} ({','.join(values)})")
        else:
            terms.append(key if op == "Exists" else f"!{key}")
    return label_matcher(",".join(terms))


def _field(obj: Obj, path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return "" if cur is None else str(cur)


def _field_test(path: str, op: str, value: str) -> Predicate:
    negate = op == "!="
    return lambda o: (_field(o, path) == value) != negate


def field_matcher(selector: str) -> Predicate:
    tests: list[Predicate] = []
    for term in _split(selector):
        m = _CMP.match(term)
        if not m:
            raise bad_request(f"invalid field selector: {term!r}")
        tests.append(_field_test(*m.groups()))
    return lambda o: all(t(o) for t in tests)


def request_matcher(label_selector: str, field_selector: str) -> Predicate | None:
    """Combined predicate for a list/watch request, or None when nothing is filtered."""
    checks: list[Predicate] = []
    if label_selector:
        labels = label_matcher(label_selector)
        checks.append(lambda o: labels(o["metadata"].get("labels") or {}))
    if field_selector:
        checks.append(field_matcher(field_selector))
    if not checks:
        return None
    return lambda o: all(c(o) for c in checks)
