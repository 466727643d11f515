"""Controller pods → scrape targets. Pure: the caller hands in pod objects (raw Kubernetes
JSON); the watch that keeps them current is wired later.

Defaults match the controllers' Helm charts: ingress-nginx's ``app.kubernetes.io/name=
ingress-nginx`` on port 10254, Traefik's ``app.kubernetes.io/name=traefik`` on 9100 and Envoy
Gateway's proxies (``app.kubernetes.io/component=proxy``, managed by envoy-gateway) on 19001."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Selector:
    source: str
    labels: Mapping[str, str]
    port: int
    path: str = "/metrics"


DEFAULT_SELECTORS: tuple[Selector, ...] = (
    Selector("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, 10254),
    Selector("traefik", {"app.kubernetes.io/name": "traefik"}, 9100),
    Selector(
        "envoy",
        {"app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway"},
        19001,
        "/stats/prometheus",
    ),
)


@dataclass(frozen=True, slots=True, order=True)
class Target:
    name: str  # namespace/pod, stable across scrapes so baselines follow the pod
    source: str
    url: str
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)


def discover(
    pods: Iterable[Mapping[str, Any]], selectors: Iterable[Selector] = DEFAULT_SELECTORS
) -> list[Target]:
    """Running pods with an IP that match a selector; the first matching selector wins."""
    sels = tuple(selectors)
    out: list[Target] = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        labels: Mapping[str, str] = meta.get("labels") or {}
        status = pod.get("status") or {}
        ip = status.get("podIP")
        if not ip or status.get("phase") != "Running":
            continue
        for sel in sels:
            if all(labels.get(k) == v for k, v in sel.labels.items()):
                host = f"[{ip}]" if ":" in ip else ip
                out.append(
                    Target(
                        name=f"{meta.get('namespace', '')}/{meta.get('name', '')}",
                        source=sel.source,
                        url=f"http://{host}:{sel.port}{sel.path}",
                    )
                )
                break
    return sorted(out)
