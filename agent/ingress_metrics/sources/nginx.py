"""ingress-nginx: ``nginx_ingress_controller_requests{namespace,ingress,service,host,status}``
and ``nginx_ingress_controller_request_duration_seconds_bucket`` (seconds). The route is the
Ingress name. Requests the controller served without an Ingress (the default backend, all
labels empty) are dropped: they belong to no service. ``path`` and ``method`` are summed over
because older releases put them on the histogram only, and keys must match across both."""

from __future__ import annotations

from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig, labelled
from agent.ingress_metrics.statuses import BadStatuses

CONTROLLER = "ingress-nginx"


def build(config: SourceConfig) -> SeriesMap:
    return SeriesMap(
        controller=CONTROLLER,
        key_of=labelled(CONTROLLER, namespace="namespace", service="service", route="ingress"),
        status_label="status",
        counter="nginx_ingress_controller_requests",
        histogram="nginx_ingress_controller_request_duration_seconds",
        bad=BadStatuses.of(config.bad_statuses),
    )
