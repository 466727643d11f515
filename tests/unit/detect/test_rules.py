from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from agent.detect.context import IndexContext
from agent.detect.errors import MalformedObject
from agent.detect.making import fingerprint
from agent.detect.registry import DETECTORS, detect
from agent.detect.rules import RULES
from agent.detect.settings import DEFAULT_EVENT_REASONS, DetectSettings
from shared.domain.findings import Severity
from shared.domain.refs import ObjectRef
from tests.unit.detect.fixtures import FIXTURES, NOW, NOW_MS, load, pick

ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.json"))
REPO = Path(__file__).resolve().parents[3]


def all_findings(
    settings: DetectSettings | None = None, fixtures: list[str] = ALL_FIXTURES
) -> list[tuple[str, str]]:
    out = []
    for name in fixtures:
        objects = load(name)
        ctx = IndexContext.from_objects(objects)
        for kind, obj in objects:
            for f in detect(kind, obj, now=NOW_MS, ctx=ctx, settings=settings or DetectSettings()):
                out.append((f.reason, f.fingerprint))
    return out


def test_every_rule_gate_names_a_setting() -> None:
    fields = DetectSettings.model_fields
    for reason, rule in RULES.items():
        assert not rule.gate or rule.gate in fields, reason


def test_every_default_event_reason_has_a_rule_row() -> None:
    assert set(DEFAULT_EVENT_REASONS) <= RULES.keys()


def test_every_rule_fires_on_some_fixture_except_history_based_ones() -> None:
    fired = {reason for reason, _ in all_findings()}
    assert fired <= RULES.keys()
    assert RULES.keys() - fired == {"RestartStorm"}  # needs restart history: test_pods covers it


def test_every_setting_is_documented() -> None:
    for name, field in DetectSettings.model_fields.items():
        assert field.description, name


def test_detectors_table_covers_the_issue_kinds() -> None:
    assert {
        "Pod",
        "Node",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Service",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "HorizontalPodAutoscaler",
        "Event",
    } == DETECTORS.keys()


def test_fingerprints_are_stable_across_processes_and_hash_seeds() -> None:
    """The same objects give the same findings in another process: nothing in a fingerprint
    may hang on dict/set order under hash randomisation, the clock or object identity."""
    here = all_findings()
    assert len(here) >= 20  # the fixtures fire: an empty list would agree with itself
    script = (
        "import orjson, sys\n"
        "from tests.unit.detect.test_rules import all_findings\n"
        "sys.stdout.buffer.write(orjson.dumps(all_findings()))\n"
    )
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, check=True
        )
        assert [tuple(x) for x in orjson.loads(out.stdout)] == here, f"PYTHONHASHSEED={seed}"


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_fingerprints_are_unique_per_condition(fixture: str) -> None:
    fingerprints = [fp for _, fp in all_findings(fixtures=[fixture])]
    assert len(set(fingerprints)) == len(fingerprints)


def test_fingerprint_ignores_uid_and_is_pinned() -> None:
    a = ObjectRef("Pod", "shop", "api-0", uid="1111")
    b = ObjectRef("Pod", "shop", "api-0", uid="2222")
    assert fingerprint("CrashLoopBackOff", a, container="app") == fingerprint(
        "CrashLoopBackOff", b, container="app"
    )
    assert fingerprint("CrashLoopBackOff", a, container="app") != fingerprint(
        "CrashLoopBackOff", a, container="sidecar"
    )
    assert fingerprint("Evicted", a) != fingerprint("Evicted", a, origin="Event")
    # Pinned: changing the identity recipe would re-open every active finding after an upgrade.
    recipe = "\x1f".join(["1", "", "CrashLoopBackOff", "Pod", "shop", "api-0", "app"])
    expected = hashlib.sha256(recipe.encode()).hexdigest()[:32]
    assert fingerprint("CrashLoopBackOff", a, container="app") == expected


def test_recreated_pod_with_same_name_keeps_its_fingerprint() -> None:
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-imagepull")
    [before] = detect("Pod", pod, now=NOW_MS)
    pod["metadata"]["uid"] = "a-new-uid"
    [after] = detect("Pod", pod, now=NOW_MS)
    assert before.fingerprint == after.fingerprint
    assert before.subject.uid != after.subject.uid


def test_severity_override_and_disabled_reason_come_from_settings() -> None:
    node = pick(load("nodes.json"), "Node", "worker-cordoned")
    [cordoned] = detect(
        "Node",
        node,
        now=NOW_MS,
        settings=DetectSettings(severity_overrides={"Cordoned": "warning"}),
    )
    assert cordoned.severity is Severity.WARNING
    assert (
        detect(
            "Node",
            node,
            now=NOW_MS,
            settings=DetectSettings(disabled_reasons=frozenset({"Cordoned"})),
        )
        == []
    )


def test_now_as_aware_datetime_equals_epoch_ms_and_naive_is_refused() -> None:
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-notready")
    other_zone = NOW.astimezone(timezone(timedelta(hours=5)))
    assert detect("Pod", pod, now=other_zone) == detect("Pod", pod, now=NOW_MS)
    with pytest.raises(ValueError, match="timezone-aware"):
        detect("Pod", pod, now=datetime(2024, 5, 1, 12, 0))


def test_wrong_field_types_raise_malformed_object_naming_the_object() -> None:
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "d"}, "status": "Running"}
    with pytest.raises(MalformedObject, match="Pod d/p"):
        detect("Pod", pod, now=NOW_MS)


def test_unknown_kinds_have_no_findings() -> None:
    assert detect("ConfigMap", {"metadata": {"name": "x"}}, now=NOW_MS) == []
