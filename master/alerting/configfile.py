"""The alerting config as a file: read (the built-in default while there is none), parse
with receivers checked too, and written atomically when an admin replaces it via the API.

A bad file never replaces a running config: ``parse`` raises AlertConfigError and the caller
keeps what it has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from master.alerting.receivers import ReceiverSet, build_receivers
from master.alerts.config import DEFAULT_WEBHOOK_URL, DEFAULT_YAML, AlertConfig, load_config
from shared.files import mtime_ns, write_text_atomically

DEFAULT_SOURCE = "<default>"


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: AlertConfig
    receivers: ReceiverSet
    text: str
    source: str  # the file path, or <default>
    mtime_ns: int | None  # None: the default (no file)


def parse(text: str, *, source: str, mtime_ns: int | None = None) -> LoadedConfig:
    config = load_config(text, source=source)
    receivers = build_receivers(config, text=text, source=source)
    return LoadedConfig(config, receivers, text, source, mtime_ns)


def default() -> LoadedConfig:
    return parse(DEFAULT_YAML.format(url=DEFAULT_WEBHOOK_URL), source=DEFAULT_SOURCE)


def read(path: Path) -> LoadedConfig:
    """The file's config, or the default when the file does not exist; raises
    AlertConfigError for a bad one and OSError for an unreadable one."""
    stamp = mtime_ns(path)
    if stamp is None:
        return default()
    return parse(path.read_text(encoding="utf-8"), source=str(path), mtime_ns=stamp)


def write(path: Path, text: str) -> int | None:
    return write_text_atomically(path, text, mode=0o600)  # receivers hold secrets
