"""Traefik v2/v3: ``traefik_<level>_requests_total{code}`` and
``traefik_<level>_request_duration_seconds_bucket`` for the levels service (default), router
and entrypoint. Service names carry the provider (``default-whoami-80@kubernetes``); routers
carry their service too, so the router level fills both."""

from __future__ import annotations

from agent.ingress_metrics.errors import SourceConfigError
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig, labelled
from agent.ingress_metrics.statuses import BadStatuses

CONTROLLER = "traefik"

_KEYS = {
    "service": {"service": "service"},
    "router": {"service": "service", "route": "router"},
    "entrypoint": {"route": "entrypoint"},
}


def build(config: SourceConfig) -> SeriesMap:
    level = config.level or "service"
    if level not in _KEYS:
        raise SourceConfigError(f"traefik level {level!r}: expected one of {sorted(_KEYS)}")
    return SeriesMap(
        controller=CONTROLLER,
        key_of=labelled(CONTROLLER, **_KEYS[level]),
        status_label="code",
        counter=f"traefik_{level}_requests_total",
        histogram=f"traefik_{level}_request_duration_seconds",
        bad=BadStatuses.of(config.bad_statuses),
    )
