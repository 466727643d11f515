"""The alerting config: Alertmanager's syntax accepted as pasted, errors that name the file,
line and field, and what Lookout does not support refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from master.alerts.config import AlertConfigError, ConfigProblem, default_config, load_config
from master.alerts.engine import AlertEngine
from master.alerts.routing import compile_route

KUBE_PROMETHEUS_STACK = """\
global:
  resolve_timeout: 5m
inhibit_rules:
  - source_matchers:
      - 'severity = critical'
    target_matchers:
      - 'severity =~ warning|info'
    equal:
      - 'namespace'
      - 'alertname'
  - source_matchers:
      - 'severity = warning'
    target_matchers:
      - 'severity = info'
    equal:
      - 'namespace'
      - 'alertname'
  - source_matchers:
      - 'alertname = InfoInhibitor'
    target_matchers:
      - 'severity = info'
    equal:
      - 'namespace'
  - target_matchers:
      - 'alertname = InfoInhibitor'
route:
  group_by: ['namespace']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 12h
  receiver: 'null'
  routes:
  - receiver: 'null'
    matchers:
      - alertname = "Watchdog"
receivers:
- name: 'null'
"""

TEAM_SLACK_AND_EMAIL = """\
global:
  smtp_smarthost: 'smtp.example.org:587'
  smtp_from: 'alertmanager@example.org'
  smtp_auth_username: 'alertmanager'
  smtp_auth_password: 'secret'
  slack_api_url: 'https://hooks.slack.com/services/T000/B000/XXXX'

route:
  receiver: 'team-X-mails'
  group_by: ['alertname', 'cluster', 'service']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 3h
  routes:
    - matchers:
        - service=~"foo1|foo2|baz"
      receiver: team-X-mails
      routes:
        - matchers:
            - severity="critical"
          receiver: team-X-pager
    - matchers:
        - service="files"
      receiver: team-Y-mails
      routes:
        - matchers:
            - severity="critical"
          receiver: team-Y-pager
          active_time_intervals: [offhours]
    - match:
        service: database
      receiver: team-DB-pager
      group_by: [alertname, cluster, database]
      routes:
        - match:
            owner: team-X
          receiver: team-X-pager
          continue: true
        - match_re:
            owner: team-Y|team-Z
          receiver: team-Y-pager
    - receiver: 'slack-notifications'
      group_by: ['...']
      matchers: ['{team="frontend", env!="dev"}']
      mute_time_intervals: [weekends, holidays]

inhibit_rules:
  - source_match:
      severity: 'critical'
    target_match:
      severity: 'warning'
    equal: ['alertname', 'cluster', 'service']

time_intervals:
  - name: offhours
    time_intervals:
      - times:
          - start_time: '00:00'
            end_time: '09:00'
          - start_time: '17:00'
            end_time: '24:00'
        weekdays: ['monday:friday']
        location: 'America/New_York'
      - weekdays: ['saturday', 'sunday']
  - name: weekends
    time_intervals:
      - weekdays: ['saturday:sunday']
  - name: holidays
    time_intervals:
      - months: ['december']
        days_of_month: ['24:26', '-1']
      - months: ['1']
        days_of_month: ['1']
        years: ['2026:2030']

receivers:
  - name: 'team-X-mails'
    email_configs:
      - to: 'team-X+alerts@example.org'
        send_resolved: true
  - name: 'team-X-pager'
    email_configs:
      - to: 'team-X+alerts-critical@example.org'
  - name: 'team-Y-mails'
    email_configs:
      - to: 'team-Y+alerts@example.org'
  - name: 'team-Y-pager'
    webhook_configs:
      - url: 'https://pager.example.org/hook'
        send_resolved: true
        max_alerts: 50
  - name: 'team-DB-pager'
    webhook_configs:
      - url: 'https://db-pager.example.org/alertmanager'
        http_config:
          authorization:
            credentials: 'token'
  - name: 'slack-notifications'
    slack_configs:
      - channel: '#alerts'
        send_resolved: true
        title: '{{ .CommonLabels.alertname }}'
"""

PLATFORM_TEAMS_AND_PUSH = """\
time_zone: Europe/Berlin
route:
  receiver: platform
  group_by: [cluster, namespace, owner]
  routes:
    - receiver: upstream-am
      matchers: ['severity=~"critical|warning"']
      continue: true
    - receiver: teams
      matchers:
        - cluster =~ "prod-.*"
        - namespace !~ "kube-.*|monitoring"
      repeat_interval: 1h
