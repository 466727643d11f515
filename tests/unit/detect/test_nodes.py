from __future__ import annotations

import pytest

from shared.domain.findings import Severity
from tests.unit.detect.fixtures import judge, reasons

NODES = "nodes.json"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("worker-notready", ["NodeNotReady"]),
        ("worker-unknown", ["NodeNotReady"]),
        ("worker-pressure", ["DiskPressure", "MemoryPressure", "PIDPressure"]),
        ("worker-nonet", ["NetworkUnavailable"]),
        ("worker-cordoned", ["Cordoned"]),
        ("worker-ok", []),
    ],
)
def test_each_node_rule_fires_on_its_fixture(node: str, expected: list[str]) -> None:
    assert reasons(judge(NODES, "Node", node)) == expected


def test_node_not_ready_is_critical_and_names_the_status() -> None:
    [finding] = judge(NODES, "Node", "worker-unknown")
    assert finding.severity is Severity.CRITICAL
    assert finding.attrs["status"] == "Unknown"
    assert finding.node == "worker-unknown"
    assert finding.subject.namespace == ""


def test_cordoned_is_info_and_dates_from_the_taint() -> None:
    [finding] = judge(NODES, "Node", "worker-cordoned")
    assert finding.severity is Severity.INFO
    assert finding.first_seen_ms < finding.last_seen_ms
