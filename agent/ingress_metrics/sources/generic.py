"""Any controller: a counter and/or a histogram named in the config, with a label mapping
``{"service": …, "route": …, "namespace": …, "host": …, "status": …}``. Without a counter the
histogram's ``_count`` gives totals; without a histogram there is no latency."""

from __future__ import annotations

from agent.ingress_metrics.errors import SourceConfigError
from agent.ingress_metrics.sources.mapping import SeriesMap, SourceConfig, labelled
from agent.ingress_metrics.statuses import BadStatuses

_KEY_FIELDS = ("service", "route", "namespace", "host")


def build(config: SourceConfig, *, controller: str = "generic") -> SeriesMap:
    if not config.counter and not config.histogram:
        raise SourceConfigError("generic source: name a counter, a histogram or both")
    unknown = set(config.labels) - {*_KEY_FIELDS, "status"}
    if unknown:
        raise SourceConfigError(f"generic source: unknown label mapping keys {sorted(unknown)}")
    fields = {f: config.labels[f] for f in _KEY_FIELDS if f in config.labels}
    if not fields:
        raise SourceConfigError("generic source: map at least one of service/route to a label")
    return SeriesMap(
        controller=controller,
        key_of=labelled(controller, **fields),
        status_label=config.labels.get("status", ""),
        counter=config.counter,
        histogram=config.histogram,
        bad=BadStatuses.of(config.bad_statuses),
        bucket_unit_seconds=config.bucket_unit_seconds,
    )
