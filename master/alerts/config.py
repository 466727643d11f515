"""The alerting config: one YAML file, validated, with errors that name file, line and field.

Sections (Alertmanager's syntax where Alertmanager has one, so people paste what they have)::

    global:          resolve_timeout (for generic signals that stop reporting), smtp_*,
                     slack_api_url, http_config: defaults the channels read
    route:           receiver, group_by (``[...]`` = every label), group_wait,
                     group_interval, repeat_interval, matchers / match / match_re, continue,
                     mute_time_intervals, active_time_intervals, routes
    inhibit_rules:   source_matchers / target_matchers / equal (or source_match[_re] /
                     target_match[_re])
    time_intervals:  Alertmanager's (``mute_time_intervals`` at the top, its older name, too)
    receivers:       name + slack_configs / email_configs / webhook_configs /
                     alertmanager_configs / msteams_configs (kept as maps: master.notify
                     validates its own channel settings)
    rules:           Lookout's: match → severity, ``for``, disabled, labels, annotations, flap,
                     enrich (fire-time logs and events: true, false, or the default)
    node_metrics:    Lookout's node-metric thresholds (CPU, memory, filesystem, full-soon trend,
                     load, temperature) with their ``for`` durations
    time_zone:       IANA zone for time intervals without a ``location`` (default UTC)

Keys Lookout does not support are refused by name (``master.alerts.refusals``); unknown keys
are refused as unknown. Cross-references (receivers, time intervals) are checked here, so a
config that loads is one the engine can run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from master.alerts import refusals, yamlsource
from master.alerts.durations import parse_duration
from master.alerts.errors import AlertsError
from master.alerts.matchers import Matcher, parse_matchers
from master.alerts.timeintervals import (
    parse_day_range,
    parse_location,
    parse_month_range,
    parse_time_range,
    parse_weekday_range,
    parse_year_range,
)
from master.alerts.yamlsource import data_path, dotted


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field or '(top)'}: {self.message}"


class AlertConfigError(AlertsError):
    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: p.line))
        super().__init__("\n".join(map(str, self.problems)))


def _duration(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration: write it with a unit, e.g. 30s or 5m")
    return parse_duration(value)


def _matcher_text(text: str) -> str:
    parse_matchers(text)
    return text


def _regex(text: str) -> str:
    Matcher.make("x", "=~", text)
    return text


def _label_value(value: object) -> object:
    # YAML reads ``code: 500`` as a number; a label value is always text.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Duration = Annotated[int, BeforeValidator(_duration)]
MatcherText = Annotated[str, AfterValidator(_matcher_text)]
LabelValue = Annotated[str, BeforeValidator(_label_value)]
RegexText = Annotated[str, BeforeValidator(_label_value), AfterValidator(_regex)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Matching(_Model):
    matchers: list[MatcherText] = []
    match: dict[str, LabelValue] = {}
    match_re: dict[str, RegexText] = {}


class RouteSpec(_Matching):
    receiver: str | None = None
    group_by: list[str] | None = None
    continue_: bool = Field(False, alias="continue")
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    mute_time_intervals: list[str] = []
    active_time_intervals: list[str] = []
    routes: list[RouteSpec] = []

    @field_validator("group_by")
    @classmethod
    def _all_or_names(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and "..." in v and len(v) > 1:
            raise ValueError("'...' groups by every label and must be the only entry")
        return v

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _positive(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("must be longer than 0")
        return v


class InhibitRuleSpec(_Model):
    source_matchers: list[MatcherText] = []
    target_matchers: list[MatcherText] = []
    source_match: dict[str, LabelValue] = {}
    source_match_re: dict[str, RegexText] = {}
    target_match: dict[str, LabelValue] = {}
    target_match_re: dict[str, RegexText] = {}
    equal: list[str] = []


def _each(parse: Any) -> Any:
    def check(v: object) -> str:
        text = str(v)
        parse(text)
        return text

    return AfterValidator(check)


class TimeRangeSpec(_Model):
    start_time: str
    end_time: str

    @field_validator("end_time")
    @classmethod
    def _ordered(cls, v: str, info: Any) -> str:
        start = info.data.get("start_time")
        if start is not None:
            parse_time_range(start, v)
        return v


class IntervalItemSpec(_Model):
    times: list[TimeRangeSpec] = []
    weekdays: list[Annotated[str, _each(parse_weekday_range)]] = []
    days_of_month: list[Annotated[str, BeforeValidator(str), _each(parse_day_range)]] = []
    months: list[Annotated[str, BeforeValidator(str), _each(parse_month_range)]] = []
    years: list[Annotated[str, BeforeValidator(str), _each(parse_year_range)]] = []
    location: Annotated[str, AfterValidator(parse_location)] | None = None


class TimeIntervalSpec(_Model):
    name: str
    time_intervals: list[IntervalItemSpec] = []


class ReceiverSpec(_Model):
    name: str
    slack_configs: list[dict[str, Any]] = []
    email_configs: list[dict[str, Any]] = []
    webhook_configs: list[dict[str, Any]] = []
    alertmanager_configs: list[dict[str, Any]] = []
    msteams_configs: list[dict[str, Any]] = []


class FlapSpec(_Model):
    """Flapping: ``transitions`` state changes within ``window``; damped until ``settle``
    passes without one. Defaults: four changes (fired, resolved, fired again, resolved
    again) within an hour is not an incident, it is noise."""

    enabled: bool = True
    window: Duration = 3_600_000
    transitions: int = Field(4, ge=2)
    settle: Duration = 900_000


class RuleSpec(_Matching):
    name: str
    severity: Literal["info", "warning", "critical"] | None = None
    for_: Duration = Field(0, alias="for")
    disabled: bool = False
    labels: dict[str, LabelValue] = {}
    annotations: dict[str, str] = {}
    flap: FlapSpec | None = None
    # Fire-time enrichment (logs and events of the pods): None keeps the default (crash and
    # OOM pod alerts); true/false forces it for the alerts this rule matches.
    enrich: bool | None = None


class NodeMetricsSpec(_Model):
    """Node-metric thresholds (defaults on): a condition must hold for its ``*_for`` before it
    fires. Percentages are of the node's own capacity; load is per core (load5 / cores)."""

    enabled: bool = True
    cpu_percent: float = Field(90.0, gt=0, le=100)
    cpu_for: Duration = 600_000
    memory_percent: float = Field(90.0, gt=0, le=100)
    memory_for: Duration = 300_000
    filesystem_percent: float = Field(85.0, gt=0, le=100)
    filesystem_critical_percent: float = Field(95.0, gt=0, le=100)
    filesystem_for: Duration = 300_000
    full_within: Duration = 24 * 3_600_000  # "disk full within N hours", from the trend
    load_per_core: float = Field(2.0, gt=0)
    load_for: Duration = 900_000
    temperature_c: float = Field(85.0, gt=0)
    temperature_for: Duration = 300_000


