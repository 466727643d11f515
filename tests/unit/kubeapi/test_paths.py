"""REST paths built from rows of the kind table: prefix per group, scope, quoting, subresources."""

from __future__ import annotations

from agent.kubeapi.paths import collection_path, object_path
from shared.kinds import BY_RESOURCE, kind

PODS = BY_RESOURCE["pods"]
NODES = BY_RESOURCE["nodes"]
DEPLOYMENTS = BY_RESOURCE["deployments.apps"]
LEASES = BY_RESOURCE["leases.coordination.k8s.io"]


def test_collections_across_all_namespaces_or_one() -> None:
    assert collection_path(PODS) == "/api/v1/pods"
    assert collection_path(PODS, "") == "/api/v1/pods"
    assert collection_path(PODS, "shop") == "/api/v1/namespaces/shop/pods"
    assert collection_path(DEPLOYMENTS, "shop") == "/apis/apps/v1/namespaces/shop/deployments"
    assert collection_path(BY_RESOURCE["horizontalpodautoscalers.autoscaling"]) == (
        "/apis/autoscaling/v2/horizontalpodautoscalers"
    )


def test_a_cluster_scoped_kind_ignores_the_namespace() -> None:
    assert collection_path(NODES, "shop") == "/api/v1/nodes"
    assert object_path(NODES, "n1", namespace="shop") == "/api/v1/nodes/n1"


def test_objects_and_their_subresources() -> None:
    assert object_path(PODS, "web-0", namespace="shop") == "/api/v1/namespaces/shop/pods/web-0"
    assert object_path(PODS, "web-0", namespace="shop", sub="eviction") == (
        "/api/v1/namespaces/shop/pods/web-0/eviction"
    )
    assert object_path(kind("Deployment"), "web", namespace="shop", sub="scale") == (
        "/apis/apps/v1/namespaces/shop/deployments/web/scale"
    )
    assert object_path(LEASES, "lookout-agent", namespace="lookout") == (
        "/apis/coordination.k8s.io/v1/namespaces/lookout/leases/lookout-agent"
    )


def test_names_are_quoted_so_they_cannot_reach_another_path() -> None:
    assert object_path(PODS, "a/b", namespace="x y") == "/api/v1/namespaces/x%20y/pods/a%2Fb"
