"""Exposition text → flat samples, through the well-kept ``prometheus_client`` parser.

Sources match on *sample* names (``…_bucket``, ``…_total``), not family names, because the
parser strips ``_total`` from counter families and groups histogram series under their base
name; a sample name is what the controller's documentation shows.

``Parser`` remembers each series' parsed name and labels between scrapes of one target: a
controller's series change rarely while their values change every scrape, and the library's
label parser (character by character) was 90 % of the agent's scrape CPU. A line whose series
text was seen before costs a split and a ``float``; a new one is parsed by the library, so
every series is still validated by it."""

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


_Head = tuple[str, Mapping[str, str]]


class Parser:
    """``parse`` with a per-target memory of series heads (the text before the value)."""

    __slots__ = ("_heads",)

    def __init__(self) -> None:
        # (the family's TYPE line, the head) -> sample name and labels. The TYPE line is part
        # of the key: the library names a counter's samples by it (``x`` becomes ``x_total``).
        self._heads: dict[tuple[str, str], _Head] = {}

    def parse(self, text: str) -> list[Sample]:
        """As :func:`parse`; the memory keeps only the heads of this exposition."""
        heads: dict[tuple[str, str], _Head] = {}
        out: list[Sample] = []
        known = self._heads
        family = ""
        try:
            for raw in text.splitlines():
                line = raw.strip()
                if not line:
                    continue
                if line[0] == "#":
                    if line.startswith("# TYPE "):
                        family = line
                    continue
                cut = line.rfind("}") + 1 or line.find(" ")
                key, rest = (family, line[:cut]), line[cut:].split()
                parsed = (known.get(key) or heads.get(key)) if cut > 0 else None
                if parsed is None or not rest:
                    found = parse(f"{family}\n{line}\n")  # the library judges a new series
                    if not found:
                        continue
                    parsed = (found[0].name, found[0].labels)
                heads[key] = parsed
                out.append(Sample(parsed[0], parsed[1], float(rest[0])))
        except ValueError as e:
            raise ExpositionError(f"not Prometheus exposition: {e}") from e
        self._heads = heads
        return out


def le_of(labels: Mapping[str, str]) -> float:
    """The ``le`` label as a float (``+Inf`` → inf)."""
    return float(labels["le"])
