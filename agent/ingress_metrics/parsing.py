"""Exposition text → flat samples, through the well-kept ``prometheus_client`` parser.

Sources match on *sample* names (``…_bucket``, ``…_total``), not family names, because the
parser strips ``_total`` from counter families and groups histogram series under their base
name; a sample name is what the controller's documentation shows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from agent.ingress_metrics.errors import ExpositionError


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    """All samples of one exposition; raises ``ExpositionError`` on malformed text."""
    try:
        return list(_samples(text))
    except ValueError as e:  # the parser reports every malformed line as ValueError
        raise ExpositionError(f"not Prometheus exposition: {e}") from e


def _samples(text: str) -> Iterator[Sample]:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            yield Sample(name=s.name, labels=dict(s.labels), value=float(s.value))


def le_of(labels: Mapping[str, str]) -> float:
    """The ``le`` label as a float (``+Inf`` → inf)."""
    return float(labels["le"])