receivers:
  - name: platform
    webhook_configs:
      - url: http://lookout-sink.monitoring.svc:8080/
  - name: upstream-am
    alertmanager_configs:
      - url: http://alertmanager.monitoring.svc:9093
  - name: teams
    msteams_configs:
      - webhook_url: https://example.webhook.office.com/workflows/abc
rules:
  - name: ignore-completed-jobs
    matchers: ['reason="JobFailed"', 'namespace=~"ci-.*"']
    disabled: true
  - name: restart-storms-are-warnings
    match: {reason: RestartStorm}
    severity: warning
    for: 5m
    flap: {window: 30m, transitions: 4, settle: 10m}
"""


@pytest.mark.parametrize(
    "text", [KUBE_PROMETHEUS_STACK, TEAM_SLACK_AND_EMAIL, PLATFORM_TEAMS_AND_PUSH]
)
def test_pasted_real_world_configs_parse_and_run(text: str) -> None:
    config = load_config(text)
    AlertEngine(config).due(0)


def test_a_pasted_config_routes_as_alertmanager_would():
    root = compile_route(load_config(TEAM_SLACK_AND_EMAIL).route)

    def receivers(**labels: str) -> list[str]:
        return [r.opts.receiver for r in root.match(labels)]

    assert receivers(service="foo1", severity="critical") == ["team-X-pager"]
    assert receivers(service="foo2") == ["team-X-mails"]
    # continue goes on to the later siblings, never back to the parent
    assert receivers(service="database", owner="team-X") == ["team-X-pager"]
    assert receivers(service="database", owner="nobody") == ["team-DB-pager"]
    assert receivers(service="database", owner="team-Z") == ["team-Y-pager"]
    assert receivers(team="frontend", env="prod") == ["slack-notifications"]
    assert receivers(team="frontend", env="dev") == ["team-X-mails"]
    (db,) = root.match({"service": "database", "owner": "team-Z"})
    assert db.opts.group_by == ("alertname", "cluster", "database")
    assert db.opts.repeat_interval_ms == 3 * 3_600_000  # inherited


def test_the_default_config_is_one_webhook_receiver_grouped_by_cluster_namespace_owner():
    config = default_config(webhook_url="http://sink:8080/")
    assert config.route.receiver == "default"
    assert config.route.group_by == ["cluster", "namespace", "owner"]
    assert (config.route.group_wait, config.route.group_interval) == (30_000, 300_000)
    assert config.route.repeat_interval == 4 * 3_600_000
    assert config.receivers[0].webhook_configs == [{"url": "http://sink:8080/"}]


def _problems(text: str) -> list[ConfigProblem]:
    with pytest.raises(AlertConfigError) as info:
        load_config(text, source="/etc/lookout/alerting.yaml")
    return list(info.value.problems)


def test_an_error_names_the_file_the_line_and_the_field():
    text = """\
route:
  receiver: team
  group_wait: 30s
  routes:
    - receiver: team
      matchers: ['severity="critical"']
    - receiver: team
      group_interval: soon
receivers:
  - name: team
"""
    (p,) = _problems(text)
    assert p == ConfigProblem(
        "/etc/lookout/alerting.yaml",
        8,
        "route.routes[1].group_interval",
        "'soon' is not a duration: use Prometheus syntax such as 30s, 5m or 1h30m",
    )
    assert str(p).startswith("/etc/lookout/alerting.yaml:8: route.routes[1].group_interval: ")


def test_every_problem_is_listed_in_line_order_with_its_own_line():
    text = """\
route:
  receiver: team
  group_by: [cluster, '...']
receivers:
  - name: team
    webhook_configs:
      - url: http://x
  - webhook_configs: []
inhibit_rules:
  - source_matchers: ['severity=~"(critical"']
    target_matchers: ['severity="warning"']
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: "22:00", end_time: "06:00"}]
        weekdays: [funday]
"""
    got = [(p.line, p.field) for p in _problems(text)]
    assert got == [
        (3, "route.group_by"),
        (8, "receivers[1].name"),
        (10, "inhibit_rules[0].source_matchers[0]"),
        (15, "time_intervals[0].time_intervals[0].times[0].end_time"),
        (16, "time_intervals[0].time_intervals[0].weekdays[0]"),
    ]


def test_references_to_missing_receivers_and_time_intervals_name_their_line():
    text = """\
route:
  receiver: team
  routes:
    - receiver: pager
      mute_time_intervals: [weekend]
receivers:
  - name: team
"""
    assert [(p.line, p.field, p.message) for p in _problems(text)] == [
        (4, "route.routes[0].receiver", "no receiver is named 'pager'"),
        (5, "route.routes[0].mute_time_intervals[0]", "no time interval is named 'weekend'"),
    ]


def test_unsupported_alertmanager_keys_are_refused_by_name_not_ignored():
    text = """\
