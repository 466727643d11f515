"""The SLO definitions file (YAML) -> ``SloConfig``; every problem names file, line and field.

    timezone: Europe/Berlin        # calendar windows, daily roll-ups and reports
    slos:
      - name: checkout-availability
        cluster: prod
        namespace: shop            # optional: the service's name in any namespace
        service: checkout
        route: checkout            # optional: an Ingress or HTTPRoute name
        sli: availability          # or latency (then threshold: 300ms, a bucket boundary)
        objective: 99.9            # percent
        window: 30d                # 7d, 28d, 30d, month or quarter
        owner: {team: payments}
        alerting:                  # optional; the SRE workbook's four rules by default
          min_requests: 100
          min_bad: 5
          rules: [{severity: page, long: 1h, short: 5m, factor: 14.4}]

A bad file is refused whole (``SloConfigError``); the caller keeps the config it runs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from master.alerts import yamlsource
from master.alerts.config import ConfigProblem
from master.alerts.durations import parse_duration
from master.alerts.yamlsource import data_path, dotted
from master.slo.definitions import (
    WORKBOOK_RULES,
    BurnRule,
    Calendar,
    Guard,
    Rolling,
    SliType,
    Slo,
    Window,
)
from master.slo.errors import DefinitionError, SloError

_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$")
EMPTY = "slos: []\n"
# Slo's field names -> the file's keys, so an error points at what the user wrote.
_YAML_KEY = {"threshold_s": "threshold", "window.days": "window", "window.unit": "window"}


class SloConfigError(SloError):
    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.line))
        super().__init__("\n".join(map(str, self.problems)))


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: Literal["page", "ticket"]
    long: str
    short: str
    factor: float = Field(gt=0)

    @field_validator("long", "short")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v


class _Alerting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_requests: int = Field(Guard().min_requests, ge=0)
    min_bad: int = Field(Guard().min_bad, ge=0)
    rules: list[_Rule] | None = None


class _Slo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    cluster: str = Field(min_length=1)
    namespace: str = ""
    service: str = Field(min_length=1)
    route: str = ""
    sli: SliType = SliType.AVAILABILITY
    threshold: str | None = None
    objective: float
    window: str = "30d"
    owner: dict[str, str] = Field(default_factory=dict)
    alerting: _Alerting = Field(default_factory=_Alerting)
    budget_policy: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"{v!r}: lower-case letters, digits, '.', '_' and '-' (URL-safe)")
        return v

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: float) -> float:
        if not 1.0 < v < 100.0:
            raise ValueError(f"{v:g} is not a percentage in (1, 100): write 99.9, not 0.999")
        return v

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        if v not in ("7d", "28d", "30d", "month", "quarter"):
            raise ValueError(f"{v!r}: expected 7d, 28d, 30d, month or quarter")
        return v


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timezone: str = "UTC"
    slos: list[_Slo] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)") from None
        return v


@dataclass(frozen=True, slots=True)
class SloConfig:
    timezone: str
    slos: tuple[Slo, ...]
    policy: frozenset[str]  # names of the SLOs whose error-budget policy is on
    text: str = EMPTY

    def by_name(self, name: str) -> Slo | None:
        return next((s for s in self.slos if s.name == name), None)


def parse(text: str, *, source: str) -> SloConfig:
    """Parse and check ``text``; ``SloConfigError`` lists every problem found."""
    try:
        doc = yamlsource.load(text)
    except yamlsource.YamlSyntaxError as e:
        raise SloConfigError([ConfigProblem(source, e.line, "", str(e))]) from e
    data = {} if doc.data is None else doc.data
    problems = [
        ConfigProblem(source, line, dotted(p), "duplicate key: only the last counts")
        for p, line in doc.duplicates
    ]
    if not isinstance(data, dict):
        raise SloConfigError([ConfigProblem(source, 1, "", "the file must be a map")])
    try:
        model = _File.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            path = data_path(data, err["loc"])
            problems.append(ConfigProblem(source, doc.line_of(path), dotted(path), _msg(err)))
        raise SloConfigError(problems) from None
    slos: list[Slo] = []
    for i, spec in enumerate(model.slos):
        where: yamlsource.Path = ("slos", i)
        if spec.name in {s.name for s in slos}:
            problems.append(_problem(source, doc, (*where, "name"), "defined twice"))
            continue
        try:
            slos.append(_slo(spec, model.timezone))
        except DefinitionError as e:
            key = _YAML_KEY.get(e.field, e.field)
            path = (*where, *key.split("."))
            problems.append(_problem(source, doc, path, str(e).split(": ", 1)[-1]))
    if problems:
        raise SloConfigError(problems)
    policy = frozenset(s.name for s in model.slos if s.budget_policy)
    return SloConfig(model.timezone, tuple(slos), policy, text)


def _problem(
    source: str, doc: yamlsource.Located, path: yamlsource.Path, msg: str
) -> ConfigProblem:
    return ConfigProblem(source, doc.line_of(path), dotted(path), msg)


def _msg(err: Any) -> str:
    kind, msg = err["type"], str(err["msg"])
    if kind == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}"
    if kind == "missing":
        return "required field missing"
    return msg.removeprefix("Value error, ")


def _window(text: str, tz: str) -> Window:
    if text in ("month", "quarter"):
        return Calendar(text, tz)
    return Rolling(int(text.removesuffix("d")))


def _slo(spec: _Slo, tz: str) -> Slo:
    threshold: float | None = None
    if spec.sli is SliType.LATENCY:
        if spec.threshold is None:
            raise DefinitionError("threshold", "a latency SLO needs a threshold, e.g. 300ms")
        try:
            threshold = parse_duration(spec.threshold) / 1000.0
        except ValueError as e:
            raise DefinitionError("threshold", str(e)) from None
    elif spec.threshold is not None:
        raise DefinitionError("threshold", "only a latency SLO has a threshold")
    rules = WORKBOOK_RULES
    if spec.alerting.rules is not None:
        rules = tuple(
            BurnRule(
                r.severity,
                parse_duration(r.long) // 1000,
                parse_duration(r.short) // 1000,
                r.factor,
            )
            for r in spec.alerting.rules
        )
    return Slo(
        name=spec.name,
        cluster=spec.cluster,
        namespace=spec.namespace,
        service=spec.service,
        route=spec.route,
        objective=spec.objective / 100.0,
        sli=spec.sli,
        threshold_s=threshold,
        window=_window(spec.window, tz),
        owner=dict(spec.owner),
        rules=rules,
        guard=Guard(spec.alerting.min_requests, spec.alerting.min_bad),
    )


def _duration_text(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def entry_of(slo: Slo, *, budget_policy: bool = False) -> dict[str, Any]:
    """The definitions-file entry that parses back to ``slo`` (defaults left out)."""
    entry: dict[str, Any] = {"name": slo.name, "cluster": slo.cluster}
    if slo.namespace:
        entry["namespace"] = slo.namespace
    entry["service"] = slo.service
    if slo.route:
        entry["route"] = slo.route
    if slo.sli is SliType.LATENCY and slo.threshold_s is not None:
        entry["sli"] = "latency"
        entry["threshold"] = f"{round(slo.threshold_s * 1000)}ms"
    entry["objective"] = round(slo.objective * 100, 6)
    w = slo.window
    entry["window"] = w.unit if isinstance(w, Calendar) else f"{w.days}d"
    if slo.owner:
        entry["owner"] = dict(slo.owner)
    alerting: dict[str, Any] = {}
    if slo.guard != Guard():
        alerting |= {"min_requests": slo.guard.min_requests, "min_bad": slo.guard.min_bad}
    if slo.rules != WORKBOOK_RULES:
        alerting["rules"] = [
            {
                "severity": r.severity,
                "long": _duration_text(r.long_s),
                "short": _duration_text(r.short_s),
                "factor": r.factor,
            }
            for r in slo.rules
        ]
    if alerting:
        entry["alerting"] = alerting
    if budget_policy:
        entry["budget_policy"] = True
    return entry
