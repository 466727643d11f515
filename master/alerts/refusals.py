"""Alertmanager keys Lookout refuses, by name, with what to use instead.

A pasted Alertmanager config must either mean here what it meant there or be refused: a
``pagerduty_configs`` that parsed and then never paged would be the worst kind of silence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from master.alerts.yamlsource import Path

_WEBHOOK = "use webhook_configs (Alertmanager's webhook payload) or alertmanager_configs"
_REFUSED_CHANNELS: tuple[str, ...] = (
    "pagerduty",
    "opsgenie",
    "pushover",
    "victorops",
    "wechat",
    "telegram",
)
_REFUSED_CHANNELS += ("sns", "webex", "discord", "jira", "rocketchat", "incidentio")
RECEIVER_KEYS: dict[str, str] = {f"{name}_configs": _WEBHOOK for name in _REFUSED_CHANNELS}
RECEIVER_KEYS["msteamsv2_configs"] = "use msteams_configs (posted to a Teams workflow webhook)"

TOP_KEYS: Mapping[str, str] = {
    "templates": "notification text comes from Lookout's own per-channel templates",
    "tracing": "Lookout's master traces requests itself",
}

_GLOBAL_CHANNELS: tuple[str, ...] = ("opsgenie", "pagerduty", "victorops", "wechat", "telegram")
_GLOBAL_CHANNELS += ("webex", "jira", "rocketchat", "pushover")
GLOBAL_PREFIXES: Mapping[str, str] = {f"{c}_": _WEBHOOK for c in _GLOBAL_CHANNELS}


def refusals(data: Any) -> list[tuple[Path, str]]:
    """``(path, message)`` for every refused key in the raw config data."""
    if not isinstance(data, dict):
        return []
    out: list[tuple[Path, str]] = []
    for key in data:
        if key in TOP_KEYS:
            out.append(((key,), f"{key} is not supported by Lookout: {TOP_KEYS[key]}"))
    glob = data.get("global")
    if isinstance(glob, dict):
        for key in glob:
            hint = next((h for p, h in GLOBAL_PREFIXES.items() if str(key).startswith(p)), None)
            if hint is not None:
                msg = f"global.{key} is not supported by Lookout: {hint}"
                out.append((("global", key), msg))
    receivers = data.get("receivers")
    if isinstance(receivers, list):
        for i, rec in enumerate(receivers):
            if isinstance(rec, dict):
                for key in rec:
                    if key in RECEIVER_KEYS:
                        msg = f"{key} is not supported by Lookout: {RECEIVER_KEYS[key]}"
                        out.append((("receivers", i, key), msg))
    return out
