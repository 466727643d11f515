"""The pure core of set_resources: current values, the merge, change by value, request above
limit and the patch. Pure."""

from __future__ import annotations

from typing import Any

from agent.executor import resources
from agent.executor.guard import Write, write_refusal
from shared.commands.params import SetResourcesParams

CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.local/web:1",
    "resources": {
        "limits": {"memory": "256Mi", "ephemeral-storage": "1Gi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    },
}


def params(**kw: Any) -> SetResourcesParams:
    return SetResourcesParams.model_validate({"container": "app", **kw})


def test_current_values_include_resources_the_command_cannot_set() -> None:
    assert resources.current(CONTAINER) == CONTAINER["resources"]


def test_a_container_without_resources_has_empty_limits_and_requests() -> None:
    assert resources.current({"name": "app"}) == {"limits": {}, "requests": {}}


def test_the_merge_replaces_the_named_values_and_keeps_the_rest() -> None:
    before = resources.current(CONTAINER)
    after = resources.merged(before, params(limits={"memory": "512Mi"}))
    assert after == {
        "limits": {"memory": "512Mi", "ephemeral-storage": "1Gi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert before["limits"]["memory"] == "256Mi"  # not changed in place
    assert resources.changed(before, after)


def test_the_same_amount_in_another_spelling_is_no_change() -> None:
    before = resources.current(CONTAINER)
    after = resources.merged(before, params(limits={"memory": "0.25Gi"}, requests={"cpu": "0.1"}))
    assert not resources.changed(before, after)


def test_a_request_above_the_current_limit_is_refused_by_name() -> None:
    after = resources.merged(resources.current(CONTAINER), params(requests={"memory": "1Gi"}))
    assert resources.above_limit(after) == ["the memory request 1Gi would be above its limit 256Mi"]


def test_a_limit_lowered_below_the_current_request_is_refused() -> None:
    after = resources.merged(resources.current(CONTAINER), params(limits={"memory": "64Mi"}))
    assert resources.above_limit(after) == [
        "the memory request 128Mi would be above its limit 64Mi"
    ]


def test_a_request_without_a_limit_fits_whatever_its_size() -> None:
    after = resources.merged(resources.current(CONTAINER), params(requests={"cpu": "64"}))
    assert resources.above_limit(after) == []


def test_the_patch_names_the_container_and_only_the_values_asked_for() -> None:
    body = resources.patch(params(limits={"memory": "512Mi"}))
    assert body == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "app", "resources": {"limits": {"memory": "512Mi"}}}]
                }
            }
        }
    }


def test_the_patch_is_the_one_write_the_guard_allows_set_resources() -> None:
    body = resources.patch(params(limits={"cpu": "2"}, requests={"cpu": "1", "memory": "1Gi"}))
    target = "/apis/apps/v1/namespaces/shop/deployments/web"
    write = Write("PATCH", target, "application/strategic-merge-patch+json", body, target)
    assert write_refusal("set_resources", write) is None
    assert write_refusal("set_image", write) is not None
