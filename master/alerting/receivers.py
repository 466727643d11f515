"""Receivers of the alerting config (Alertmanager's ``receivers:`` with ``*_configs`` lists)
→ notify's receivers (one per channel config), validated by the channel models.

Alertmanager's field names are accepted where Lookout's channel differs (``api_url`` for
Slack, ``webhook_url`` for Teams, ``smarthost`` / ``from`` / ``auth_*`` for email, and the
``global`` SMTP and Slack defaults); ``send_resolved`` (default true) is honoured here. Any
other unknown field is refused by the channel's model, reported as ``file:line: field``. One
config in a receiver keeps the receiver's name; several are named ``name/channel#i``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from master.alerts import yamlsource
from master.alerts.config import AlertConfig, AlertConfigError, ConfigProblem
from master.alerts.yamlsource import dotted
from master.notify.errors import UnknownChannel
from master.notify.receivers import Receiver, parse_receiver

SECTIONS = {
    "webhook_configs": "webhook",
    "slack_configs": "slack",
    "email_configs": "email",
    "alertmanager_configs": "alertmanager",
    "msteams_configs": "msteams",
}
LOOKOUT_KEYS = ("language", "max_concurrency")
# Receiver fields that are credentials: write-only in the API.
SECRET_KEYS = frozenset(
    {
        "url",
        "api_url",
        "webhook_url",
        "password",
        "auth_password",
        "auth_secret",
        "bearer_token",
        "credentials",
        "smtp_auth_password",
        "smtp_auth_secret",
        "slack_api_url",
    }
)
MASK = "<secret>"


@dataclass(frozen=True, slots=True)
class Target:
    name: str  # the notify receiver's name (the outbox row's receiver)
    send_resolved: bool


@dataclass(frozen=True, slots=True)
class ReceiverSet:
    by_name: Mapping[str, Receiver]
    targets: Mapping[str, tuple[Target, ...]]  # alert receiver → its channel configs

    def get(self, name: str) -> Receiver | None:
        return self.by_name.get(name)


class SecretFileError(ValueError):
    """A ``*_file`` secret that cannot be read: a config problem, reported with its line."""


def _secret(value: Any, file: Any) -> str | None:
    """Alertmanager's ``x`` / ``x_file`` pair: the value, else the file's content (trimmed, so
    the newline an editor leaves is not part of the password)."""
    if value:
        return str(value)
    if not file:
        return None
    try:
        return Path(str(file)).read_text(encoding="utf-8").strip() or None
    except OSError as e:
        raise SecretFileError(f"cannot read the secret file {file}: {e.strerror}") from e


def _email(raw: dict[str, Any], g: Any) -> dict[str, Any]:
    out = dict(raw)
    smarthost = out.pop("smarthost", None) or g.smtp_smarthost
    if smarthost and "host" not in out:
        host, _, port = str(smarthost).rpartition(":")
        out["host"], out["port"] = (host, int(port)) if host else (port, 587)
    sender = out.pop("from", None) or g.smtp_from
    if sender and "sender" not in out:
        out["sender"] = sender
    if isinstance(out.get("to"), str):
        out["to"] = [a.strip() for a in out["to"].split(",") if a.strip()]
    user = out.pop("auth_username", None) or g.smtp_auth_username
    password = _secret(out.pop("auth_password", None), out.pop("auth_password_file", None))
    password = password or _secret(g.smtp_auth_password, g.smtp_auth_password_file)
    if user and "username" not in out:
        out["username"] = user
    if password and "password" not in out:
        out["password"] = password
    tls = out.pop("require_tls", g.smtp_require_tls)
    if tls is False and "security" not in out:
        out["security"] = "none"
    out.pop("hello", None)
    return out


def _channel_config(channel: str, raw: dict[str, Any], config: AlertConfig) -> dict[str, Any]:
    out = dict(raw)
    out.pop("send_resolved", None)
    for key in LOOKOUT_KEYS:
        out.pop(key, None)
    if channel == "slack":
        g = config.global_
        url = _secret(out.pop("api_url", None), out.pop("api_url_file", None))
        url = url or _secret(g.slack_api_url, g.slack_api_url_file)
        if url and "url" not in out:
            out["url"] = url
    elif channel == "msteams":
        url = out.pop("webhook_url", None)
        if url and "url" not in out:
            out["url"] = url
    elif channel == "email":
        out = _email(out, config.global_)
    return out


def _where(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"])


def build_receivers(config: AlertConfig, *, text: str | None, source: str) -> ReceiverSet:
    """Raises AlertConfigError naming file, line and field of every bad receiver config."""
    doc = yamlsource.load(text) if text is not None else None
    problems: list[ConfigProblem] = []
    by_name: dict[str, Receiver] = {}
    targets: dict[str, tuple[Target, ...]] = {}
    for i, spec in enumerate(config.receivers):
        entries = [
            (section, j, channel, raw)
            for section, channel in SECTIONS.items()
            for j, raw in enumerate(getattr(spec, section))
        ]
        found: list[Target] = []
        for section, j, channel, raw in entries:
            name = spec.name if len(entries) == 1 else f"{spec.name}/{channel}#{j}"
            path: tuple[str | int, ...] = ("receivers", i, section, j)
            try:
                receiver = parse_receiver(
                    {
                        "name": name,
                        "channel": channel,
                        "config": _channel_config(channel, raw, config),
                        **{k: raw[k] for k in LOOKOUT_KEYS if k in raw},
                    }
                )
            except ValidationError as e:
                for err in e.errors():
                    loc = [p for p in err["loc"] if p != "config"]
                    full = (*path, *loc)
                    line = doc.line_of(full) if doc is not None else 1
                    field = ".".join(str(p) for p in full)
                    problems.append(ConfigProblem(source, line, field, str(err["msg"])))
                continue
            except (UnknownChannel, SecretFileError) as e:
                line = doc.line_of(path) if doc is not None else 1
                problems.append(ConfigProblem(source, line, dotted(path), str(e)))
                continue
            by_name[name] = receiver
            found.append(Target(name, bool(raw.get("send_resolved", True))))
        targets[spec.name] = tuple(found)
    if problems:
        raise AlertConfigError(problems)
    return ReceiverSet(by_name, targets)


def masked(value: Any) -> Any:
    """``value`` (a config as plain data) with every credential replaced by ``<secret>``."""
    if isinstance(value, dict):
        return {
            k: (MASK if k in SECRET_KEYS and v not in (None, "") else masked(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value
