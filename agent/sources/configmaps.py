"""ConfigMap source (core/v1): names and keys only -- values stay in the cluster.

Values are configuration, often large and sometimes sensitive despite the kind; knowing which
keys exist is enough to debug a "key not found" mount error.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta


def project(obj: Raw) -> Projection:
    body = {
        "metadata": meta(obj),
        "keys": sorted(obj.get("data") or {}),
        "binaryKeys": sorted(obj.get("binaryData") or {}),
        "immutable": obj.get("immutable"),
    }
    return Projection(compact(body), "ok")


SPEC = SourceSpec(
    kind="ConfigMap",
    group="",
    version="v1",
    plural="configmaps",
    namespaced=True,
    project=project,
)
