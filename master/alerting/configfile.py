"""The alerting config as a file: read (the built-in default while there is none), parse
with receivers checked too, and written atomically when an admin replaces it via the API.

A bad file never replaces a running config: ``parse`` raises AlertConfigError and the caller
keeps what it has."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from master.alerting.receivers import ReceiverSet, build_receivers
from master.alerts.config import DEFAULT_WEBHOOK_URL, DEFAULT_YAML, AlertConfig, load_config

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


def mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def read(path: Path) -> LoadedConfig:
    """The file's config, or the default when the file does not exist; raises
    AlertConfigError for a bad one and OSError for an unreadable one."""
    stamp = mtime_ns(path)
    if stamp is None:
        return default()
    return parse(path.read_text(encoding="utf-8"), source=str(path), mtime_ns=stamp)


def write(path: Path, text: str) -> int | None:
    """Replace the file atomically (a reader sees the old or the new, never half); returns
    its new mtime."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".alerting-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return mtime_ns(path)