class GlobalSpec(_Model):
    resolve_timeout: Duration = 300_000
    smtp_from: str | None = None
    smtp_hello: str | None = None
    smtp_smarthost: str | None = None
    smtp_auth_username: str | None = None
    smtp_auth_password: str | None = None
    smtp_auth_password_file: str | None = None
    smtp_auth_identity: str | None = None
    smtp_auth_secret: str | None = None
    smtp_require_tls: bool | None = None
    slack_api_url: str | None = None
    slack_api_url_file: str | None = None
    http_config: dict[str, Any] | None = None


class AlertConfig(_Model):
    global_: GlobalSpec = Field(default_factory=GlobalSpec, alias="global")
    route: RouteSpec
    receivers: list[ReceiverSpec]
    inhibit_rules: list[InhibitRuleSpec] = []
    time_intervals: list[TimeIntervalSpec] = []
    mute_time_intervals: list[TimeIntervalSpec] = []
    rules: list[RuleSpec] = []
    node_metrics: NodeMetricsSpec = Field(default_factory=NodeMetricsSpec)
    time_zone: Annotated[str, AfterValidator(parse_location)] = "UTC"

    def all_time_intervals(self) -> list[TimeIntervalSpec]:
        return [*self.time_intervals, *self.mute_time_intervals]


DEFAULT_WEBHOOK_URL = "http://127.0.0.1:9095/alerts"

