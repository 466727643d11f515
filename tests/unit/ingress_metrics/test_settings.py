"""Ingress-metrics settings from the agent's environment: off by default with the three
controllers' selectors, JSON lists for fixed targets, unknown sources and a generic target
that names no metric refused at start-up, and the bad statuses reaching every source."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.ingress_metrics.settings import IngressMetricsSettings
from agent.settings import AgentSettings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("AGENT_CLUSTER_NAME", "edge")
    monkeypatch.setenv("AGENT_MASTER_ADDRESS", "master:7443")
    monkeypatch.setenv("AGENT_TOKEN", "t")
    return monkeypatch


def test_off_by_default_with_the_three_controllers_selectors(env: pytest.MonkeyPatch) -> None:
    s = AgentSettings().ingress_metrics  # type: ignore[call-arg]
    assert not s.enabled and s.interval_s == 15.0 and s.bad_statuses == ("5xx",)
    assert [(x.source, x.port) for x in s.selectors] == [
        ("ingress-nginx", 10254),
        ("traefik", 9100),
        ("envoy", 19001),
    ]


def test_fixed_targets_come_from_json_and_carry_the_bad_statuses(env: pytest.MonkeyPatch) -> None:
    env.setenv("AGENT_INGRESS_METRICS__ENABLED", "true")
    env.setenv("AGENT_INGRESS_METRICS__BAD_STATUSES", '["5xx", "429"]')
    env.setenv("AGENT_INGRESS_METRICS__TIMEOUT_S", "2")
    env.setenv(
        "AGENT_INGRESS_METRICS__TARGETS",
        '[{"name": "edge-caddy", "url": "http://10.0.0.9:2019/metrics", "source": "generic",'
        ' "histogram": "caddy_http_request_duration_seconds",'
        ' "labels": {"service": "server", "status": "code"}}]',
    )
    s = AgentSettings().ingress_metrics  # type: ignore[call-arg]
    [t] = s.static_targets()
    assert (t.name, t.source, t.timeout_s) == ("edge-caddy", "generic", 2.0)
    assert t.config.bad_statuses == ("5xx", "429")
    assert t.config.histogram == "caddy_http_request_duration_seconds"
    assert dict(t.config.labels) == {"service": "server", "status": "code"}


def test_an_unknown_source_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match=r"unknown source 'nginx'.*ingress-nginx"):
        IngressMetricsSettings.model_validate(
            {"selectors": [{"source": "nginx", "labels": {"a": "b"}, "port": 1}]}
        )


def test_a_generic_target_must_name_a_counter_or_histogram() -> None:
    with pytest.raises(ValidationError, match="generic needs a counter or a histogram"):
        IngressMetricsSettings.model_validate(
            {"targets": [{"name": "x", "url": "http://h/metrics", "source": "generic"}]}
        )


def test_duplicate_target_names_are_refused() -> None:
    t = {"name": "x", "url": "http://h/metrics", "source": "haproxy"}
    with pytest.raises(ValidationError, match="names must be unique"):
        IngressMetricsSettings.model_validate({"targets": [t, t]})
