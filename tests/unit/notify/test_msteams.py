"""The Teams workflow message: one Adaptive Card attachment, bounded."""

from __future__ import annotations

import orjson

from master.notify.channels.msteams import TeamsConfig, render
from tests.unit.notify.samples import T0, crashloop

CONFIG = TeamsConfig.model_validate({"url": "https://prod.westeurope.logic.azure.com/wf?sig=x"})


def test_the_message_carries_one_adaptive_card() -> None:
    body = orjson.loads(render(crashloop(2), CONFIG, now_ms=T0).body)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["body"][0]["text"] == "🔴 Firing: CrashLoopBackOff · Deployment/api"
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Severity"] == "🔴 Critical"
    assert facts["Cluster"] == "prod-eu"
    assert card["actions"][0]["type"] == "Action.OpenUrl"


def test_500_pods_stay_under_teams_payload_limit_and_say_how_many_were_left_out() -> None:
    request = render(crashloop(500), CONFIG, now_ms=T0)
    assert len(request.body) < 28_000
    card = orjson.loads(request.body)["attachments"][0]["content"]
    shown = card["body"][2]["text"].count("\n") + 1
    assert card["body"][3]["text"] == f"…and {500 - shown} more not shown"


def test_markdown_in_label_values_is_shown_literally() -> None:
    from dataclasses import replace

    n = crashloop(1)
    alert = replace(n.alerts[0], annotations={"summary": "**bold** [link](http://x)"})
    card = orjson.loads(render(replace(n, alerts=(alert,)), CONFIG, now_ms=T0).body)
    text = card["attachments"][0]["content"]["body"][2]["text"]
    assert "\\*\\*bold\\*\\* \\[link\\](http://x)" in text
