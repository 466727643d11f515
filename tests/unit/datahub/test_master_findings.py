"""Findings the master raises itself are held apart from the agent's, and listed with them."""

from __future__ import annotations

from master.datahub.cluster import ClusterState
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef


def _finding(fp: str) -> Finding:
    return Finding(fp, "R", Severity.WARNING, "c", ObjectRef("Cluster", name="edge"), "m", 1, 1)


def test_a_master_finding_is_listed_with_the_agents_but_kept_apart() -> None:
    state = ClusterState(name="edge")
    state.findings["agent-fp"] = _finding("agent-fp")
    state.hold_master_finding("master-fp", _finding("master-fp"))
    assert [f.fingerprint for f in state.active_findings()] == ["agent-fp", "master-fp"]
    assert "master-fp" not in state.findings  # what an agent's complete batch reconciles
    state.hold_master_finding("master-fp", None)
    assert [f.fingerprint for f in state.active_findings()] == ["agent-fp"]
