"""SetResourcesParams: what the master refuses (422) before a set_resources travels, and what
the agent refuses again from an untrusted master. Pure."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.commands.params import SetResourcesParams


def test_a_memory_limit_alone_is_a_valid_request() -> None:
    p = SetResourcesParams.model_validate({"container": "app", "limits": {"memory": "512Mi"}})
    assert (p.limits, p.requests) == ({"memory": "512Mi"}, None)


def test_limits_and_requests_of_cpu_and_memory_together_are_valid() -> None:
    p = SetResourcesParams.model_validate(
        {
            "container": "app",
            "limits": {"cpu": "1", "memory": "1Gi"},
            "requests": {"cpu": "0", "memory": "1024Mi"},  # equal to the limit by value
        }
    )
    assert p.requests == {"cpu": "0", "memory": "1024Mi"}


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"limits": {"ephemeral-storage": "1Gi"}}, "'ephemeral-storage' cannot be set"),
        ({"requests": {"nvidia.com/gpu": "1"}}, "'nvidia.com/gpu' cannot be set"),
        ({"limits": {"memory": "lots"}}, "'lots' is not a Kubernetes quantity"),
        ({"limits": {"memory": "-1Gi"}}, "limits.memory: '-1Gi' is negative"),
        ({"requests": {"cpu": "-100m"}}, "requests.cpu: '-100m' is negative"),
        ({"limits": {"memory": "0"}}, "limits.memory: '0' leaves the container no memory"),
        ({"requests": {"memory": "0Mi"}}, "requests.memory: '0Mi' leaves the container no"),
        ({"limits": {"cpu": "0m"}}, "limits.cpu: '0m' leaves the container no cpu"),
        ({"limits": {"memory": 512}}, "valid string"),
        ({}, "set at least one limit or request"),
        ({"limits": {}, "requests": None}, "set at least one limit or request"),
        (
            {"limits": {"memory": "256Mi"}, "requests": {"memory": "1Gi"}},
            "the memory request 1Gi is above its limit 256Mi",
        ),
        ({"limits": {"cpu": "1"}, "resize": True}, "Extra inputs are not permitted"),
    ],
)
def test_bad_params_are_refused_saying_what_is_wrong(params: dict[str, Any], text: str) -> None:
    with pytest.raises(ValidationError, match=text):
        SetResourcesParams.model_validate({"container": "app", **params})


@pytest.mark.parametrize("container", ["", "App", "a_b", "x" * 64])
def test_the_container_must_be_a_container_name(container: str) -> None:
    with pytest.raises(ValidationError):
        SetResourcesParams.model_validate({"container": container, "limits": {"cpu": "1"}})


def test_a_zero_cpu_request_is_allowed_as_kubernetes_allows_it() -> None:
    assert SetResourcesParams.model_validate({"container": "a", "requests": {"cpu": "0"}})
