"""Lookout's own rules: per reason / severity / namespace / cluster overrides.

The first rule whose matchers match an alert's labels (as raised) applies: severity override,
``for`` delay, disabled, extra labels and annotations, flap damping. No rule → ``DEFAULT``
(no delay, flap damping on with ``FlapSpec``'s defaults). First match, not a merge, so one
alert has one rule to blame in the noise counters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from master.alerts.config import FlapSpec, RuleSpec
from master.alerts.labels import Labels
from master.alerts.matchers import Matchers, from_maps, matches_all, parse_matcher_list


@dataclass(frozen=True, slots=True)
class FlapPolicy:
    window_ms: int
    transitions: int
    settle_ms: int


def _flap(spec: FlapSpec) -> FlapPolicy | None:
    return FlapPolicy(spec.window, spec.transitions, spec.settle) if spec.enabled else None


DEFAULT_FLAP = _flap(FlapSpec())


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    matchers: Matchers = ()
    severity: str | None = None
    for_ms: int = 0
    disabled: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    flap: FlapPolicy | None = DEFAULT_FLAP

    def apply(self, labels: Labels) -> dict[str, str]:
        out = dict(labels)
        out.update(self.labels)
        if self.severity is not None:
            out["severity"] = self.severity
        return dict(sorted(out.items()))


DEFAULT = Rule("default")


# The annotation a rule's ``enrich`` becomes: the enricher (master.alerting.enrich) reads it.
ENRICH_ANNOTATION = "enrich"


def _annotations(s: RuleSpec) -> dict[str, str]:
    out = dict(s.annotations)
    if s.enrich is not None:
        out[ENRICH_ANNOTATION] = "true" if s.enrich else "false"
    return out


def compile_rules(specs: Sequence[RuleSpec]) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            name=s.name,
            matchers=parse_matcher_list(s.matchers) + from_maps(s.match, s.match_re),
            severity=s.severity,
            for_ms=s.for_,
            disabled=s.disabled,
            labels=dict(s.labels),
            annotations=_annotations(s),
            flap=_flap(s.flap) if s.flap is not None else DEFAULT_FLAP,
        )
        for s in specs
    )


def rule_for(rules: Sequence[Rule], labels: Labels) -> Rule:
    return next((r for r in rules if matches_all(r.matchers, labels)), DEFAULT)
