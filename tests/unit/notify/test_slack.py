"""Slack Block Kit rendering within Slack's documented limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest

from master.notify.channels.slack import SlackConfig, escape, render
from master.notify.message import Attachment
from tests.unit.notify.samples import T0, crashloop

CONFIG = SlackConfig.model_validate({"url": "https://hooks.slack.com/services/T/B/secret"})


def _payload(n) -> dict[str, Any]:
    return orjson.loads(render(n, CONFIG, now_ms=T0).body)


def assert_within_block_kit_limits(payload: dict[str, Any]) -> None:
    """Slack's documented limits for a message's blocks."""
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    assert len(payload["text"]) <= 40_000
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= 150
        elif kind == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3_000
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(len(f["text"]) <= 2_000 for f in fields)
        elif kind == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3_000 for e in block["elements"])
        elif kind == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= 75
                assert len(button["url"]) <= 3_000
        else:
            pytest.fail(f"unexpected block type {kind}")


def test_500_grouped_pods_fit_slacks_limits_and_say_how_many_were_left_out() -> None:
    payload = _payload(crashloop(500))
    assert_within_block_kit_limits(payload)
    shown = sum(
        b["text"]["text"].count("\n• ") + 1
        for b in payload["blocks"]
        if b["type"] == "section" and "text" in b and b["text"]["text"].startswith("• ")
    )
    more = [b for b in payload["blocks"] if b["type"] == "context"]
    assert len(more) == 1
    assert more[0]["elements"][0]["text"] == f"…and {500 - shown} more not shown"
    assert 10 < shown < 500


def test_the_count_includes_alerts_the_core_already_truncated() -> None:
    payload = _payload(crashloop(3, truncated=40))
    text = orjson.dumps(payload).decode()
    assert "43 firing" in text
    assert "…and 40 more not shown" in text


def test_severity_is_shown_as_an_emoji_and_a_word_with_cluster_and_namespace() -> None:
    fields = _payload(crashloop(2))["blocks"][1]["fields"]
    texts = [f["text"] for f in fields]
    assert "*Severity*\n🔴 Critical" in texts
    assert "*Cluster*\n`prod-eu`" in texts
    assert "*Namespace*\n`shop`" in texts


def test_the_header_names_status_and_subject_and_the_button_links_the_dashboard() -> None:
    blocks = _payload(crashloop(2))["blocks"]
    assert blocks[0]["text"]["text"] == "🔴 Firing: CrashLoopBackOff · Deployment/api"
    button = blocks[-1]["elements"][0]
    assert button["url"] == (
        "https://lookout.example.com/alerts?cluster=prod-eu&namespace=shop&severity=critical"
    )


def test_label_values_cannot_inject_mentions_or_links() -> None:
    assert escape("<!channel> & <http://evil|x>") == "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;"


def test_the_frame_is_translated_and_kubernetes_terms_are_not() -> None:
    payload = _payload(crashloop(2, language="ja"))
    assert payload["blocks"][0]["text"]["text"] == "🔴 発生中: CrashLoopBackOff · Deployment/api"
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert "*重要度*\n🔴 重大" in fields
    assert "*namespace*\n`shop`" in fields


def test_log_lines_are_attached_within_a_section_keeping_the_end() -> None:
    logs = Attachment("api-7d9f-0000 (previous)", "\n".join(f"line {i}" for i in range(2000)))
    payload = _payload(crashloop(1, attachments=(logs,)))
    assert_within_block_kit_limits(payload)
    text = orjson.dumps(payload).decode()
    assert "line 1999" in text and "line 0\\n" not in text


def test_the_webhook_url_is_masked_in_reprs() -> None:
    assert "secret" not in repr(CONFIG)
    assert "secret" not in repr(render(crashloop(1), CONFIG, now_ms=T0))


def test_without_an_external_url_there_is_no_button_to_nowhere() -> None:
    blocks = _payload(replace(crashloop(2), external_url=""))["blocks"]
    assert not [b for b in blocks if b["type"] == "actions"]
    assert [b for b in _payload(crashloop(2))["blocks"] if b["type"] == "actions"]
