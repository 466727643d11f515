"""HorizontalPodAutoscaler rules (autoscaling/v2 conditions): HPAAtMax (limited at
maxReplicas while wanting more, for longer than a threshold) and HPAUnableToScale (AbleToScale
or ScalingActive False, except ScalingDisabled, which is a target scaled to zero on purpose).

Owns judging one HPA. autoscaling/v1 objects carry no conditions and are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agent.detect.making import Scope, subject_of
from agent.detect.objects import HorizontalPodAutoscaler
from agent.detect.times import parse_ms
from shared.domain.findings import Finding
from shared.domain.refs import ObjectRef


def detect_hpa(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    hpa = cast(HorizontalPodAutoscaler, obj)
    meta, spec, status = hpa.get("metadata") or {}, hpa.get("spec") or {}, hpa.get("status") or {}
    target = spec.get("scaleTargetRef") or {}
    owner = (
        ObjectRef(target.get("kind", ""), meta.get("namespace", ""), target.get("name", ""))
        if target.get("name")
        else None
    )
    rep = scope.reporter(subject_of("HorizontalPodAutoscaler", meta), owner=owner)
    conditions = {c.get("type", ""): c for c in status.get("conditions") or []}
    limited = conditions.get("ScalingLimited", {})
    if limited.get("status") == "True" and limited.get("reason") == "TooManyReplicas":
        since = parse_ms(limited.get("lastTransitionTime"))
        if scope.held(since, scope.settings.hpa_at_max_after_s):
            assert since is not None
            maximum = spec.get("maxReplicas", 0)
            rep.add(
                "HPAAtMax",
                f"at maxReplicas {maximum} and wants more",
                since_ms=since,
                attrs={
                    "max_replicas": str(maximum),
                    "current_replicas": str(status.get("currentReplicas", 0)),
                },
            )
    problems = [
        (kind, cond)
        for kind in ("AbleToScale", "ScalingActive")
        if (cond := conditions.get(kind, {})).get("status") == "False"
        and cond.get("reason") != "ScalingDisabled"
    ]
    if problems:
        kind, cond = problems[0]
        rep.add(
            "HPAUnableToScale",
            f"{kind}=False: {cond.get('reason', '')}: {cond.get('message', '')}".rstrip(": "),
            since_ms=parse_ms(cond.get("lastTransitionTime")),
            attrs={"condition": kind, "condition_reason": cond.get("reason", "")},
        )
    return rep.findings
