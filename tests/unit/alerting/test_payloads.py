"""The converter from the core's decision to notify's Notification, the outbox JSON round
trip, and Alertmanager-style receivers mapped onto notify's channels."""

from __future__ import annotations

import pytest

from master.alerting.configfile import parse
from master.alerting.payloads import convert, from_payload, outbox_key, to_payload
from master.alerting.receivers import masked
from master.alerts.config import AlertConfigError
from master.alerts.notifications import Notification, NotifiedAlert


def _decision(starts: int = 10, status: str = "firing") -> Notification:
    alert = NotifiedAlert(
        fingerprint="f1",
        status="firing" if status == "firing" else "resolved",
        labels={"alertname": "CrashLoopBackOff", "namespace": "shop"},
        annotations={"message": "back-off"},
        starts_at_ms=starts,
        ends_at_ms=0 if status == "firing" else starts + 5,
    )
    return Notification(
        receiver="hook",
        group_key='{}:{namespace="shop"}',
        route_key="0",
        status="firing" if status == "firing" else "resolved",
        group_labels={"namespace": "shop"},
        common_labels=dict(alert.labels),
        common_annotations=dict(alert.annotations),
        alerts=(alert,),
        sequence=1,
        idempotency_key="core-key",
        at_ms=starts,
        incident_ms=starts,
    )


def test_a_notification_survives_the_outbox_json() -> None:
    n = convert(
        _decision(status="resolved"),
        receiver="hook",
        idempotency_key="k",
        external_url="https://lookout.example",
        language="ja",
    )
    assert from_payload(to_payload(n)) == n
    assert n.alerts[0].generator_url == "https://lookout.example/alerts/f1"
    assert n.alerts[0].ends_at_ms == 15


def test_each_channel_config_of_a_receiver_gets_its_own_row_key() -> None:
    assert outbox_key("core-key") == "core-key"
    assert outbox_key("core-key", 1) == "core-key-1" != outbox_key("core-key", 2)


def test_the_incident_s_first_key_travels_to_the_channel() -> None:
    n = convert(
        _decision(),
        receiver="hook",
        idempotency_key="k2",
        first_idempotency_key="k1",
        external_url="",
        language="en",
    )
    assert from_payload(to_payload(n)).first_idempotency_key == "k1"


CONFIG = """\
global:
  smtp_smarthost: mail.example:587
  smtp_from: alerts@example.com
route: {receiver: team}
receivers:
  - name: team
    slack_configs:
      - api_url: https://hooks.slack.com/services/T/B/X
        send_resolved: false
    email_configs:
      - to: a@example.com, b@example.com
        auth_username: bot
        auth_password: hunter22
"""


def test_alertmanager_receivers_map_onto_channels_one_per_config() -> None:
    loaded = parse(CONFIG, source="a.yaml")
    assert sorted(loaded.receivers.by_name) == ["team/email#0", "team/slack#0"]
    targets = {t.name: t.send_resolved for t in loaded.receivers.targets["team"]}
    assert targets == {"team/slack#0": False, "team/email#0": True}
    email = loaded.receivers.by_name["team/email#0"].config.model_dump()
    assert (email["host"], email["port"], email["to"]) == (
        "mail.example",
        587,
        ["a@example.com", "b@example.com"],
    )


def test_a_bad_channel_field_names_file_line_and_field() -> None:
    with pytest.raises(AlertConfigError) as e:
        parse(CONFIG.replace("send_resolved: false", "channel: '#ops'"), source="a.yaml")
    assert "a.yaml:9: receivers.0.slack_configs.0.channel" in str(e.value)


def test_secrets_are_masked() -> None:
    data = {"receivers": [{"webhook_configs": [{"url": "http://x/secret", "max_alerts": 3}]}]}
    assert masked(data) == {
        "receivers": [{"webhook_configs": [{"url": "<secret>", "max_alerts": 3}]}]
    }
