"""Which alerts a committed step changed: the views last published against the views now.

Views are ``alert_json`` dicts (an item of GET /alerts), by fingerprint. An alert changed when
its view differs in anything a person acts on — status, state (silenced, inhibited),
flapping, acknowledgement, labels, rule, start/end, receivers — not when only
``updated_at_ms`` or ``annotations`` moved: those follow every report of a still-active
finding (its live count, last seen), which would turn each finding update into an alert
event as well. They ride along with the alert's next event (the dashboard's slow refetch
catches them up meanwhile).

    op "changed"   new, or changed and not resolved now (pending → firing, acked, silenced…)
    op "resolved"  became resolved in this step (firing → resolved, a settled flap)
    op "removed"   left the alert table (a pending alert that cleared before firing, a
                   resolved one past its retention); ``alert`` is its last published view

A step's changes can change *other* alerts' views too: an inhibition source that began or
stopped firing, or moved its labels (``moved_sources``), mutes or releases the alerts its
rules reach (``inhibition_reach``), so the caller views those as well as the alerts whose rows
changed — not every alert, which would cost O(alerts) per new firing alert. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from master.alerts.inhibit import InhibitRule
from master.alerts.labels import Labels
from master.alerts.matchers import matches_all

AlertJson = Mapping[str, Any]
Op = Literal["changed", "resolved", "removed"]

# What moves with every report of an active condition, so it does not make a change alone.
QUIET_FIELDS = frozenset({"updated_at_ms", "annotations"})
_NOTIFIABLE = frozenset({"firing", "flapping"})  # AlertRecord.notifiable: inhibition sources


@dataclass(frozen=True, slots=True)
class AlertChange:
    op: Op
    alert: AlertJson

    @property
    def fingerprint(self) -> str:
        return str(self.alert["fingerprint"])

    def payload(self) -> dict[str, Any]:
        """The ``alert`` event's data: ``{op, alert}``."""
        return {"op": self.op, "alert": self.alert}


def same(old: AlertJson, new: AlertJson) -> bool:
    """Equal but for the quiet fields."""
    if old.keys() != new.keys():
        return False
    return all(old[k] == new[k] for k in new if k not in QUIET_FIELDS)


def diff(
    seen: Mapping[str, AlertJson],
    views: Mapping[str, AlertJson],
    gone: Iterable[str] = (),
) -> list[AlertChange]:
    """The changes from ``seen`` (last published) to ``views`` (the current views of the alerts
    that may have changed; others are taken as unchanged) and ``gone`` (fingerprints no longer
    in the table), by fingerprint."""
    out: list[AlertChange] = []
    for fp in sorted(views):
        new, old = views[fp], seen.get(fp)
        if old is not None and same(old, new):
            continue
        resolved = new["status"] == "resolved" and (old is None or old["status"] != "resolved")
        out.append(AlertChange("resolved" if resolved else "changed", new))
    views_gone = sorted({fp for fp in gone if fp in seen and fp not in views})
    out += [AlertChange("removed", seen[fp]) for fp in views_gone]
    return out


def moved_sources(
    seen: Mapping[str, AlertJson],
    views: Mapping[str, AlertJson],
    gone: Iterable[str] = (),
) -> list[Labels]:
    """The label sets of inhibition sources these changes added or took away: inhibition is
    judged between alerts, so one that starts or stops counting as firing, or moves its labels
    while firing, may inhibit others or release them. Old and new labels both count."""
    out: list[Labels] = []
    for fp, new in views.items():
        old = seen.get(fp)
        was = old is not None and old["status"] in _NOTIFIABLE
        now = new["status"] in _NOTIFIABLE
        if was == now and (not now or old is None or old["labels"] == new["labels"]):
            continue
        if was and old is not None:
            out.append(old["labels"])
        if now:
            out.append(new["labels"])
    out += [seen[fp]["labels"] for fp in gone if fp in seen and seen[fp]["status"] in _NOTIFIABLE]
    return out


def inhibition_reach(
    rules: Sequence[InhibitRule],
    sources: Sequence[Labels],
    alerts: Sequence[tuple[str, Labels]],
) -> set[str]:
    """Those of ``alerts`` (fingerprint, labels) whose inhibition ``sources``
    (``moved_sources``) may have changed: the ones a rule lets such a source inhibit (its
    target matchers, the same ``equal`` labels). The engine's ``Inhibitor`` indexes sources
    the same way; this asks it of the changed ones. One pass per rule a source matches."""
    out: set[str] = set()
    for rule in rules:
        equal = rule.equal
        keys = {
            tuple([src.get(k, "") for k in equal])
            for src in sources
            if matches_all(rule.source, src)
        }
        if not keys:
            continue
        target = rule.target
        out.update(
            fp
            for fp, labels in alerts
            if tuple([labels.get(k, "") for k in equal]) in keys and matches_all(target, labels)
        )
    return out
