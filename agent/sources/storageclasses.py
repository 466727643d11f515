"""StorageClass source (storage.k8s.io/v1): provisioner and binding mode.

Watched because a PVC that waits for its first consumer (``WaitForFirstConsumer``) is Pending
by design; the PVCPending detector looks the class up to stay quiet about it.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    body = {
        "metadata": meta(obj),
        "provisioner": obj.get("provisioner"),
        "reclaimPolicy": obj.get("reclaimPolicy"),
        "volumeBindingMode": obj.get("volumeBindingMode"),
        "allowVolumeExpansion": obj.get("allowVolumeExpansion"),
    }
    return Projection(compact(body), "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["storageclasses.storage.k8s.io"],
    project=project,
)
