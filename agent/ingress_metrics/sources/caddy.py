"""Caddy 2.6 as an instance of the generic source: ``caddy_http_request_duration_seconds``
histogram by ``server``, ``handler`` and ``code``. 2.6's ``caddy_http_requests_total`` has no
status label, so counts come from the histogram's ``_count`` series. Caddy 2.6 records
these only with the global ``servers { metrics }`` option; they are served on the admin
endpoint's ``/metrics``."""

from __future__ import annotations

from agent.ingress_metrics.sources import generic
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig

DEFAULT = SourceConfig(
    histogram="caddy_http_request_duration_seconds",
    labels={"service": "server", "route": "handler", "status": "code"},
)


def build(config: SourceConfig) -> SeriesMap:
    return generic.build(
        SourceConfig(
            bad_statuses=config.bad_statuses,
            histogram=config.histogram or DEFAULT.histogram,
            counter=config.counter,
            labels=config.labels or DEFAULT.labels,
        ),
        controller="caddy",
    )
