"""The error-budget policy, pure: which commands an exhausted SLO holds back."""

from __future__ import annotations

from typing import Any

from master.slo.definitions import Slo
from master.slo_service.policy import Held, holding, risky

SLO = Slo(name="web", cluster="c", namespace="shop", service="web", objective=0.999)
MIRROR: dict[tuple[str, str, str], dict[str, Any]] = {
    ("Service", "shop", "web"): {"spec": {"selector": {"app": "web"}}},
    ("Deployment", "shop", "web"): {
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web", "v": "2"}}}}
    },
    ("Deployment", "shop", "batch"): {
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "batch"}}}}
    },
}


def lookup(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    return MIRROR.get((kind, namespace, name))


def held(cmd: str, params: dict[str, Any], *, name: str = "web", left: float = -0.5) -> list[Held]:
    return holding(
        [SLO],
        {"web": left},
        cluster="c",
        kind="Deployment",
        namespace="shop",
        name=name,
        cmd_type=cmd,
        params=params,
        lookup=lookup,
    )


def test_a_new_image_or_fewer_replicas_behind_an_exhausted_slo_is_held() -> None:
    assert held("set_image", {"container": "web", "image": "web:3"}) == [Held("web", -0.5)]
    assert held("scale", {"replicas": 2}) == [Held("web", -0.5)]


def test_scaling_up_restarts_and_other_workloads_are_not() -> None:
    assert held("scale", {"replicas": 5}) == []
    assert held("restart_rollout", {}) == []
    assert held("set_image", {"container": "b", "image": "b:2"}, name="batch") == []


def test_a_budget_left_holds_nothing() -> None:
    assert held("set_image", {"container": "web", "image": "web:3"}, left=0.2) == []


def test_a_scale_with_an_unknown_count_counts_as_risky() -> None:
    assert risky("scale", {"replicas": 4}, None)
    assert not risky("scale", {"replicas": 4}, {"spec": {"replicas": 3}})