global:
  resolve_timeout: 5m
  pagerduty_url: https://events.pagerduty.com/v2/enqueue
templates:
  - /etc/alertmanager/*.tmpl
route:
  receiver: oncall
receivers:
  - name: oncall
    pagerduty_configs:
      - routing_key: abc
    opsgenie_configs:
      - api_key: def
"""
    assert [str(p) for p in _problems(text)] == [
        "/etc/lookout/alerting.yaml:3: global.pagerduty_url: global.pagerduty_url is not"
        " supported by Lookout: use webhook_configs (Alertmanager's webhook payload) or"
        " alertmanager_configs",
        "/etc/lookout/alerting.yaml:4: templates: templates is not supported by Lookout:"
        " notification text comes from Lookout's own per-channel templates",
        "/etc/lookout/alerting.yaml:10: receivers[0].pagerduty_configs: pagerduty_configs is"
        " not supported by Lookout: use webhook_configs (Alertmanager's webhook payload) or"
        " alertmanager_configs",
        "/etc/lookout/alerting.yaml:12: receivers[0].opsgenie_configs: opsgenie_configs is"
        " not supported by Lookout: use webhook_configs (Alertmanager's webhook payload) or"
        " alertmanager_configs",
    ]


def test_an_unknown_key_is_refused_as_unknown_on_its_line():
    text = "route:\n  receiver: a\n  group_wiat: 30s\nreceivers:\n  - name: a\n"
    (p,) = _problems(text)
    assert (p.line, p.field, p.message) == (
        3,
        "route.group_wiat",
        "unknown key 'group_wiat': not part of Lookout's alerting config",
    )


def test_a_duplicated_key_is_refused_because_yaml_would_keep_only_the_last():
    text = "route:\n  receiver: a\n  receiver: b\nreceivers:\n  - name: a\n  - name: b\n"
    (p,) = _problems(text)
    assert (p.line, p.field) == (3, "route.receiver")


def test_broken_yaml_names_its_line():
    (p,) = _problems("route:\n  receiver: a\n   bad: [\nreceivers: []\n")
    assert p.line == 3 and p.message.startswith("not valid YAML")


def test_the_root_route_may_not_have_matchers_or_time_intervals():
    text = """\
route:
  receiver: a
  matchers: ['a="b"']
  mute_time_intervals: [x]
receivers:
  - name: a
time_intervals:
  - name: x
"""
    assert [(p.line, p.field) for p in _problems(text)] == [
        (1, "route"),
        (4, "route.mute_time_intervals"),
    ]


def test_a_number_without_a_unit_is_not_a_duration():
    (p,) = _problems("route:\n  receiver: a\n  repeat_interval: 3600\nreceivers:\n  - name: a\n")
    assert p.message == "3600 is not a duration: write it with a unit, e.g. 30s or 5m"


def test_the_readmes_example_config_loads():
    readme = Path(__file__).resolve().parents[3] / "master" / "alerts" / "README.md"
    text = readme.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    config = load_config(text, source="README.md")
    assert [r.name for r in config.rules] == ["restart-storms", "ci-jobs", "pull-errors"]
    assert config.rules[2].enrich is True


def test_alertmanagers_older_top_level_mute_time_intervals_still_name_intervals():
    text = """\
route:
  receiver: a
  routes:
    - receiver: a
      mute_time_intervals: [nights]
receivers:
  - name: a
mute_time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: "00:00", end_time: "06:00"}]
"""
    config = load_config(text)
    assert [t.name for t in config.all_time_intervals()] == ["nights"]


def test_a_rule_s_enrich_becomes_the_annotation_the_enricher_reads_and_only_when_set():
    from master.alerts.rules import ENRICH_ANNOTATION, compile_rules

    config = load_config(
        """
route: {receiver: r}
receivers: [{name: r}]
rules:
  - {name: pull-errors, match: {reason: ImagePullBackOff}, enrich: true}
  - {name: quiet-ns, match: {namespace: batch}, enrich: false, annotations: {runbook: x}}
  - {name: default, match: {reason: Evicted}}
"""
    )
    on, off, default = compile_rules(config.rules)
    assert on.annotations == {ENRICH_ANNOTATION: "true"}
    assert off.annotations == {"runbook": "x", ENRICH_ANNOTATION: "false"}
    assert default.annotations == {}
    with pytest.raises(AlertConfigError, match="enrich"):
        load_config(
            "route: {receiver: r}\nreceivers: [{name: r}]\nrules: [{name: a, enrich: maybe}]"
        )
