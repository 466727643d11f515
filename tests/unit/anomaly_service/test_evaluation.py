"""The anomaly service's pure parts: pools, noisy-neighbour signals per pool, and offering only
what changed (everything on a cluster's first pass, a resolution for a node that went away)."""

from __future__ import annotations

from master.anomaly_service.evaluation import Changes, node_signals
from master.anomaly_service.pools import pool_of

T0 = 1_780_000_000_000
QUIET = {f"n{i}": 20.0 + i for i in range(6)}


def test_a_node_s_pool_comes_from_the_installers_labels_then_its_role() -> None:
    assert pool_of({"eks.amazonaws.com/nodegroup": "gpu", "agentpool": "x"}) == "gpu"
    assert pool_of({"lookout.io/pool": "edge", "karpenter.sh/nodepool": "k"}) == "edge"
    assert pool_of({"node-role.kubernetes.io/control-plane": ""}) == "control-plane"
    assert pool_of({"kubernetes.io/hostname": "n1"}) == "default"


def test_one_hot_node_among_quiet_peers_is_a_noisy_neighbour_with_its_reason_in_words() -> None:
    signals = node_signals("edge", {**QUIET, "n3": 97.0}, {}, at_ms=T0)
    active = [s for s in signals if s.active]
    assert [s.labels["name"] for s in active] == ["n3"]
    (hot,) = active
    assert hot.labels["reason"] == "NoisyNeighbour" and hot.labels["statistical"] == "true"
    assert hot.labels["cluster"] == "edge" and hot.labels["kind"] == "Node"
    assert "node n3 at 97 % CPU" in hot.annotations["summary"]
    assert "pool 'default'" in hot.annotations["summary"]
    assert len(signals) == 6  # every node is evaluated: the quiet ones resolve what they had


def test_a_busy_node_in_another_pool_is_not_compared_with_this_one() -> None:
    pools = {n: "general" for n in QUIET} | {"gpu-0": "gpu"}
    signals = node_signals("edge", {**QUIET, "gpu-0": 97.0}, pools, at_ms=T0)
    assert not any(s.active for s in signals)  # alone in its pool: no peers to stand out from


def test_quiet_peers_raise_nothing() -> None:
    assert not any(s.active for s in node_signals("edge", QUIET, {}, at_ms=T0))


def test_only_changes_are_offered_after_a_cluster_s_first_pass() -> None:
    changes = Changes()
    hot = {**QUIET, "n3": 97.0}
    first = changes.changed(
        node_signals("edge", QUIET, {}, at_ms=T0), scope=("edge", "nodes"), at_ms=T0
    )
    assert len(first) == 6 and not any(s.active for s in first)  # all, to resolve stale ones
    again = changes.changed(
        node_signals("edge", QUIET, {}, at_ms=T0), scope=("edge", "nodes"), at_ms=T0
    )
    assert again == []
    fired = changes.changed(
        node_signals("edge", hot, {}, at_ms=T0 + 1), scope=("edge", "nodes"), at_ms=T0
    )
    assert [(s.labels["name"], s.active) for s in fired] == [("n3", True)]
    other = changes.changed(
        node_signals("core", QUIET, {}, at_ms=T0), scope=("core", "nodes"), at_ms=T0
    )
    assert len(other) == 6  # another cluster's first pass; edge's alert untouched
    gone = {n: v for n, v in hot.items() if n != "n3"}
    after = changes.changed(
        node_signals("edge", gone, {}, at_ms=T0 + 2), scope=("edge", "nodes"), at_ms=T0 + 2
    )
    assert [(s.labels["name"], s.active, s.at_ms) for s in after] == [("n3", False, T0 + 2)]
    assert (
        changes.changed(
            node_signals("edge", gone, {}, at_ms=T0 + 3), scope=("edge", "nodes"), at_ms=T0 + 3
        )
        == []
    )
