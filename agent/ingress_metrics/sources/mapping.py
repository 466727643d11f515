"""The one mapping every source is an instance of: which sample carries request counts, which
carries histogram buckets, how labels become a ``SeriesKey`` and a status.

Counts come from a counter (``counter``) or, when the controller's counter lacks a status
label (Caddy 2.6), from the histogram's ``_count`` series (``count_from_histogram``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from agent.ingress_metrics.parsing import Sample, le_of
from agent.ingress_metrics.readings import Reading, ReadingBuilder, SeriesKey, build_all
from agent.ingress_metrics.statuses import DEFAULT_BAD, BadStatuses

KeyOf = Callable[[Mapping[str, str]], SeriesKey | None]


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """What an operator may say about one target's source."""

    bad_statuses: tuple[str, ...] = DEFAULT_BAD
    # traefik: "service" (default), "router" or "entrypoint"; haproxy: "backend" or "frontend"
    level: str = ""
    # generic only
    counter: str = ""
    histogram: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)  # service/route/namespace/host/status
    bucket_unit_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class SeriesMap:
    controller: str
    key_of: KeyOf
    status_label: str
    counter: str = ""  # sample name of the request counter; "" → use the histogram's _count
    histogram: str = ""  # base name; buckets are ``<histogram>_bucket``; "" → no latency
    bad: BadStatuses = field(default_factory=BadStatuses.of)
    bucket_unit_seconds: float = 1.0  # Envoy reports milliseconds

    def read(self, samples: Iterable[Sample]) -> dict[SeriesKey, Reading]:
        builders: dict[SeriesKey, ReadingBuilder] = {}
        bucket_name = f"{self.histogram}_bucket" if self.histogram else None
        count_names = _count_names(self.counter, self.histogram)
        for s in samples:
            is_count = s.name in count_names
            if not is_count and s.name != bucket_name:
                continue
            key = self.key_of(s.labels)
            if key is None:
                continue
            b = builders.setdefault(key, ReadingBuilder())
            if is_count:
                b.add_total(s.value, bad=self.bad(s.labels.get(self.status_label, "")))
            else:
                b.add_bucket(le_of(s.labels) * self.bucket_unit_seconds, s.value)
        return build_all({k: v for k, v in builders.items() if v.seen_total})


def _count_names(counter: str, histogram: str) -> frozenset[str]:
    """The parser appends ``_total`` to counter samples that lack it (ingress-nginx's
    ``…_requests``, Envoy's ``…_rq_xx``), so both spellings are the counter."""
    if not counter:
        return frozenset({f"{histogram}_count"} if histogram else ())
    base = counter.removesuffix("_total")
    return frozenset({base, f"{base}_total"})


def labelled(controller: str, **fields: str) -> Callable[[Mapping[str, str]], SeriesKey | None]:
    """A key function copying the named labels into the key's fields (field=label)."""

    def key_of(labels: Mapping[str, str]) -> SeriesKey | None:
        values = {f: labels.get(label, "") for f, label in fields.items()}
        if not any(values.values()):
            return None
        return SeriesKey(controller=controller, **values)

    return key_of
