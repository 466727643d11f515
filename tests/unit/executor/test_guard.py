"""The write guard: each command may send only its one shape of write. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from agent.executor.client import JSON_PATCH, MERGE, STRATEGIC
from agent.executor.guard import RESTARTED_AT, WRITES, Write, template_changes, write_refusal
from shared.commands.catalogue import CATALOGUE

DEP = "/apis/apps/v1/namespaces/shop/deployments/web"
NODE = "/api/v1/nodes/n1"
POD = "/api/v1/namespaces/shop/pods/web-1"


def template(**spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "app", "image": "registry.local/web:1"}])
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers, **spec}}


CURRENT = {"metadata": {"name": "web"}, "spec": {"template": template()}}


def w(method: str, path: str, body: Any = None, ctype: str = "", **kw: Any) -> Write:
    return Write(method, path, ctype, body, kw.pop("target", DEP), kw.pop("current", CURRENT))


def image_patch(index: int = 0, name: str = "app", image: str = "registry.local/web:2") -> Any:
    base = f"/spec/template/spec/containers/{index}"
    return [
        {"op": "test", "path": f"{base}/name", "value": name},
        {"op": "replace", "path": f"{base}/image", "value": image},
    ]


def resources_patch(resources: Any, name: str = "app", **extra: Any) -> Any:
    container = {"name": name, "resources": resources, **extra}
    return {"spec": {"template": {"spec": {"containers": [container]}}}}


ALLOWED = [
    ("scale", w("PATCH", DEP + "/scale", {"spec": {"replicas": 3}}, MERGE)),
    ("rollout_restart", w("PATCH", DEP, {"spec": {"template": {"metadata": {
        "annotations": {RESTARTED_AT: "2026-01-01T00:00:00Z"}}}}}, STRATEGIC)),
    ("set_image", w("PATCH", DEP, image_patch(), JSON_PATCH)),
    ("set_image", w("PATCH", DEP, image_patch(2, "sidecar"), JSON_PATCH)),
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"memory": "512Mi"}}),
                        STRATEGIC)),
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"cpu": "1", "memory": "1Gi"},
                        "requests": {"cpu": "0", "memory": "256Mi"}}, "sidecar"), STRATEGIC)),
    ("rollback", w("PATCH", DEP, [{"op": "replace", "path": "/spec/template",
                                   "value": template(containers=[
                                       {"name": "app", "image": "registry.local/web:0"}])}],
                   JSON_PATCH)),
    ("cordon", w("PATCH", NODE, {"spec": {"unschedulable": True}}, MERGE, target=NODE)),
    ("uncordon", w("PATCH", NODE, {"spec": {"unschedulable": None}}, MERGE, target=NODE)),
    ("drain", w("PATCH", NODE, {"spec": {"unschedulable": True}}, MERGE, target=NODE)),
    ("drain", w("POST", "/api/v1/namespaces/kube-system/pods/dns-1/eviction", {
        "apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": "dns-1", "namespace": "kube-system"},
        "deleteOptions": {"gracePeriodSeconds": 5}}, target=NODE)),
    ("restart_pod", w("DELETE", POD, target=POD)),
    ("delete_pod", w("DELETE", POD, target=POD)),
    ("describe", w("GET", DEP)),
    ("pod_logs", w("GET", POD + "/log", target=POD)),
]  # fmt: skip


@pytest.mark.parametrize(("command", "write"), ALLOWED)
def test_each_command_may_send_its_own_write(command: str, write: Write) -> None:
    assert write_refusal(command, write) is None


REFUSED = [
    # set_image: anything but one container's image
    ("set_image", w("PATCH", DEP, {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "x", "securityContext": {"privileged": True}}]}}}}, STRATEGIC),
     "a application/strategic-merge-patch+json patch"),
    ("set_image", w("PATCH", DEP, [*image_patch(), {"op": "add",
     "path": "/spec/template/spec/hostNetwork", "value": True}], JSON_PATCH),
     "touches more than one container's image"),
    ("set_image", w("PATCH", DEP, [image_patch()[1]], JSON_PATCH), "after a test"),
    ("set_image", w("PATCH", DEP, image_patch() + image_patch(1, "b"), JSON_PATCH),
     "exactly one container image"),
    ("set_image", w("PATCH", DEP, [{"op": "replace",
     "path": "/spec/template/spec/containers/0/securityContext", "value": {}}], JSON_PATCH),
     "touches more than one container's image"),
    ("set_image", w("PATCH", "/apis/apps/v1/namespaces/kube-system/daemonsets/proxy",
                    image_patch(), JSON_PATCH), "it writes /apis/apps/v1/namespaces/kube-system"),
    # set_resources: one container's cpu/memory limits and requests, nothing else
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"memory": "1Gi"}},
     securityContext={"privileged": True}), STRATEGIC), "only one container's cpu/memory"),
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"nvidia.com/gpu": "8"}}),
                        STRATEGIC), "only one container's cpu/memory"),
    ("set_resources", w("PATCH", DEP, resources_patch({"claims": [{"name": "gpu"}]}),
                        STRATEGIC), "only one container's cpu/memory"),
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"memory": "-1Gi"}}),
                        STRATEGIC), "'-1Gi' is not a quantity to set"),
    ("set_resources", w("PATCH", DEP, resources_patch({"limits": {"memory": "lots"}}),
                        STRATEGIC), "'lots' is not a quantity to set"),
    ("set_resources", w("PATCH", DEP, {"spec": {"template": {"spec": {"containers": [
        {"name": "a", "resources": {"limits": {"cpu": "1"}}},
        {"name": "b", "resources": {"limits": {"cpu": "1"}}}]}}}}, STRATEGIC),
     "only one container's cpu/memory"),
    ("set_resources", w("PATCH", DEP, {"spec": {"replicas": 9, "template": {"spec": {
        "containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}}}}, STRATEGIC),
     "only one container's cpu/memory"),
    ("set_resources", w("PATCH", DEP, [{"op": "replace",
     "path": "/spec/template/spec/containers/0/resources", "value": {}}], JSON_PATCH),
     "a application/json-patch+json patch"),
    # rollout_restart: the annotation alone
    ("rollout_restart", w("PATCH", DEP, {"spec": {"template": {"metadata": {"annotations": {
        RESTARTED_AT: "now"}}, "spec": {"hostPID": True}}}}, STRATEGIC), "restartedAt"),
    ("rollout_restart", w("PATCH", DEP, {"spec": {"template": {"metadata": {"annotations": {
        RESTARTED_AT: "now", "other": "x"}}}}}, STRATEGIC), "restartedAt"),
    # scale: replicas alone, on the scale subresource
    ("scale", w("PATCH", DEP, {"spec": {"replicas": 3}}, MERGE), "it writes"),
    ("scale", w("PATCH", DEP + "/scale", {"spec": {"replicas": True}}, MERGE), "<int>"),
    ("scale", w("PATCH", DEP + "/scale", {"spec": {"replicas": 1, "x": 1}}, MERGE), "<int>"),
    # nodes
    ("cordon", w("PATCH", NODE, {"spec": {"unschedulable": True, "taints": []}}, MERGE,
                 target=NODE), "unschedulable"),
    ("cordon", w("PATCH", NODE, {"metadata": {"labels": {"x": "y"}}}, MERGE, target=NODE),
     "unschedulable"),
    ("drain", w("DELETE", POD, target=NODE), "only cordons its node and posts evictions"),
    ("drain", w("POST", "/api/v1/namespaces/a/pods/p/eviction", {"kind": "Eviction",
     "metadata": {"name": "other", "namespace": "a"}}, target=NODE), "name the pod of its path"),
    # deletes of the target only; reads never write
    ("restart_pod", w("DELETE", "/api/v1/namespaces/shop/pods/other", target=POD),
     "only a DELETE of"),
    ("delete_pod", w("PATCH", POD, {}, MERGE, target=POD), "only a DELETE of"),
    ("describe", w("PATCH", DEP, {}, MERGE), "describe never writes"),
    ("pod_logs", w("DELETE", POD, target=POD), "pod_logs never writes"),
    ("unknown", w("PUT", DEP, {}), "unknown never writes"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "write", "text"), REFUSED)
def test_any_other_write_is_refused_with_the_reason(command: str, write: Write, text: str) -> None:
    why = write_refusal(command, write)
    assert why is not None and text in why, why


def rollback(new_template: dict[str, Any], current: dict[str, Any] | None = CURRENT) -> Write:
    body = [{"op": "replace", "path": "/spec/template", "value": new_template}]
    return w("PATCH", DEP, body, JSON_PATCH, current=current)


PRIVILEGED = [
    {"name": "app", "image": "registry.local/web:0", "securityContext": {"privileged": True}}
]


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (template(containers=PRIVILEGED), "container 'containers/app' securityContext"),
        (template(volumes=[{"name": "root", "hostPath": {"path": "/"}}]), "volumes"),
        (template(hostNetwork=True), "hostNetwork"),
        (template(hostPID=True), "hostPID"),
        (template(hostIPC=True), "hostIPC"),
        (template(serviceAccountName="cluster-admin-sa"), "serviceAccountName"),
        (template(securityContext={"runAsUser": 0}), "securityContext"),
        (template(containers=[{"name": "app", "image": "x"},
                              {"name": "sneak", "image": "x", "securityContext": {
                                  "capabilities": {"add": ["SYS_ADMIN"]}}}]),
         "container 'containers/sneak' securityContext"),
        (template(initContainers=[{"name": "i", "image": "x",
                                   "volumeMounts": [{"name": "root", "mountPath": "/h"}]}]),
         "container 'initContainers/i' volumeMounts"),
        (template(containers=[{"name": "app", "image": "x",
                               "ports": [{"containerPort": 80, "hostPort": 80}]}]),
         "container 'containers/app' hostPort"),
    ],
)  # fmt: skip
def test_a_rollback_may_not_change_what_a_pod_may_do_to_its_node(
    new: dict[str, Any], field: str
) -> None:
    why = write_refusal("rollback", rollback(new))
    assert why is not None and f"would change the pod template's {field}" in why, why


def test_a_rollback_without_a_read_of_the_current_template_is_refused() -> None:
    why = write_refusal("rollback", rollback(template(), current=None))
    assert why is not None and "was not read first" in why


def test_template_comparison_treats_unset_empty_and_false_alike() -> None:
    before = template(securityContext={}, hostNetwork=False, volumes=[])
    after = template(containers=[{"name": "app", "image": "new", "securityContext": {}}])
    assert template_changes(before, after) == []
    # A new plain container is no escalation; it only differs in what the guard ignores.
    plus = template(containers=[{"name": "app", "image": "a"}, {"name": "b", "image": "b"}])
    assert template_changes(template(), plus) == []


def test_every_mutating_command_has_exactly_one_write_shape_and_reads_have_none() -> None:
    # A new command without a row would have every write refused at run time; a read command
    # with one could write. The catalogue decides which is which.
    mutating = {name for name, row in CATALOGUE.items() if row.mutating}
    assert set(WRITES) == mutating
