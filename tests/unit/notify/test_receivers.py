"""Receiver config at the trust boundary; the catalogues; the test-send notification."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from master.notify import CHANNELS, parse_receiver, synthetic_notification
from master.notify.errors import UnknownChannel
from master.notify.i18n import CATALOGUES


def test_every_channel_is_in_the_table() -> None:
    assert set(CHANNELS) == {"slack", "email", "webhook", "alertmanager", "msteams"}


def test_a_receiver_parses_into_its_channels_config_with_secrets_masked() -> None:
    r = parse_receiver(
        {
            "name": "oncall",
            "channel": "slack",
            "language": "zh",
            "config": {"url": "https://hooks.slack.com/services/T/B/very-secret"},
        }
    )
    assert r.language == "zh" and r.max_concurrency == 4
    assert "very-secret" not in repr(r)


def test_an_unknown_channel_is_refused_by_name() -> None:
    with pytest.raises(UnknownChannel, match="'pager'"):
        parse_receiver({"name": "x", "channel": "pager", "config": {}})


def test_unknown_fields_are_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError, match="chanel"):
        parse_receiver({"name": "x", "chanel": "slack", "channel": "slack", "config": {}})
    with pytest.raises(ValidationError, match="webhook_url"):
        parse_receiver(
            {"name": "x", "channel": "slack", "config": {"webhook_url": "https://x.example"}}
        )


def test_a_metadata_url_is_refused_when_the_receiver_is_saved() -> None:
    with pytest.raises(ValidationError, match="metadata"):
        parse_receiver(
            {"name": "x", "channel": "webhook", "config": {"url": "http://169.254.169.254/"}}
        )


def test_every_catalogue_has_every_phrase() -> None:
    keys = set(CATALOGUES["en"])
    for language, catalogue in CATALOGUES.items():
        assert set(catalogue) == keys, language


def test_the_test_notification_is_unique_per_press_and_says_it_is_a_test() -> None:
    a = synthetic_notification("oncall", now_ms=1, language="ja")
    b = synthetic_notification("oncall", now_ms=2, language="ja")
    assert a.idempotency_key != b.idempotency_key
    assert a.alerts[0].labels["alertname"] == "LookoutTestNotification"
    assert a.alerts[0].annotations["summary"] == "Lookout テスト通知"
