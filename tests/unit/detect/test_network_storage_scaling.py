from __future__ import annotations

import pytest

from agent.detect.context import IndexContext
from agent.detect.registry import detect
from shared.domain.findings import Severity
from tests.unit.detect.fixtures import NOW_MS, judge, load, pick, reasons

NET, STORAGE, HPA = "network.json", "storage.json", "hpa.json"


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("orders", ["NoReadyEndpoints"]),  # Endpoints: only notReadyAddresses
        ("payments", ["NoReadyEndpoints"]),  # EndpointSlice: ready=false
        ("catalog", ["NoReadyEndpoints"]),  # no endpoints object: judged from the pods
        ("ratings", []),  # its only pod became not ready 18 s ago
        ("db-headless", []),  # headless
        ("idle", []),  # selector matches no pod: scaled to zero
        ("front", []),  # one ready endpoint
        ("legacy-db", []),  # ExternalName
        ("manual", []),  # no selector
    ],
)
def test_no_ready_endpoints_only_for_selecting_non_headless_services(
    service: str, expected: list[str]
) -> None:
    assert reasons(judge(NET, "Service", service)) == expected


def test_no_ready_endpoints_is_critical_and_counts_matching_pods() -> None:
    [finding] = judge(NET, "Service", "orders")
    assert finding.severity is Severity.CRITICAL
    assert finding.attrs["matching_pods"] == "2"


def test_terminating_pods_do_not_count_as_a_service_backend() -> None:
    objects = load(NET)
    pod = pick(objects, "Pod", "catalog-5d8f7c6b9-d4")
    pod["metadata"]["deletionTimestamp"] = "2024-05-01T11:59:00Z"
    others = [(k, o) for k, o in objects if o["metadata"]["name"] != pod["metadata"]["name"]]
    ctx = IndexContext.from_objects([*others, ("Pod", pod)])
    assert detect("Service", pick(objects, "Service", "catalog"), now=NOW_MS, ctx=ctx) == []


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("PersistentVolumeClaim", "data-stuck", ["PVCPending"]),
        ("PersistentVolumeClaim", "data-new", []),
        ("PersistentVolumeClaim", "data-lost", ["PVCLost"]),
        ("PersistentVolumeClaim", "data-wffc", []),  # waits for its first consumer
        ("PersistentVolumeClaim", "data-wffc-selected", ["PVCPending"]),
        ("PersistentVolumeClaim", "data-db-0", []),
        ("PersistentVolume", "pvc-5e6f7a8b", ["PVFailed"]),
        ("PersistentVolume", "pvc-0a1b2c3d", []),
    ],
)
def test_storage_rules(kind: str, name: str, expected: list[str]) -> None:
    assert reasons(judge(STORAGE, kind, name)) == expected


def test_pvc_lost_is_critical() -> None:
    [finding] = judge(STORAGE, "PersistentVolumeClaim", "data-lost")
    assert finding.severity is Severity.CRITICAL
    assert finding.attrs["volume"] == "pvc-9f8e7d6c"


@pytest.mark.parametrize(
    ("hpa", "expected"),
    [
        ("api", ["HPAAtMax"]),  # limited for 20 min
        ("web", []),  # limited for 2 min: a spike
        ("checkout", ["HPAUnableToScale"]),
        ("idle", []),  # ScalingDisabled: target scaled to zero on purpose
        ("cart", []),
    ],
)
def test_hpa_rules(hpa: str, expected: list[str]) -> None:
    assert reasons(judge(HPA, "HorizontalPodAutoscaler", hpa)) == expected


def test_hpa_finding_is_owned_by_its_scale_target() -> None:
    [finding] = judge(HPA, "HorizontalPodAutoscaler", "checkout")
    assert finding.owner is not None
    assert (finding.owner.kind, finding.owner.name) == ("Deployment", "checkout")
    assert finding.attrs["condition_reason"] == "FailedGetResourceMetric"
