"""The master's alerting config and SLO definitions from the chart: ``alerting.existingSecret``
(never inline: receivers hold secrets) and ``slo.definitions`` (inline, into a ConfigMap the
chart owns) or ``slo.existingConfigMap``, each mounted read-only as a directory (never a
subPath, which would miss the kubelet's updates) with the env pointing at the mounted file.
Neither given: nothing mounted and no env, so the master keeps both in its data volume, editable
through the API. ``alerting.externalUrl`` defaults from the Ingress. That the container's user
can read the mounted files is checked with every other mount in test_chart_security.py
(values-everything.yaml sets both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from master.slo_service import config as slo_config
from tests.deploy.helmtool import MASTER_CHART, Helm, HelmError, kinds, section_files

RELEASE = "lookout-master"
DEFINITIONS = """\
timezone: Europe/Berlin
slos:
  - {name: checkout, cluster: prod, namespace: shop, service: checkout, objective: 99.9}
"""
CONFIG_ENV = (
    "MASTER_ALERTS__CONFIG_FILE",
    "MASTER_ALERTS__EXTERNAL_URL",
    "MASTER_SLO__CONFIG_FILE",
)


def render(
    helm: Helm, sets: dict[str, str] | None = None, values: list[Path] | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    return kinds(helm.template(MASTER_CHART, release=RELEASE, sets=sets, values=values or ()))


def with_definitions(tmp_path: Path, text: str = DEFINITIONS, **more: Any) -> Path:
    """A values file with slo.definitions (a multi-line string is awkward through --set)."""
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({"slo": {"definitions": text, **more}}))
    return path


def pod_of(objs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objs[("Deployment", RELEASE)]["spec"]["template"]["spec"]
    return spec


def env_of(pod: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}


def mounted(pod: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The volume ``name`` and the master's mount of it."""
    [volume] = [v for v in pod["volumes"] if v["name"] == name]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == name]
    return volume, mount


def assert_mounts_file(pod: dict[str, Any], name: str, env: str, key: str) -> dict[str, Any]:
    """``name`` mounted read-only as a directory holding only ``key`` (0440, like the TLS
    Secrets), and ``env`` naming that file; returns the volume's source."""
    volume, mount = mounted(pod, name)
    source: dict[str, Any] = volume.get("secret") or volume["configMap"]
    assert source["defaultMode"] == 0o440
    assert source["items"] == [{"key": key, "path": key}]
    assert mount["readOnly"] is True
    assert "subPath" not in mount
    assert env_of(pod)[env] == f"{mount['mountPath']}/{key}"
    return source


def test_neither_given_mounts_nothing_and_sets_no_env(helm: Helm) -> None:
    objs = render(helm)
    pod = pod_of(objs)
    assert not set(CONFIG_ENV) & env_of(pod).keys()
    assert not {"alerting", "slo"} & {v["name"] for v in pod["volumes"]}
    assert not [k for k in objs if k[0] == "ConfigMap"]


def test_the_alerting_secret_is_mounted_read_only_and_named_by_the_env(helm: Helm) -> None:
    pod = pod_of(render(helm, {"alerting.existingSecret": "lookout-alerting"}))
    source = assert_mounts_file(pod, "alerting", "MASTER_ALERTS__CONFIG_FILE", "alerting.yaml")
    assert source["secretName"] == "lookout-alerting"
    assert env_of(pod)["MASTER_ALERTS__CONFIG_FILE"] == "/etc/lookout/alerting/alerting.yaml"
    assert "MASTER_SLO__CONFIG_FILE" not in env_of(pod)
    other = pod_of(render(helm, {"alerting.existingSecret": "am", "alerting.key": "am.yml"}))
    assert assert_mounts_file(other, "alerting", "MASTER_ALERTS__CONFIG_FILE", "am.yml")


def test_the_alerting_config_is_never_taken_inline(helm: Helm) -> None:
    with pytest.raises(HelmError) as caught:
        render(helm, {"alerting.config": "route: {}"})
    assert "config" in caught.value.stderr
    assert "additional properties" in caught.value.stderr.lower()


INGRESS = {"ingress.enabled": "true", "ingress.hosts": "{lookout.example.com,other.example.com}"}


@pytest.mark.parametrize(
    ("sets", "url"),
    [
        ({}, None),
        ({"alerting.externalUrl": "https://alerts.example.com/"}, "https://alerts.example.com/"),
        (INGRESS, "http://lookout.example.com"),
        ({**INGRESS, "ingress.tls[0].secretName": "web-tls"}, "https://lookout.example.com"),
        ({**INGRESS, "ingress.path": "/lookout/"}, "http://lookout.example.com/lookout"),
        ({**INGRESS, "alerting.externalUrl": "https://given.example"}, "https://given.example"),
    ],
    ids=["none", "given", "ingress", "ingress-tls", "ingress-path", "given-wins"],
)
def test_the_external_url_is_given_or_what_the_ingress_serves(
    helm: Helm, sets: dict[str, str], url: str | None
) -> None:
    assert env_of(pod_of(render(helm, sets))).get("MASTER_ALERTS__EXTERNAL_URL") == url


