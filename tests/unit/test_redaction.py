"""The agent's one redaction policy (``agent.redaction``): the cases of both paths that use it —
the sources' projections and the executor's describe/pod_logs — run against the one module,
plus its free-text deny-list, and the two read commands run end to end on a fake API."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from agent import redaction
from agent.executor.commands import describe, pod_logs
from agent.executor.context import Ctx
from agent.executor.settings import PolicySettings
from agent.redaction import LAST_APPLIED, MAX_TEXT, REDACTED, redact_object, scrub
from agent.sources.registry import SOURCES
from shared.commands.params import NoParams, PodLogsParams
from shared.domain.refs import ObjectRef

SECRET = "s3cr3t-VALUE-must-not-leak"


def _container(name: str) -> dict[str, Any]:
    auth = [{"name": "Authorization", "value": f"Bearer {SECRET}"}]
    return {
        "name": name,
        "image": "app:1",
        "command": ["sh", "-c", f"curl -H 'Authorization: Bearer {SECRET}' http://x/"],
        "args": ["--db-password", SECRET, f"--token={SECRET}", "--port", "8080"],
        "env": [
            {"name": "DB_PASSWORD", "value": SECRET},
            {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
        ],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 80, "httpHeaders": auth}},
        "readinessProbe": {"exec": {"command": ["check", f"--password={SECRET}"]}},
        "startupProbe": {"httpGet": {"path": "/", "port": 80, "httpHeaders": auth}},
        "lifecycle": {"preStop": {"httpGet": {"path": "/stop", "port": 80, "httpHeaders": auth}}},
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
    "ConfigMap": {
        "kind": "ConfigMap",
        "metadata": _metadata(),
        "data": {"app.properties": f"db.password={SECRET}\n", "DSN": f"pg://u:{SECRET}@db/x"},
        "binaryData": {"blob": SECRET},
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


def test_configmap_values_never_leave_only_their_keys() -> None:
    described = redact_object(OBJECTS["ConfigMap"])
    assert described["data"] == {"app.properties": REDACTED, "DSN": REDACTED}
    assert described["binaryData"] == {"blob": REDACTED}
    projected = SOURCE_OF["ConfigMap"].project(OBJECTS["ConfigMap"]).body
    assert projected["keys"] == ["DSN", "app.properties"]


def test_command_lines_are_scrubbed_and_a_secret_flags_value_withheld() -> None:
    c = redact_object(OBJECTS["Pod"])["spec"]["containers"][0]
    assert c["args"] == ["--db-password", REDACTED, f"--token={REDACTED}", "--port", "8080"]
    assert c["command"] == ["sh", "-c", f"curl -H 'Authorization: Bearer {REDACTED}' http://x/"]
    assert c["readinessProbe"]["exec"]["command"] == ["check", f"--password={REDACTED}"]
    assert redaction.argv(["run", "--verbose", "x", 3]) == ["run", "--verbose", "x", 3]


def test_probe_and_hook_headers_keep_their_names_only() -> None:
    c = redact_object(OBJECTS["Deployment"])["spec"]["template"]["spec"]["containers"][0]
    withheld = [{"name": "Authorization", "value": REDACTED}]
    assert c["livenessProbe"]["httpGet"] == {
        "path": "/healthz",
        "port": 80,
        "httpHeaders": withheld,
    }
    assert c["startupProbe"]["httpGet"]["httpHeaders"] == withheld
    assert c["lifecycle"]["preStop"]["httpGet"]["httpHeaders"] == withheld


def test_described_annotations_follow_the_projection_rule_templates_included() -> None:
    deployment = copy.deepcopy(OBJECTS["Deployment"])
    deployment["metadata"]["annotations"]["huge"] = "x" * 100_000
    deployment["spec"]["template"]["metadata"]["annotations"] = {LAST_APPLIED: SECRET, "a": "b"}
    out = redact_object(deployment)
    assert len(out["metadata"]["annotations"]["huge"]) < MAX_TEXT + 40
    assert out["spec"]["template"]["metadata"]["annotations"] == {"a": "b"}
    cron = copy.deepcopy(OBJECTS["CronJob"])
    cron["spec"]["jobTemplate"]["metadata"] = {"annotations": {LAST_APPLIED: SECRET}}
    assert SECRET.encode() not in orjson.dumps(redact_object(cron))


def test_described_status_messages_are_scrubbed() -> None:
    pod = copy.deepcopy(OBJECTS["Pod"])
    pod["status"] = {
        "message": f"evicted: token={SECRET}",
        "conditions": [{"type": "Ready", "message": f"password={SECRET}"}],
        "containerStatuses": [
            {"name": "main", "lastState": {"terminated": {"message": f"api_key: {SECRET}"}}}
        ],
    }
    out = redact_object(pod)
    assert SECRET.encode() not in orjson.dumps(out)
    assert out["status"]["conditions"][0] == {"type": "Ready", "message": f"password={REDACTED}"}


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


# -- the executor's read commands run the policy ------------------------------------------------


class _Kube:
    """The two calls describe and pod_logs make, answered from fixtures."""

    # What ``CommandKube`` gives a command: the target's path (any GET not for events is it).
    target_path = "/target"

    def __init__(self, obj: dict[str, Any], log: bytes = b"") -> None:
        self.obj, self.log = obj, log

    async def json(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        if "/events" in path:
            return {"items": [{"type": "Warning", "message": f"pull secret={SECRET} failed"}]}
        return copy.deepcopy(self.obj)

    async def raw(self, method: str, path: str, **_: Any) -> bytes:
        return self.log


def _ctx(kube: _Kube, kind: str, params: Any) -> Ctx:
    return Ctx(
        kube=kube,  # type: ignore[arg-type]
        target=ObjectRef(kind, "ns", "thing"),
        params=params,
        policy=PolicySettings(),
        dry_run=False,
        deadline_ms=0,
        progress=lambda _m, _r: None,
    )


@pytest.mark.parametrize("kind", sorted(OBJECTS))
async def test_describe_lets_no_secret_leave(kind: str) -> None:
    out = await describe.run(_ctx(_Kube(OBJECTS[kind]), kind, NoParams()))
    assert SECRET.encode() not in orjson.dumps(out)
    assert out["events"][0]["message"] == f"pull secret={REDACTED} failed"


async def test_pod_logs_are_scrubbed_before_they_leave() -> None:
    log = f"start\nlogin password={SECRET}\ndial redis://app:{SECRET}@cache:6379\n".encode()
    out = await pod_logs.run(_ctx(_Kube({}, log), "Pod", PodLogsParams()))
    assert SECRET not in out["text"]
    assert out["text"].startswith("start\nlogin password=")
    assert out["bytes"] == len(log)
