"""One module per controller family; ``SOURCES`` lists them. Adding a controller = one module
with a ``build(config) -> SeriesMap`` and one row here.

=============  ==========================================  =====================================
source         totals / bad                                 latency buckets
=============  ==========================================  =====================================
ingress-nginx  nginx_ingress_controller_requests{status}    …_request_duration_seconds_bucket
traefik        traefik_{service,router,entrypoint}_          …_request_duration_seconds_bucket
               requests_total{code}
envoy          envoy_cluster_upstream_rq_xx                 envoy_cluster_upstream_rq_time_bucket
               {envoy_response_code_class}                  (milliseconds, scaled to seconds)
haproxy        haproxy_{backend,frontend}_http_             none (2.6 exports no histogram)
               responses_total{code="5xx"}
caddy          caddy_http_request_duration_seconds_count    caddy_http_request_duration_seconds_
               {code} (2.6's requests_total has no code)    bucket
generic        a counter and/or histogram named in config, labels mapped to service/route/status
=============  ==========================================  =====================================
"""

from __future__ import annotations

from collections.abc import Callable

from agent.ingress_metrics.sources import caddy, envoy, generic, haproxy, nginx, traefik
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig

SOURCES: dict[str, Callable[[SourceConfig], SeriesMap]] = {
    "ingress-nginx": nginx.build,
    "traefik": traefik.build,
    "envoy": envoy.build,
    "haproxy": haproxy.build,
    "caddy": caddy.build,
    "generic": generic.build,
}

__all__ = ["SOURCES", "SeriesMap", "SourceConfig"]
