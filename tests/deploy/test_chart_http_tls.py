"""Optional TLS on the master's HTTP port: ``http.tls.existingSecret`` mounts a
kubernetes.io/tls Secret read-only, points MASTER_HTTP_TLS_CERT_FILE/KEY_FILE at it, and the
probes then speak HTTPS (the ServiceMonitor does not: /metrics has a plain-HTTP port of its own,
test_chart_metrics.py). Without it nothing changes (plain HTTP, usually behind an Ingress that
terminates TLS). That the container's user can read the mounted files is
checked with every other mount in test_chart_security.py (values-everything.yaml sets it)."""

from __future__ import annotations

from typing import Any

from tests.deploy.helmtool import MASTER_CHART, Helm, kinds

PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def master_container(helm: Helm, **sets: str) -> tuple[dict[str, Any], dict[str, Any]]:
    objs = kinds(helm.template(MASTER_CHART, release="lookout-master", sets=sets))
    pod = objs[("Deployment", "lookout-master")]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    return pod, container


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in container["env"]}


def test_http_is_plain_by_default(helm: Helm) -> None:
    pod, container = master_container(helm)
    assert not {"MASTER_HTTP_TLS_CERT_FILE", "MASTER_HTTP_TLS_KEY_FILE"} & env(container).keys()
    assert all(container[p]["httpGet"].get("scheme", "HTTP") == "HTTP" for p in PROBES)
    assert "http-tls" not in {v["name"] for v in pod["volumes"]}


def test_http_tls_secret_is_mounted_and_served(helm: Helm) -> None:
    pod, container = master_container(helm, **{"http.tls.existingSecret": "lookout-web-tls"})
    [volume] = [v for v in pod["volumes"] if v["name"] == "http-tls"]
    assert volume["secret"]["secretName"] == "lookout-web-tls"
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "http-tls"]
    assert mount["readOnly"] is True
    directory = mount["mountPath"]
    assert env(container)["MASTER_HTTP_TLS_CERT_FILE"] == f"{directory}/tls.crt"
    assert env(container)["MASTER_HTTP_TLS_KEY_FILE"] == f"{directory}/tls.key"
    assert all(container[p]["httpGet"]["scheme"] == "HTTPS" for p in PROBES)