DEFAULT_YAML = """\
# Lookout's default alerting config: everything to one webhook receiver, grouped per
# cluster, namespace and owning workload (100 crash-looping pods of one Deployment are one
# notification), first sent after 30s, updated at most every 5m, repeated every 4h.
route:
  receiver: default
  group_by: [cluster, namespace, owner]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: default
    webhook_configs:
      - url: {url}
"""


def default_config(*, webhook_url: str = DEFAULT_WEBHOOK_URL) -> AlertConfig:
    return load_config(DEFAULT_YAML.format(url=webhook_url), source="<default>")


def load_config(text: str, *, source: str = "alerting.yaml") -> AlertConfig:
    """Parse and check ``text``; AlertConfigError lists every problem found."""
    try:
        doc = yamlsource.load(text)
    except yamlsource.YamlSyntaxError as e:
        raise AlertConfigError([ConfigProblem(source, e.line, "", str(e))]) from e
    problems = [
        ConfigProblem(source, line, dotted(path), "duplicate key: only the last would count")
        for path, line in doc.duplicates
    ]
    if not isinstance(doc.data, dict):
        problems.append(ConfigProblem(source, doc.line_of(()), "", "the config must be a map"))
        raise AlertConfigError(problems)
    refused = refusals.refusals(doc.data)
    refused_paths = {p for p, _ in refused}
    problems += [ConfigProblem(source, doc.line_of(p), dotted(p), m) for p, m in refused]
    try:
        config = AlertConfig.model_validate(doc.data)
    except ValidationError as e:
        for err in e.errors():
            path = data_path(doc.data, err["loc"])
            if err["type"] == "extra_forbidden" and path in refused_paths:
                continue
            problems.append(ConfigProblem(source, doc.line_of(path), dotted(path), _msg(err)))
        raise AlertConfigError(problems) from None
    problems += [
        ConfigProblem(source, doc.line_of(p), dotted(p), m) for p, m in _cross_check(config)
    ]
    if problems:
        raise AlertConfigError(problems)
    return config


def _msg(err: Any) -> str:
    kind, msg = err["type"], str(err["msg"])
    if kind == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}: not part of Lookout's alerting config"
    if kind == "missing":
        return "required field missing"
    return msg.removeprefix("Value error, ")


def _cross_check(config: AlertConfig) -> Iterator[tuple[yamlsource.Path, str]]:
    receivers = [r.name for r in config.receivers]
    for i, name in enumerate(receivers):
        if name in receivers[:i]:
            yield ("receivers", i, "name"), f"receiver {name!r} is defined twice"
    intervals = [t.name for t in config.time_intervals]
    older = [t.name for t in config.mute_time_intervals]
    for key, names in (("time_intervals", intervals), ("mute_time_intervals", older)):
        for i, name in enumerate(names):
            if name in names[:i] or (key == "mute_time_intervals" and name in intervals):
                yield (key, i, "name"), f"time interval {name!r} is defined twice"
    rules = [r.name for r in config.rules]
    for i, name in enumerate(rules):
        if name in rules[:i]:
            yield ("rules", i, "name"), f"rule {name!r} is defined twice"
    root = config.route
    if root.receiver is None:
        yield ("route", "receiver"), "the root route needs a receiver"
    if root.matchers or root.match or root.match_re:
        yield ("route",), "the root route matches every alert: it cannot have matchers"
    for key in ("mute_time_intervals", "active_time_intervals"):
        if getattr(root, key):
            yield ("route", key), f"the root route cannot have {key}"
    known = {*intervals, *older}
    yield from _check_route(root, ("route",), set(receivers), known)


def _check_route(
    route: RouteSpec, path: yamlsource.Path, receivers: set[str], intervals: set[str]
) -> Iterator[tuple[yamlsource.Path, str]]:
    if route.receiver is not None and route.receiver not in receivers:
        yield (*path, "receiver"), f"no receiver is named {route.receiver!r}"
    for key in ("mute_time_intervals", "active_time_intervals"):
        for i, name in enumerate(getattr(route, key)):
            if name not in intervals:
                yield (*path, key, i), f"no time interval is named {name!r}"
    for i, child in enumerate(route.routes):
        yield from _check_route(child, (*path, "routes", i), receivers, intervals)
