"""Secret source (core/v1): names, type and key names only -- never values. Disabled unless
``secrets_enabled`` (reading Secrets needs an RBAC grant many operators refuse)."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    m = meta(obj)
    # Annotations of Secrets can hold copies of the data (service-account tokens used to,
    # some tools still do); keep only their names.
    if "annotations" in m:
        m["annotations"] = {k: "" for k in m["annotations"]}
    body = {
        "metadata": m,
        "type": obj.get("type"),
        "keys": sorted({*(obj.get("data") or {}), *(obj.get("stringData") or {})}),
        "immutable": obj.get("immutable"),
    }
    return Projection(compact(body), "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["secrets"],
    project=project,
    enabled_by_default=False,
)
