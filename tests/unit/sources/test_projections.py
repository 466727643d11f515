"""Projections trim and redact at the source: what must never leave the agent, doesn't."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from agent.sources import configmaps, cronjobs, deployments, events, nodes, pods, secrets
from agent.sources.registry import SOURCES
from agent.sources.trimming import LAST_APPLIED, MAX_TEXT

SECRET = "s3cr3t-VALUE-must-not-leak"


def _container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "registry.local/app:1.0",
        "env": [
            {"name": "DB_PASSWORD", "value": SECRET},
            {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
        ],
        "envFrom": [{"secretRef": {"name": "bulk"}}],
    }


def _pod_spec() -> dict[str, Any]:
    return {
        "nodeName": "node-1",
        "containers": [_container("main")],
        "initContainers": [_container("init")],
        "volumes": [{"name": "creds", "secret": {"secretName": "creds", "items": [SECRET]}}],
    }


def _metadata() -> dict[str, Any]:
    return {
        "name": "thing",
        "namespace": "team-a",
        "uid": "u-1",
        "resourceVersion": "42",
        "labels": {"app": "thing"},
        "annotations": {LAST_APPLIED: f'{{"data": "{SECRET}"}}', "team": "a"},
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {SECRET: {}}}}],
        "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "uid": "u-0", "controller": True}],
    }


def poisoned() -> dict[str, Any]:
    """An object that carries the secret marker in every place a real kind might."""
    template = {"metadata": {"labels": {"app": "thing"}}, "spec": _pod_spec()}
    return {
        "apiVersion": "v1",
        "kind": "Thing",
        "metadata": _metadata(),
        "data": {"password": SECRET},
        "stringData": {"token": SECRET},
        "binaryData": {"blob": SECRET},
        "spec": {
            **_pod_spec(),
            "template": template,
            "jobTemplate": {"spec": {"template": template}},
            "csi": {"driver": "x", "volumeAttributes": {"password": SECRET}},
        },
        "status": {"phase": "Running"},
    }


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_source_lets_env_values_secret_data_or_managed_fields_leave(name: str) -> None:
    body = orjson.dumps(SOURCES[name].project(poisoned()).body)
    assert SECRET.encode() not in body
    assert b"managedFields" not in body
    assert LAST_APPLIED.encode() not in body


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_projection_does_not_modify_the_raw_object(name: str) -> None:
    obj = poisoned()
    before = copy.deepcopy(obj)
    SOURCES[name].project(obj)
    assert obj == before


def test_pod_keeps_env_names_and_value_from_references() -> None:
    body = pods.project({"metadata": _metadata(), "spec": _pod_spec()}).body
    env = body["spec"]["containers"][0]["env"]
    assert env == [
        {"name": "DB_PASSWORD"},
        {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
    ]
    assert body["spec"]["initContainers"][0]["env"][0] == {"name": "DB_PASSWORD"}
    assert body["spec"]["volumes"] == [{"name": "creds", "secret": {"secretName": "creds"}}]


def test_workload_templates_are_redacted_like_pods() -> None:
    tpl = {"metadata": {"labels": {"app": "a"}}, "spec": _pod_spec()}
    deploy = deployments.project({"metadata": _metadata(), "spec": {"template": tpl}}).body
    assert deploy["spec"]["template"]["spec"]["containers"][0]["env"][0] == {"name": "DB_PASSWORD"}
    cron = cronjobs.project(
        {"metadata": _metadata(), "spec": {"jobTemplate": {"spec": {"template": tpl}}}}
    ).body
    containers = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert containers[0]["env"][1]["valueFrom"]["secretKeyRef"]["key"] == "token"


def test_configmap_keeps_keys_not_values() -> None:
    body = configmaps.project(
        {"metadata": _metadata(), "data": {"b": SECRET, "a": "x"}, "binaryData": {"c": "eA=="}}
    ).body
    assert body["keys"] == ["a", "b"]
    assert body["binaryKeys"] == ["c"]


def test_secret_keeps_type_and_key_names_only() -> None:
    meta = _metadata()
    meta["annotations"]["kubernetes.io/service-account.token"] = SECRET
    body = secrets.project({"metadata": meta, "type": "Opaque", "data": {"password": SECRET}}).body
    assert body["type"] == "Opaque"
    assert body["keys"] == ["password"]
    assert body["metadata"]["annotations"]["kubernetes.io/service-account.token"] == ""
    assert SECRET.encode() not in orjson.dumps(body)


def test_owner_references_are_kept_slim() -> None:
    body = pods.project({"metadata": _metadata()}).body
    assert body["metadata"]["ownerReferences"] == [
        {"kind": "ReplicaSet", "name": "rs", "uid": "u-0", "controller": True}
    ]
    assert body["metadata"]["annotations"] == {"team": "a"}


def test_long_messages_and_annotations_are_capped() -> None:
    meta = _metadata()
    meta["annotations"]["huge"] = "x" * 100_000
    body = events.project({"metadata": meta, "message": "y" * 5000, "type": "Warning"}).body
    assert len(body["message"]) < MAX_TEXT + 40
    assert len(body["metadata"]["annotations"]["huge"]) < MAX_TEXT + 40


def test_node_drops_the_image_list() -> None:
    obj = {
        "metadata": {"name": "n1"},
        "status": {
            "images": [{"names": [f"img-{i}"], "sizeBytes": i} for i in range(300)],
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }
    proj = nodes.project(obj)
    assert "images" not in proj.body["status"]
    assert proj.health == "ok"


@pytest.mark.parametrize(
    ("status", "health"),
    [
        ({"phase": "Succeeded"}, "ok"),
        ({"phase": "Failed"}, "critical"),
        ({"phase": "Pending"}, "warning"),
        ({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}, "ok"),
        ({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}, "warning"),
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {"name": "m", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
                ],
            },
            "critical",
        ),
    ],
)
def test_pod_health_is_a_quick_judgement_of_status(status: dict[str, Any], health: str) -> None:
    assert pods.project({"metadata": {"name": "p"}, "status": status}).health == health


@pytest.mark.parametrize(
    ("ready", "pressure", "health"),
    [("True", "False", "ok"), ("True", "True", "warning"), ("Unknown", "False", "critical")],
)
def test_node_health_follows_ready_and_pressure(ready: str, pressure: str, health: str) -> None:
    obj = {
        "metadata": {"name": "n"},
        "status": {
            "conditions": [
                {"type": "Ready", "status": ready},
                {"type": "MemoryPressure", "status": pressure},
            ]
        },
    }
    assert nodes.project(obj).health == health


def test_events_v1_is_normalized_to_the_core_shape() -> None:
    obj = {
        "metadata": {"name": "e", "namespace": "ns"},
        "regarding": {"kind": "Pod", "name": "p", "namespace": "ns"},
        "note": "Back-off restarting failed container",
        "reason": "BackOff",
        "type": "Warning",
        "deprecatedCount": 7,
        "series": {"count": 3, "lastObservedTime": "2026-01-01T00:00:00.000000Z"},
    }
    core = events.from_events_v1(obj)
    body = events.project(core).body
    assert body["involvedObject"] == {"kind": "Pod", "name": "p", "namespace": "ns"}
    assert body["message"] == "Back-off restarting failed container"
    assert body["count"] == 7
    assert body["series"]["count"] == 3
