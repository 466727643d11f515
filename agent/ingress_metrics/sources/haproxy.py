"""HAProxy (its built-in ``prometheus-exporter`` service; the HAProxy Kubernetes ingress
controllers expose the same family): ``haproxy_backend_http_responses_total{proxy,code}`` with
codes ``1xx``…``5xx`` and ``other``. Level ``backend`` (default) or ``frontend``. Totals are the
sum over codes, so every answered request counts once; HAProxy 2.6 exports no latency
histogram (only averages), so readings carry no buckets."""

from __future__ import annotations

from agent.ingress_metrics.errors import SourceConfigError
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig, labelled
from agent.ingress_metrics.statuses import BadStatuses

CONTROLLER = "haproxy"


def build(config: SourceConfig) -> SeriesMap:
    level = config.level or "backend"
    if level not in ("backend", "frontend"):
        raise SourceConfigError(f"haproxy level {level!r}: expected backend or frontend")
    return SeriesMap(
        controller=CONTROLLER,
        key_of=labelled(CONTROLLER, service="proxy", route="proxy" if level == "frontend" else ""),
        status_label="code",
        counter=f"haproxy_{level}_http_responses_total",
        bad=BadStatuses.of(config.bad_statuses),
    )
