"""Storage rules: PVCPending (longer than a threshold), PVCLost, PVFailed.

Owns judging one PersistentVolumeClaim or PersistentVolume. A Pending claim whose
StorageClass binds on first consumer (``WaitForFirstConsumer``) is normal until a pod is
scheduled with it (the scheduler then sets the selected-node annotation), so it is skipped
while that annotation is absent — when the StorageClass is in the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agent.detect.making import Scope, subject_of
from agent.detect.objects import PersistentVolume, PersistentVolumeClaim, StorageClass
from agent.detect.times import parse_ms
from shared.domain.findings import Finding

SELECTED_NODE = "volume.kubernetes.io/selected-node"


def detect_pvc(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    pvc = cast(PersistentVolumeClaim, obj)
    meta, spec, status = pvc.get("metadata") or {}, pvc.get("spec") or {}, pvc.get("status") or {}
    rep = scope.reporter(subject_of("PersistentVolumeClaim", meta))
    phase = status.get("phase", "")
    volume = spec.get("volumeName", "")
    if phase == "Lost":
        rep.add("PVCLost", f"claim lost its volume {volume}".rstrip(), attrs={"volume": volume})
    elif phase == "Pending" and not _waits_for_consumer(pvc, scope):
        since = parse_ms(meta.get("creationTimestamp"))
        if scope.held(since, scope.settings.pvc_pending_after_s):
            sc = spec.get("storageClassName", "")
            rep.add(
                "PVCPending",
                "claim pending" + (f" (storage class {sc})" if sc else ""),
                since_ms=since,
                attrs={"storage_class": sc},
            )
    return rep.findings


def _waits_for_consumer(pvc: PersistentVolumeClaim, scope: Scope) -> bool:
    meta = pvc.get("metadata") or {}
    if SELECTED_NODE in (meta.get("annotations") or {}):
        return False
    name = (pvc.get("spec") or {}).get("storageClassName", "")
    sc = scope.ctx.get("StorageClass", "", name) if name else None
    mode = cast(StorageClass, sc).get("volumeBindingMode") if sc is not None else None
    return mode == "WaitForFirstConsumer"


def detect_pv(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    pv = cast(PersistentVolume, obj)
    meta, status = pv.get("metadata") or {}, pv.get("status") or {}
    rep = scope.reporter(subject_of("PersistentVolume", meta))
    if status.get("phase") == "Failed":
        claim = (pv.get("spec") or {}).get("claimRef") or {}
        detail = status.get("message") or status.get("reason") or "reclaim failed"
        rep.add(
            "PVFailed",
            f"volume failed: {detail}",
            attrs={"claim": f"{claim.get('namespace', '')}/{claim.get('name', '')}".strip("/")},
        )
    return rep.findings
