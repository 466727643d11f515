"""Which sources run, and which namespaces pass."""

from __future__ import annotations

import pytest

from agent.sources.filters import NamespaceFilter
from agent.sources.registry import SOURCES, enabled_sources
from agent.sources.settings import SourcesSettings


def test_every_issue_kind_has_a_source() -> None:
    kinds = {spec.kind for spec in SOURCES.values()}
    assert kinds >= {
        "Pod", "Node", "Namespace", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
        "Job", "CronJob", "Service", "EndpointSlice", "Ingress", "Event",
        "PersistentVolumeClaim", "PersistentVolume", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "ConfigMap", "Secret", "ResourceQuota",
    }  # fmt: skip


def test_secrets_and_the_second_event_api_are_off_by_default() -> None:
    chosen = enabled_sources(SourcesSettings())
    assert "Secret" not in chosen
    assert "events.k8s.io/Event" not in chosen
    assert chosen["Event"].api.group == ""


def test_secrets_enabled_switch_turns_secrets_on() -> None:
    assert "Secret" in enabled_sources(SourcesSettings(secrets_enabled=True))


def test_enabling_events_v1_replaces_the_core_event_source() -> None:
    chosen = enabled_sources(SourcesSettings(kinds_enabled=["events.k8s.io/Event"]))
    assert [n for n, s in chosen.items() if s.kind == "Event"] == ["events.k8s.io/Event"]


def test_disabled_kinds_are_not_watched() -> None:
    chosen = enabled_sources(SourcesSettings(kinds_disabled=["ConfigMap", "Event"]))
    assert "ConfigMap" not in chosen
    assert "Event" not in chosen


def test_unknown_source_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown source names"):
        enabled_sources(SourcesSettings(kinds_disabled=["Pods"]))


def test_a_namespace_cannot_be_both_included_and_excluded() -> None:
    with pytest.raises(ValueError, match="both included and excluded"):
        SourcesSettings(namespaces_include=["a"], namespaces_exclude=["a"])


def test_namespace_filter_rules() -> None:
    f = NamespaceFilter(include=frozenset({"a", "b"}), exclude=frozenset({"c"}))
    assert f.allows("Pod", "a", "p")
    assert not f.allows("Pod", "z", "p")
    assert f.allows("Node", "", "n1")  # cluster-scoped kinds always pass
    assert f.allows("Namespace", "", "b")
    assert not f.allows("Namespace", "", "z")
    g = NamespaceFilter(exclude=frozenset({"c"}))
    assert g.allows("Pod", "z", "p")
    assert not g.allows("Pod", "c", "p")
    assert not g.allows("Namespace", "", "c")


def test_included_namespaces_get_one_watch_each_for_namespaced_kinds() -> None:
    f = NamespaceFilter(include=frozenset({"b", "a"}))
    assert f.scopes(namespaced=True) == ["a", "b"]
    assert f.scopes(namespaced=False) == [None]
    assert NamespaceFilter().scopes(namespaced=True) == [None]


def test_paths_follow_the_api_layout() -> None:
    assert SOURCES["Pod"].path() == "/api/v1/pods"
    assert SOURCES["Pod"].path("ns") == "/api/v1/namespaces/ns/pods"
    assert SOURCES["Node"].path("ns") == "/api/v1/nodes"
    assert SOURCES["Deployment"].path("x") == "/apis/apps/v1/namespaces/x/deployments"
