"""PATCH semantics: JSON merge patch, strategic merge patch, JSON patch.

Owns: applying a patch document to an object. Strategic merge is implemented for the list
fields Lookout and its tests patch (containers by name, conditions by type, ...); other lists
are replaced wholesale, which is what the real server does for lists without a merge key.
Does not own: deciding which fields a subresource may change (``http``).
"""

from __future__ import annotations

import copy
from typing import Any

from kubesim.errors import ApiError, bad_request

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# patchMergeKey of the list fields we care about (from the Kubernetes API types).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "conditions": "type",
    "containerStatuses": "name",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
}


def apply_patch(target: dict[str, Any], patch: Any, content_type: str) -> dict[str, Any]:
    ctype = content_type.split(";", 1)[0].strip()
    if ctype == JSON_PATCH:
        if not isinstance(patch, list):
            raise bad_request("json patch must be a list of operations")
        return json_patch(target, patch)
    if not isinstance(patch, dict):
        raise bad_request("patch body must be a JSON object")
    if ctype == MERGE_PATCH:
        result: dict[str, Any] = merge_patch(target, patch)
        return result
    if ctype == STRATEGIC:
        result = strategic_merge(target, patch)
        return result
    raise ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC}",
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    if isinstance(patch, list):
        merge_key = _MERGE_KEYS.get(field)
        if merge_key and isinstance(target, list):
            return _merge_list(target, patch, merge_key)
        return [p for p in copy.deepcopy(patch) if not _is_directive(p)]
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: v for k, v in copy.deepcopy(patch).items() if k != "$patch"}
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):  # $retainKeys, $setElementOrder/...: ordering hints only
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge(result.get(key), value, key)
    return result


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and "$patch" in item


def _merge_list(target: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    result = [copy.deepcopy(t) for t in target]
    index = {t.get(merge_key): i for i, t in enumerate(result) if isinstance(t, dict)}
    deleted: set[Any] = set()
    for item in patch:
        if not isinstance(item, dict):
            continue
        key = item.get(merge_key)
        if item.get("$patch") == "delete":
            deleted.add(key)
        elif key in index:
            result[index[key]] = strategic_merge(result[index[key]], item)
        else:
            result.append({k: v for k, v in item.items() if not k.startswith("$")})
    return [t for t in result if not (isinstance(t, dict) and t.get(merge_key) in deleted)]


def json_patch(target: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    """RFC 6902 add/remove/replace/test (copy/move are never sent by Lookout)."""
    doc: Any = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1] if parts else ""
        kind = op["op"]
        if kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op.get("value"):
                raise ApiError(422, "Invalid", f"test operation failed at {op['path']}")
        elif kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                parent[last] = op["value"]
        else:
            raise bad_request(f"unsupported json patch operation {kind!r}")
    if not isinstance(doc, dict):
        raise bad_request("json patch must leave an object")
    return doc
