"""OpenSLO v1 ``kind: SLO`` documents <-> ``Slo``. Pure: text in, values out.

Mapping (Lookout measures its own SLIs, so metric sources are of type ``lookout`` and name
the cluster/service/route rather than a query):

* ``spec.indicator.spec.ratioMetric`` -> availability; ``thresholdMetric`` -> latency with
  ``objectives[0].op: lte`` and ``objectives[0].value`` the threshold in seconds.
* ``spec.timeWindow[0]``: ``{duration: 7d|28d|30d, isRolling: true}`` or
  ``{duration: 1M|1Q, isRolling: false, calendar: {timeZone: …}}``.
* ``objectives[0].target`` -> objective; ``metadata.labels`` -> owner labels.

Anything else is refused with a ``DefinitionError`` naming the field's path, so an API can
answer 422 with it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from master.slo.definitions import Calendar, Rolling, SliType, Slo
from master.slo.errors import DefinitionError

API_VERSION = "openslo/v1"
SOURCE_TYPE = "lookout"
_DURATION = re.compile(r"^(\d+)([dMQ])$")


def _get(node: Any, path: str, key: str, kind: type | tuple[type, ...] = object) -> Any:
    if not isinstance(node, Mapping) or key not in node:
        raise DefinitionError(f"{path}.{key}" if path else key, "is required")
    value = node[key]
    if not isinstance(value, kind):
        raise DefinitionError(
            f"{path}.{key}" if path else key, f"has the wrong type ({type(value).__name__})"
        )
    return value


def parse(text: str) -> Slo:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise DefinitionError("document", f"not YAML: {e}") from e
    if _get(doc, "", "apiVersion", str) != API_VERSION:
        raise DefinitionError("apiVersion", f"expected {API_VERSION}")
    if _get(doc, "", "kind", str) != "SLO":
        raise DefinitionError("kind", "expected SLO")
    meta = _get(doc, "", "metadata", dict)
    spec = _get(doc, "", "spec", dict)
    name = _get(meta, "metadata", "name", str)
    labels = meta.get("labels") or {}
    if not isinstance(labels, dict):
        raise DefinitionError("metadata.labels", "must be a map")
    service = _get(spec, "spec", "service", str)
    indicator = _get(_get(spec, "spec", "indicator", dict), "spec.indicator", "spec", dict)
    objective = _get(spec, "spec", "objectives", list)
    if not objective:
        raise DefinitionError("spec.objectives", "needs one objective")
    obj = objective[0]
    target = _get(obj, "spec.objectives[0]", "target", (int, float))
    source, sli, threshold = _indicator(indicator, obj)
    return Slo(
        name=name,
        cluster=str(source.get("cluster", "")),
        namespace=str(source.get("namespace", "")),
        service=service,
        route=str(source.get("route", "")),
        objective=float(target),
        sli=sli,
        threshold_s=threshold,
        window=_window(_get(spec, "spec", "timeWindow", list)),
        owner={str(k): str(v) for k, v in labels.items()},
    )


def _indicator(
    ind: Mapping[str, Any], obj: Mapping[str, Any]
) -> tuple[Mapping[str, Any], SliType, float | None]:
    path = "spec.indicator.spec"
    if "ratioMetric" in ind:
        ratio = _get(ind, path, "ratioMetric", dict)
        good = _source(_get(ratio, f"{path}.ratioMetric", "good", dict), f"{path}.ratioMetric.good")
        _source(_get(ratio, f"{path}.ratioMetric", "total", dict), f"{path}.ratioMetric.total")
        return good, SliType.AVAILABILITY, None
    if "thresholdMetric" in ind:
        src = _source(_get(ind, path, "thresholdMetric", dict), f"{path}.thresholdMetric")
        if _get(obj, "spec.objectives[0]", "op", str) != "lte":
            raise DefinitionError("spec.objectives[0].op", "a latency SLO needs lte")
        value = _get(obj, "spec.objectives[0]", "value", (int, float))
        return src, SliType.LATENCY, float(value)
    raise DefinitionError(f"{path}", "needs ratioMetric or thresholdMetric")


def _source(node: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    ms = _get(node, path, "metricSource", dict)
    if _get(ms, f"{path}.metricSource", "type", str).lower() != SOURCE_TYPE:
        raise DefinitionError(f"{path}.metricSource.type", f"expected {SOURCE_TYPE}")
    spec: Mapping[str, Any] = _get(ms, f"{path}.metricSource", "spec", dict)
    return spec


def _window(windows: list[Any]) -> Rolling | Calendar:
    if len(windows) != 1:
        raise DefinitionError("spec.timeWindow", "needs exactly one window")
    w = windows[0]
    duration = _get(w, "spec.timeWindow[0]", "duration", str)
    m = _DURATION.match(duration)
    rolling = bool(w.get("isRolling", False)) if isinstance(w, Mapping) else False
    if m is None:
        raise DefinitionError(
            "spec.timeWindow[0].duration", f"{duration!r} is not like 30d, 1M, 1Q"
        )
    n, unit = int(m.group(1)), m.group(2)
    if rolling and unit == "d":
        return Rolling(n)
    if not rolling and unit in "MQ" and n == 1:
        cal = w.get("calendar") or {}
        tz = str(cal.get("timeZone", "UTC")) if isinstance(cal, Mapping) else "UTC"
        return Calendar("month" if unit == "M" else "quarter", tz)
    raise DefinitionError("spec.timeWindow[0]", "expected a rolling 7d/28d/30d or a calendar 1M/1Q")


def export(slo: Slo) -> str:
    source = {
        "type": SOURCE_TYPE,
        "spec": {"cluster": slo.cluster, "service": slo.service, "route": slo.route}
        | ({"namespace": slo.namespace} if slo.namespace else {}),
    }
    objective: dict[str, Any] = {"target": slo.objective}
    indicator: dict[str, Any]
    if slo.sli is SliType.AVAILABILITY:
        indicator = {
            "ratioMetric": {
                "counter": True,
                "good": {"metricSource": source},
                "total": {"metricSource": source},
            }
        }
    else:
        indicator = {"thresholdMetric": {"metricSource": source}}
        objective |= {"op": "lte", "value": slo.threshold_s}
    if isinstance(slo.window, Rolling):
        window: dict[str, Any] = {"duration": f"{slo.window.days}d", "isRolling": True}
    else:
        unit = "1M" if slo.window.unit == "month" else "1Q"
        window = {
            "duration": unit,
            "isRolling": False,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": slo.window.tz},
        }
    doc = {
        "apiVersion": API_VERSION,
        "kind": "SLO",
        "metadata": {"name": slo.name, "labels": dict(slo.owner)},
        "spec": {
            "service": slo.service,
            "indicator": {"metadata": {"name": f"{slo.name}-sli"}, "spec": indicator},
            "timeWindow": [window],
            "budgetingMethod": "Occurrences",
            "objectives": [objective],
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)
