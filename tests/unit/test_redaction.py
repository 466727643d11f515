"""The agent's one redaction policy (``agent.redaction``): the cases of both paths that use it —
the sources' projections and the executor's describe/pod_logs — run against the one module,
plus its free-text deny-list."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from agent import redaction
from agent.redaction import LAST_APPLIED, MAX_TEXT, REDACTED, redact_object, scrub
from agent.sources.registry import SOURCES

SECRET = "s3cr3t-VALUE-must-not-leak"


def _container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "app:1",
        "env": [
            {"name": "DB_PASSWORD", "value": SECRET},
            {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
        ],
    }


def _pod_spec() -> dict[str, Any]:
    return {
        "containers": [_container("main")],
        "initContainers": [_container("init")],
        "ephemeralContainers": [_container("debug")],
        "volumes": [
            {"name": "creds", "secret": {"secretName": "creds"}},
            {"name": "csi", "csi": {"driver": "d", "volumeAttributes": {"password": SECRET}}},
            {"name": "flex", "flexVolume": {"driver": "f", "options": {"token": SECRET}}},
        ],
    }


def _metadata(**annotations: str) -> dict[str, Any]:
    return {
        "name": "thing",
        "namespace": "ns",
        "uid": "u-1",
        "annotations": {LAST_APPLIED: f'{{"data": "{SECRET}"}}', "team": "a", **annotations},
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {SECRET: {}}}}],
    }


def _template() -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "a"}}, "spec": _pod_spec()}


# One object per kind whose secret-bearing places the policy names.
OBJECTS: dict[str, dict[str, Any]] = {
    "Pod": {"kind": "Pod", "metadata": _metadata(), "spec": _pod_spec()},
    "Deployment": {
        "kind": "Deployment",
        "metadata": _metadata(),
        "spec": {"template": _template()},
    },
    "CronJob": {
        "kind": "CronJob",
        "metadata": _metadata(),
        "spec": {"jobTemplate": {"spec": {"template": _template()}}},
    },
    "Secret": {
        "kind": "Secret",
        "metadata": _metadata(**{"kubernetes.io/service-account.token": SECRET}),
        "type": "Opaque",
        "data": {"password": SECRET},
        "stringData": {"token": SECRET},
    },
}

# The source of each kind (the Secret source is off by default but must redact when on).
SOURCE_OF = {spec.kind: spec for spec in SOURCES.values()}


# -- objects: both paths ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_no_path_lets_env_values_secret_data_managed_fields_or_last_applied_leave(
    kind: str,
) -> None:
    described = orjson.dumps(redact_object(OBJECTS[kind]))
    projected = orjson.dumps(SOURCE_OF[kind].project(OBJECTS[kind]).body)
    for out in (described, projected):
        assert SECRET.encode() not in out
        assert b"managedFields" not in out
        assert LAST_APPLIED.encode() not in out
        assert b'"team":"a"' in out or kind == "Secret"  # other annotations stay


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_neither_path_modifies_its_input(kind: str) -> None:
    obj = OBJECTS[kind]
    before = copy.deepcopy(obj)
    redact_object(obj)
    SOURCE_OF[kind].project(obj)
    assert obj == before


def test_env_entries_keep_names_and_value_from_and_mark_values_only_where_shown_whole() -> None:
    entries = _container("c")["env"]
    ref = {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}
    assert redaction.env(entries) == [{"name": "DB_PASSWORD"}, ref]
    assert redaction.env(entries, mark=True) == [{"name": "DB_PASSWORD", "value": REDACTED}, ref]
    described = redact_object(OBJECTS["CronJob"])
    pod_spec = described["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    for field in ("containers", "initContainers", "ephemeralContainers"):
        assert pod_spec[field][0]["env"] == [{"name": "DB_PASSWORD", "value": REDACTED}, ref]
    projected = SOURCE_OF["Pod"].project(OBJECTS["Pod"]).body
    assert projected["spec"]["containers"][0]["env"] == [{"name": "DB_PASSWORD"}, ref]
    assert projected["spec"]["initContainers"][0]["env"][0] == {"name": "DB_PASSWORD"}


def test_secret_values_leave_as_keys_only() -> None:
    described = redact_object(OBJECTS["Secret"])
    assert described["data"] == {"password": REDACTED}
    assert described["stringData"] == {"token": REDACTED}
    assert set(described["metadata"]["annotations"].values()) == {REDACTED}
    projected = SOURCE_OF["Secret"].project(OBJECTS["Secret"]).body
    assert projected["keys"] == ["password", "token"]


def test_volume_driver_settings_leave_as_keys_only() -> None:
    volumes = redact_object(OBJECTS["Pod"])["spec"]["volumes"]
    assert volumes[0] == {"name": "creds", "secret": {"secretName": "creds"}}
    assert volumes[1]["csi"] == {"driver": "d", "volumeAttributes": {"password": REDACTED}}
    assert volumes[2]["flexVolume"] == {"driver": "f", "options": {"token": REDACTED}}


def test_annotations_lose_last_applied_and_are_cut() -> None:
    ann = {LAST_APPLIED: "{}", "huge": "x" * 100_000, "team": "a"}
    out = redaction.trim_annotations(ann)
    assert set(out) == {"huge", "team"} and out["team"] == "a"
    assert len(out["huge"]) < MAX_TEXT + 40
    small = {"team": "a"}
    assert redaction.trim_annotations(small) == small


def test_strip_metadata_drops_managed_fields_and_last_applied_in_place() -> None:
    obj = OBJECTS["Pod"] | {"metadata": _metadata()}
    assert redaction.strip_metadata(obj) is obj
    assert "managedFields" not in obj["metadata"]
    assert obj["metadata"]["annotations"] == {"team": "a"}


# -- free text: the deny-list -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connecting with password=hunter2 now", f"connecting with password={REDACTED} now"),
        ("DB_PASSWORD: hunter2", f"DB_PASSWORD: {REDACTED}"),
        ('{"api_key": "abc123", "user": "bob"}', f'{{"api_key": "{REDACTED}", "user": "bob"}}'),
        ("client_secret='x9'", f"client_secret='{REDACTED}'"),
        ("X-Auth-Token: t0k3n", f"X-Auth-Token: {REDACTED}"),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
            f"Authorization: Bearer {REDACTED}",
        ),
        ("got bearer abcdefgh12345678 from cache", f"got bearer {REDACTED} from cache"),
        ("dial postgres://app:hunter2@db:5432/x", f"dial postgres://app:{REDACTED}@db:5432/x"),
        (
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nok",
            f"key:\n{REDACTED}\nok",
        ),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIE", f"cut {REDACTED}"),
    ],
)
def test_free_text_credentials_are_scrubbed(text: str, expected: str) -> None:
    assert scrub(text) == expected
    assert SECRET not in scrub(text.replace("hunter2", SECRET))


@pytest.mark.parametrize(
    "text",
    [
        "Scaled up replica set web-5d4f to 1",
        'MountVolume.SetUp failed for volume "secret-vol" : secret "creds" not found',
        "Back-off restarting failed container app in pod web-1",
        "Readiness probe failed: HTTP probe failed with statuscode: 500",
        "",
    ],
)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert scrub(text) is text


def test_projected_free_text_is_scrubbed_and_cut() -> None:
    assert redaction.free_text("password=hunter2") == f"password={REDACTED}"
    assert len(redaction.free_text("y" * 5000)) < MAX_TEXT + 40
    assert redaction.free_text(None) == ""
    event = SOURCE_OF["Event"].project(
        {"metadata": _metadata(), "type": "Warning", "message": f"login token={SECRET}"}
    )
    assert SECRET not in orjson.dumps(event.body).decode()
    node = SOURCE_OF["Node"].project(
        {
            "metadata": {"name": "n"},
            "status": {"conditions": [{"type": "Ready", "message": f"password={SECRET}"}]},
        }
    )
    assert SECRET not in orjson.dumps(node.body).decode()
