"""Inhibition: a firing source alert mutes target alerts that share the ``equal`` labels.

Configured ``inhibit_rules`` work as in Alertmanager (a missing label equals a missing label;
an alert never inhibits itself). Built in, because users of other tools write them by hand:

    node-not-ready   a firing NodeNotReady inhibits the Pod alerts on that node
    cluster-offline  a ClusterOffline alert inhibits every other alert of its cluster
    critical-twin    a firing critical inhibits a warning on the same subject (cluster,
                     namespace, kind, name) in the same reason family (its ``category``:
                     CrashLoopBackOff mutes RestartStorm and BackOff on the same pod)

Sources are the alerts notifiable now (firing or flapping), silenced or not: a silenced root
cause still explains its symptoms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from master.alerts.config import InhibitRuleSpec
from master.alerts.labels import Labels
from master.alerts.matchers import Matchers, from_maps, matches_all, parse_matcher_list

CLUSTER_OFFLINE = "ClusterOffline"


@dataclass(frozen=True, slots=True)
class InhibitRule:
    name: str
    source: Matchers
    target: Matchers
    equal: tuple[str, ...]

    def inhibits(self, source: Labels, target: Labels) -> bool:
        return (
            matches_all(self.target, target)
            and matches_all(self.source, source)
            and all(source.get(k, "") == target.get(k, "") for k in self.equal)
        )


def _m(text: str) -> Matchers:
    return parse_matcher_list([text])


BUILTIN: tuple[InhibitRule, ...] = (
    InhibitRule(
        "node-not-ready",
        _m('alertname="NodeNotReady"'),
        _m('kind="Pod", node=~".+"'),
        ("cluster", "node"),
    ),
    InhibitRule(
        "cluster-offline",
        _m(f'alertname="{CLUSTER_OFFLINE}"'),
        _m(f'alertname!="{CLUSTER_OFFLINE}", cluster=~".+"'),
        ("cluster",),
    ),
    InhibitRule(
        "critical-twin",
        _m('severity="critical"'),
        _m('severity="warning", name=~".+"'),
        ("cluster", "namespace", "kind", "name", "category"),
    ),
)


def compile_inhibit_rules(specs: Sequence[InhibitRuleSpec]) -> tuple[InhibitRule, ...]:
    out = []
    for i, s in enumerate(specs):
        source = parse_matcher_list(s.source_matchers) + from_maps(
            s.source_match, s.source_match_re
        )
        target = parse_matcher_list(s.target_matchers) + from_maps(
            s.target_match, s.target_match_re
        )
        out.append(InhibitRule(f"inhibit_rules[{i}]", source, target, tuple(s.equal)))
    return (*out, *BUILTIN)


@dataclass(frozen=True, slots=True)
class Inhibition:
    rule: str
    by: str  # the source alert's fingerprint


class Inhibitor:
    """The inhibit rules indexed over one moment's source alerts: each rule keeps, per value
    tuple of its ``equal`` labels, up to two sources (two, so a target that is itself a
    source still finds another one), making a check O(rules) however many alerts there are."""

    def __init__(self, rules: Sequence[InhibitRule], sources: Iterable[tuple[str, Labels]]):
        srcs = list(sources)
        self._index: list[tuple[InhibitRule, dict[tuple[str, ...], list[str]]]] = []
        for rule in rules:
            idx: dict[tuple[str, ...], list[str]] = {}
            for fp, src in srcs:
                if matches_all(rule.source, src):
                    held = idx.setdefault(tuple(src.get(k, "") for k in rule.equal), [])
                    if len(held) < 2:
                        held.append(fp)
            if idx:
                self._index.append((rule, idx))

    def check(self, fingerprint: str, labels: Labels) -> Inhibition | None:
        """The first rule and source alert muting this alert, if any."""
        for rule, idx in self._index:
            if not matches_all(rule.target, labels):
                continue
            fps = idx.get(tuple(labels.get(k, "") for k in rule.equal), ())
            by = next((f for f in fps if f != fingerprint), None)
            if by is not None:
                return Inhibition(rule.name, by)
        return None