def test_an_external_url_that_is_no_http_url_is_a_schema_error(helm: Helm) -> None:
    with pytest.raises(HelmError) as caught:
        render(helm, {"alerting.externalUrl": "lookout.example.com"})
    assert "alerting/externalUrl" in caught.value.stderr


def test_inline_slo_definitions_become_the_charts_configmap_the_master_accepts(
    helm: Helm, tmp_path: Path
) -> None:
    objs = render(helm, values=[with_definitions(tmp_path)])
    cm = objs[("ConfigMap", "lookout-master-slo")]
    assert cm["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE
    assert cm["data"] == {"slos.yaml": DEFINITIONS}
    assert [s.name for s in slo_config.parse(cm["data"]["slos.yaml"], source="cm").slos] == [
        "checkout"
    ]
    pod = pod_of(objs)
    source = assert_mounts_file(pod, "slo", "MASTER_SLO__CONFIG_FILE", "slos.yaml")
    assert source["name"] == "lookout-master-slo"
    assert env_of(pod)["MASTER_SLO__CONFIG_FILE"] == "/etc/lookout/slo/slos.yaml"
    assert "MASTER_ALERTS__CONFIG_FILE" not in env_of(pod)
    # The master reloads a changed file itself: no checksum annotation restarting the pod.
    template = objs[("Deployment", RELEASE)]["spec"]["template"]
    assert not template["metadata"].get("annotations")


def test_an_existing_slo_configmap_is_mounted_and_none_is_rendered(helm: Helm) -> None:
    objs = render(helm, {"slo.existingConfigMap": "team-slos", "slo.key": "definitions.yaml"})
    assert not [k for k in objs if k[0] == "ConfigMap"]
    pod = pod_of(objs)
    source = assert_mounts_file(pod, "slo", "MASTER_SLO__CONFIG_FILE", "definitions.yaml")
    assert source["name"] == "team-slos"


def test_both_slo_sources_fail_the_render_naming_the_values(helm: Helm, tmp_path: Path) -> None:
    values = with_definitions(tmp_path, existingConfigMap="team-slos")
    with pytest.raises(HelmError) as caught:
        render(helm, values=[values])
    err = caught.value.stderr
    assert "slo.definitions and slo.existingConfigMap (team-slos) are both set" in err


@pytest.mark.parametrize("text", ["slos: [checkout", "- name: checkout\n", "checkout"])
def test_inline_slo_definitions_that_are_not_a_yaml_mapping_fail_the_render(
    helm: Helm, tmp_path: Path, text: str
) -> None:
    with pytest.raises(HelmError) as caught:
        render(helm, values=[with_definitions(tmp_path, text)])
    assert "slo.definitions is not a YAML mapping" in caught.value.stderr


@pytest.mark.parametrize("key", ["../alerting.yaml", "..data", "a/b.yaml", ""])
def test_a_key_that_is_no_file_name_is_a_schema_error(helm: Helm, key: str) -> None:
    with pytest.raises(HelmError) as caught:
        render(helm, {"alerting.existingSecret": "am", "alerting.key": key})
    assert "alerting/key" in caught.value.stderr


def test_the_everything_values_mount_both_and_lint(helm: Helm, tmp_path: Path) -> None:
    files = section_files(tmp_path)
    everything = files[("values-everything", "master")]
    assert "0 chart(s) failed" in helm.lint(MASTER_CHART, values=[everything])
    objs = render(helm, values=[everything])
    pod = pod_of(objs)
    assert_mounts_file(pod, "alerting", "MASTER_ALERTS__CONFIG_FILE", "alertmanager.yml")
    assert_mounts_file(pod, "slo", "MASTER_SLO__CONFIG_FILE", "slos.yaml")
    assert env_of(pod)["MASTER_ALERTS__EXTERNAL_URL"] == "https://lookout.example.com/"
    text = objs[("ConfigMap", "lookout-master-slo")]["data"]["slos.yaml"]
    assert len(slo_config.parse(text, source="values-everything").slos) == 2
    production = pod_of(render(helm, values=[files[("values-production", "master")]]))
    assert mounted(production, "slo")[0]["configMap"]["name"] == "lookout-slos"
    assert env_of(production)["MASTER_ALERTS__EXTERNAL_URL"] == "https://lookout.example.com"
