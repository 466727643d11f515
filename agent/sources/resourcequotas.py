"""ResourceQuota source (core/v1): hard limits and usage; warning when any resource is used up."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def _exhausted(hard: dict[str, str], used: dict[str, str]) -> bool:
    # Quantities can be "10", "500m", "1Gi": compare only the identical-string case and
    # plain integers; full quantity maths belongs to the detectors if a rule needs it.
    for name, limit in hard.items():
        cur = used.get(name)
        if cur is None:
            continue
        if cur == limit and limit not in ("0", "0m"):
            return True
        if cur.isdigit() and limit.isdigit() and int(cur) >= int(limit) > 0:
            return True
    return False


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    hard = status.get("hard") or spec.get("hard") or {}
    used = status.get("used") or {}
    body = {
        "metadata": meta(obj),
        "spec": compact({"hard": spec.get("hard"), "scopes": spec.get("scopes")}),
        "status": compact({"hard": hard, "used": used}),
    }
    return Projection(body, "warning" if _exhausted(hard, used) else "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["resourcequotas"],
    project=project,
)
