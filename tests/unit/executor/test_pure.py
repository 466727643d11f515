"""The executor's pure parts: drain planning and describe redaction."""

from __future__ import annotations

from typing import Any

from agent.executor.commands.drain import plan
from agent.redaction import LAST_APPLIED, REDACTED, redact_object


def pod(name: str, *, owner: str | None = "ReplicaSet", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "annotations": {}}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "o", "controller": True}]
    meta["annotations"].update(extra.pop("annotations", {}))
    return {"metadata": meta, "spec": extra.pop("spec", {}), "status": extra.pop("status", {})}


def test_drain_plan_skips_daemonset_and_mirror_pods_and_refuses_unsafe_ones() -> None:
    pods = [
        pod("web"),
        pod("ds", owner="DaemonSet"),
        pod("static", owner=None, annotations={"kubernetes.io/config.mirror": "x"}),
        pod("bare", owner=None),
        pod("cache", spec={"volumes": [{"name": "tmp", "emptyDir": {}}]}),
        pod("done", owner=None, status={"phase": "Succeeded"}),
    ]
    p = plan(pods, delete_emptydir=False)
    assert [x["metadata"]["name"] for x in p.evict] == ["web", "done"]
    assert [s["pod"] for s in p.skipped] == ["ns/ds", "ns/static"]
    assert {r["pod"]: r["reason"] for r in p.refused} == {
        "ns/bare": "not managed by a controller",
        "ns/cache": "uses emptyDir local storage",
    }
    assert [x["metadata"]["name"] for x in plan(pods, delete_emptydir=True).evict] == [
        "web",
        "cache",
        "done",
    ]


def test_redaction_removes_env_values_secret_data_and_managed_fields() -> None:
    deployment = {
        "kind": "Deployment",
        "metadata": {"managedFields": [{}], "annotations": {LAST_APPLIED: "{...}", "keep": "1"}},
        "spec": {"template": {"spec": {"containers": [
            {"name": "a", "env": [{"name": "P", "value": "s3cret"},
                                  {"name": "R", "valueFrom": {"secretKeyRef": {"name": "x"}}}]},
        ]}}},
    }  # fmt: skip
    out = redact_object(deployment)
    assert "managedFields" not in out["metadata"]
    assert out["metadata"]["annotations"] == {"keep": "1"}
    env = out["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [
        {"name": "P", "value": REDACTED},
        {"name": "R", "valueFrom": {"secretKeyRef": {"name": "x"}}},
    ]
    assert deployment["metadata"]["managedFields"] == [{}]  # the input is untouched
    secret = redact_object({"kind": "Secret", "metadata": {}, "data": {"k": "dg=="}})
    assert secret["data"] == {"k": REDACTED}
