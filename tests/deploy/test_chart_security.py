"""Every pod both charts render can read what it mounts and runs locked down, checked with the
kubelet's file ownership rules, because the install tests run on kwok, which never starts a
container (an unreadable token would only show as a crash loop on a real node).

Rendered with default values and with every sectioned values file (tests/deploy/values-*.yaml:
production, everything switched on, and any added later).

The kubelet's rules, as modelled here:

- Secret, ConfigMap, downwardAPI and projected volumes: each file has the item's ``mode``, else
  the volume's ``defaultMode``, else 0644, and belongs to root:root. With the pod's ``fsGroup``
  the kubelet gives the files to that group and adds group read (these volumes are read-only,
  so it ORs in 0440).
- The process runs as ``runAsUser`` (the container's securityContext wins over the pod's), with
  primary group ``runAsGroup`` and supplementary groups ``fsGroup`` and ``supplementalGroups``.
- Owner bits apply only to the owner (root, never our non-root user), group bits when the file's
  group is one of the process's groups, "other" bits otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.helmtool import (
    AGENT_REQUIRED,
    SECTIONED_VALUES,
    SECTIONS,
    Helm,
    section_files,
)

ATOMIC_WRITER_VOLUMES = ("secret", "configMap", "downwardAPI", "projected")
RENDERS = [("defaults", chart) for chart in SECTIONS] + [
    (path.stem, chart) for path in SECTIONED_VALUES for chart in SECTIONS
]


@pytest.fixture(scope="module")
def value_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    return section_files(tmp_path_factory.mktemp("values"))


def render(
    helm: Helm, files: dict[tuple[str, str], Path], source: str, chart: str
) -> list[dict[str, Any]]:
    release = f"lookout-{chart}"
    if source == "defaults":
        sets = AGENT_REQUIRED if chart == "agent" else {}
        return helm.template(SECTIONS[chart], release=release, sets=sets)
    if (source, chart) not in files:
        pytest.skip(f"{source} has no {chart} section")
    return helm.template(SECTIONS[chart], release=release, values=[files[(source, chart)]])


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        spec = obj.get("spec") or {}
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] == "Pod":
            yield name, spec
        elif obj["kind"] == "CronJob":
            yield name, spec["jobTemplate"]["spec"]["template"]["spec"]
        elif "template" in spec and "spec" in spec["template"]:
            yield name, spec["template"]["spec"]


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def volume_files(volume: dict[str, Any], fs_group: int | None) -> list[tuple[str, int, int]]:
    """(file, mode, owning group) of every file the kubelet writes for this volume."""
    kind = next((k for k in ATOMIC_WRITER_VOLUMES if k in volume), None)
    if kind is None:
        return []  # emptyDir, hostPath, PVC: not files the kubelet writes
    source = volume[kind]
    default = source.get("defaultMode", 0o644)
    parts = (
        [(name, sub) for src in source.get("sources", []) for name, sub in src.items()]
        if kind == "projected"
        else [(kind, source)]
    )
    items = [
        (item.get("path", f"<{name}>"), item.get("mode", default))
        for name, part in parts
        for item in part.get("items") or [{}]  # no items: every key, at the default mode
    ]
    out = []
    for path, mode in items:
        if fs_group is not None:
            out.append((path, mode | 0o440, fs_group))
        else:
            out.append((path, mode, 0))
    return out


def can_read(mode: int, group: int, uid: int, groups: set[int]) -> bool:
    if uid == 0:
        return True
    if group in groups:
        return bool(mode & 0o040)
    return bool(mode & 0o004)


def unreadable(pod: dict[str, Any]) -> list[str]:
    pod_sc = pod.get("securityContext") or {}
    fs_group = pod_sc.get("fsGroup")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    problems = []
    for c in containers(pod):
        sc = c.get("securityContext") or {}
        uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
        gid = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
        if uid is None:
            problems.append(f"{c['name']}: no runAsUser, the image decides who reads the files")
            continue
        groups = {
            g for g in (gid, fs_group, *pod_sc.get("supplementalGroups", [])) if g is not None
        }
        for mount in c.get("volumeMounts", []):
            for path, mode, group in volume_files(volumes[mount["name"]], fs_group):
                if not can_read(mode, group, uid, groups):
                    problems.append(
                        f"{c['name']}: {mount['mountPath']}/{path} is {mode:04o} root:{group}, "
                        f"unreadable for uid {uid} groups {sorted(groups)}"
                    )
    return problems


def not_locked_down(pod: dict[str, Any]) -> list[str]:
    pod_sc = pod.get("securityContext") or {}
    problems = []
    for c in containers(pod):
        sc = c.get("securityContext") or {}

        def effective(key: str, sc: dict[str, Any] = sc) -> Any:
            return sc.get(key, pod_sc.get(key))

        checks = {
            "runAsNonRoot: true": effective("runAsNonRoot") is True,
            "a non-zero runAsUser": isinstance(effective("runAsUser"), int)
            and effective("runAsUser") > 0,
            "readOnlyRootFilesystem: true": sc.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation: false": sc.get("allowPrivilegeEscalation") is False,
            "not privileged": sc.get("privileged") is not True,
            "capabilities.drop [ALL]": "ALL" in (sc.get("capabilities") or {}).get("drop", []),
            "no capabilities added": not (sc.get("capabilities") or {}).get("add"),
        }
        problems += [f"{c['name']}: needs {what}" for what, ok in checks.items() if not ok]
    return problems


@pytest.mark.parametrize(("source", "chart"), RENDERS)
def test_every_container_can_read_every_secret_and_configmap_it_mounts(
    helm: Helm, value_files: dict[tuple[str, str], Path], source: str, chart: str
) -> None:
    pods = dict(pod_specs(render(helm, value_files, source, chart)))
    assert pods
    problems = {name: unreadable(pod) for name, pod in pods.items()}
    assert not {k: v for k, v in problems.items() if v}


@pytest.mark.parametrize(("source", "chart"), RENDERS)
def test_every_container_runs_as_non_root_read_only_without_privileges(
    helm: Helm, value_files: dict[tuple[str, str], Path], source: str, chart: str
) -> None:
    pods = dict(pod_specs(render(helm, value_files, source, chart)))
    assert pods
    problems = {name: not_locked_down(pod) for name, pod in pods.items()}
    assert not {k: v for k, v in problems.items() if v}


def test_without_fs_group_the_agent_mounts_its_secrets_world_readable(helm: Helm) -> None:
    """A platform that assigns no fsGroup (the value nulled) still gets readable files."""
    objs = helm.template(
        SECTIONS["agent"],
        release="lookout-agent",
        sets={
            **AGENT_REQUIRED,
            "podSecurityContext.fsGroup": "null",
            "master.tls.clientCertSecret": "lookout-agent-client-tls",
        },
    )
    pods = dict(pod_specs(objs))
    agent = pods["Deployment/lookout-agent"]
    assert "fsGroup" not in agent["securityContext"]
    assert unreadable(agent) == []


def test_the_model_refuses_a_root_owned_0440_secret_for_a_non_root_user() -> None:
    """The check itself: what today's chart did (0440, no fsGroup, uid 10001) is unreadable."""
    pod = {
        "securityContext": {"runAsUser": 10001, "runAsGroup": 10001},
        "containers": [
            {"name": "agent", "volumeMounts": [{"name": "token", "mountPath": "/etc/token"}]}
        ],
        "volumes": [{"name": "token", "secret": {"secretName": "t", "defaultMode": 0o440}}],
    }
    assert unreadable(pod)
    pod["securityContext"]["fsGroup"] = 10001
    assert unreadable(pod) == []
