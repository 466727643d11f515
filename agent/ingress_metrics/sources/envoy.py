"""Envoy-based gateways (Envoy Gateway, Contour, Istio): ``envoy_cluster_upstream_rq_xx`` by
``envoy_response_code_class`` (``2``…``5``) and ``envoy_cluster_upstream_rq_time_bucket`` in
**milliseconds** (scaled to seconds here). The upstream cluster is the service; its label is
``envoy_cluster_name`` with Envoy's default tag extraction and ``cluster_name`` in Istio's
older output -- both are read. Totals are the sum over classes rather than ``rq_total``,
which also counts requests that never got a response and would skew good/total."""

from __future__ import annotations

from collections.abc import Mapping

from agent.ingress_metrics.readings import SeriesKey
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig
from agent.ingress_metrics.statuses import BadStatuses

CONTROLLER = "envoy"


def _key_of(labels: Mapping[str, str]) -> SeriesKey | None:
    cluster = labels.get("envoy_cluster_name") or labels.get("cluster_name", "")
    return SeriesKey(controller=CONTROLLER, service=cluster) if cluster else None


def build(config: SourceConfig) -> SeriesMap:
    return SeriesMap(
        controller=CONTROLLER,
        key_of=_key_of,
        status_label="envoy_response_code_class",
        counter="envoy_cluster_upstream_rq_xx",
        histogram="envoy_cluster_upstream_rq_time",
        bad=BadStatuses.of(config.bad_statuses),
        bucket_unit_seconds=0.001,
    )
