"""ConfigMap source (core/v1): names and keys only -- values stay in the cluster.

Values are configuration, often large and sometimes sensitive despite the kind; knowing which
keys exist is enough to debug a "key not found" mount error.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    body = {
        "metadata": meta(obj),
        "keys": sorted(obj.get("data") or {}),
        "binaryKeys": sorted(obj.get("binaryData") or {}),
        "immutable": obj.get("immutable"),
    }
    return Projection(compact(body), "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["configmaps"],
    project=project,
)
