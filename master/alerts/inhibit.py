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
    """The inhibit rules indexed over the source alerts, per rule and value tuple of its
    ``equal`` labels, making a check O(rules) however many alerts there are.

    Kept up to date source by source (``add`` / ``remove``) rather than rebuilt: the engine
    used to rebuild it over every alert whenever one started or stopped firing, which made
    each step cost O(alerts) and a stream of new alerts O(alerts²). A key's sources are kept
    in the order they became sources; a check names the first one that is not the target
    itself (an alert never inhibits itself)."""

    def __init__(
        self, rules: Sequence[InhibitRule], sources: Iterable[tuple[str, Labels]] = ()
    ) -> None:
        self._rules = tuple(rules)
        self._index: list[dict[tuple[str, ...], dict[str, None]]] = [{} for _ in self._rules]
        self._where: dict[str, list[tuple[int, tuple[str, ...]]]] = {}  # fp → its index keys
        for fp, labels in sources:
            self.add(fp, labels)

    def add(self, fingerprint: str, labels: Labels) -> None:
        """``fingerprint`` is a source now, with ``labels`` (replacing what it was)."""
        self.remove(fingerprint)
        where = []
        for i, rule in enumerate(self._rules):
            if matches_all(rule.source, labels):
                key = tuple(labels.get(k, "") for k in rule.equal)
                self._index[i].setdefault(key, {})[fingerprint] = None
                where.append((i, key))
        if where:
            self._where[fingerprint] = where

    def remove(self, fingerprint: str) -> None:
        """``fingerprint`` is no source (any more); a no-op if it was none."""
        for i, key in self._where.pop(fingerprint, ()):
            held = self._index[i][key]
            del held[fingerprint]
            if not held:
                del self._index[i][key]

    def check(self, fingerprint: str, labels: Labels) -> Inhibition | None:
        """The first rule and source alert muting this alert, if any."""
        for rule, idx in zip(self._rules, self._index, strict=True):
            if not idx or not matches_all(rule.target, labels):
                continue
            fps = idx.get(tuple(labels.get(k, "") for k in rule.equal), ())
            by = next((f for f in fps if f != fingerprint), None)
            if by is not None:
                return Inhibition(rule.name, by)
        return None
