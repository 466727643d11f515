"""Rechecks of held Services: a quiet Service is re-judged only when its pods or endpoints
changed or a pending NoReadyEndpoints comes due — and it still fires and resolves on time."""

from __future__ import annotations

from typing import Any

import pytest

from agent.detect import registry
from agent.detect.settings import DetectSettings
from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from agent.sources import pods, services
from agent.sources.pipeline import Pipeline
from agent.sources.settings import SourcesSettings
from shared.domain.journal import FindingBatch

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in ms
MINUTE = 60_000


def _pod(name: str, *, ready: bool, app: str = "web") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"u-{name}",
            "labels": {"app": app},
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"containers": [{"name": "main", "image": "x"}]},
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ],
        },
    }


def _service(name: str = "web") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"u-{name}"},
        "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1", "selector": {"app": name}},
    }


def _pipeline() -> tuple[Pipeline, Outbox]:
    outbox = Outbox(max_records=1_000)
    p = Pipeline(
        settings=SourcesSettings(),
        detect_settings=DetectSettings(),
        mirror=Mirror(),
        outbox=outbox,
    )
    return p, outbox


def _no_ready(outbox: Outbox) -> list[bool]:
    """The NoReadyEndpoints records journaled so far: False = opened, True = resolved."""
    out: list[bool] = []
    for rec in outbox.after(0, 10_000):
        assert isinstance(rec.body, FindingBatch)
        out += [f.resolved for f in rec.body.findings if f.reason == "NoReadyEndpoints"]
    return out


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the Services the detector judged (the detector table is the seam)."""
    names: list[str] = []
    detector = registry.DETECTORS["Service"]

    def counting(obj: Any, scope: Any) -> Any:
        names.append(obj["metadata"]["name"])
        return detector(obj, scope)

    monkeypatch.setitem(registry.DETECTORS, "Service", counting)
    return names


def test_a_quiet_service_is_not_rejudged_while_its_pods_stand_still(judged: list[str]) -> None:
    p, _ = _pipeline()
    p.admit(pods.SPEC, _pod("web-0", ready=True), T0)
    p.admit(pods.SPEC, _pod("other-0", ready=True, app="other"), T0)
    p.admit(services.SPEC, _service("web"), T0)
    p.admit(services.SPEC, _service("other"), T0)
    assert judged == ["web", "other"]
    p.recheck(T0 + MINUTE)
    assert judged == ["web", "other"]
    p.admit(pods.SPEC, _pod("web-0", ready=False), T0 + MINUTE)  # a status change
    p.recheck(T0 + 2 * MINUTE)
    assert judged == ["web", "other", "web"]


def test_a_pending_no_ready_endpoints_fires_when_due_without_any_change() -> None:
    p, outbox = _pipeline()
    p.admit(pods.SPEC, _pod("web-0", ready=False), T0 + 1_000)
    p.admit(services.SPEC, _service(), T0 + 1_000)
    p.recheck(T0 + 2_000)  # pending: not yet a minute without ready endpoints
    assert _no_ready(outbox) == []
    p.recheck(T0 + 61_000)
    assert _no_ready(outbox) == [False]


def test_pods_turning_unready_and_ready_again_are_noticed_by_the_next_rechecks() -> None:
    p, outbox = _pipeline()
    p.admit(pods.SPEC, _pod("web-0", ready=True), T0)
    p.admit(services.SPEC, _service(), T0)
    p.recheck(T0 + MINUTE)
    p.admit(pods.SPEC, _pod("web-0", ready=False), T0 + 2 * MINUTE)
    p.recheck(T0 + 10 * MINUTE)  # the Ready condition changed at T0: long held by now
    assert _no_ready(outbox) == [False]
    p.admit(pods.SPEC, _pod("web-0", ready=True), T0 + 11 * MINUTE)
    p.recheck(T0 + 12 * MINUTE)
    assert _no_ready(outbox) == [False, True]


def test_a_new_matching_pod_and_a_deleted_one_are_inputs_of_the_service() -> None:
    p, outbox = _pipeline()
    p.admit(services.SPEC, _service(), T0)  # no pods: nothing to judge
    p.recheck(T0 + MINUTE)
    p.admit(pods.SPEC, _pod("web-0", ready=False), T0 + MINUTE)
    p.recheck(T0 + 10 * MINUTE)
    assert _no_ready(outbox) == [False]
    p.forget("Pod", "default", "web-0", T0 + 11 * MINUTE)
    p.recheck(T0 + 12 * MINUTE)  # no matching pod left: scaled to zero is not an outage
    assert _no_ready(outbox) == [False, True]
