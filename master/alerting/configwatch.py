"""The alerting config file as the running service sees it: read at start (a bad one stops
the start), watched for changes (mtime every ``poll_s``, at once on SIGHUP), a refused change
logged once per version of the file, and replaced through the API -- written atomically, or
refused with ``Conflict`` when it is mounted read-only. Which config runs is the service's."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from master.alerting import configfile
from master.alerting.configfile import LoadedConfig
from master.alerts.config import AlertConfigError
from master.errors import Conflict
from shared.errors import ConfigError
from shared.files import mtime_ns, read_only

log = logging.getLogger(__name__)


class ConfigWatch:
    def __init__(self, path: Path, *, poll_s: float) -> None:
        self.path = path
        self._poll_ms = poll_s * 1000
        self._reload = asyncio.Event()
        self._last_poll_ms = 0
        self._refused_mtime: int | None = None

    async def read_at_start(self) -> LoadedConfig:
        """The file's config (the default while there is none). A bad file is a ConfigError:
        there is no running config to keep, and a silent default would route alerts nowhere
        anyone expects."""
        try:
            return await asyncio.to_thread(configfile.read, self.path)
        except AlertConfigError as e:
            raise ConfigError(f"the alerting config is invalid:\n{e}") from e
        except OSError as e:
            raise ConfigError(f"cannot read the alerting config {self.path}: {e}") from e

    def request_reload(self) -> None:
        self._reload.set()

    async def changed(self, now_ms: int, running: LoadedConfig) -> LoadedConfig | None:
        """A new config to run, when the file changed (or a reload was asked for) and the new
        one is valid; None otherwise (a refused one is logged once, the running one kept)."""
        due = now_ms - self._last_poll_ms >= self._poll_ms
        if not (due or self._reload.is_set()):
            return None
        self._last_poll_ms = now_ms
        forced = self._reload.is_set()
        self._reload.clear()
        stamp = await asyncio.to_thread(mtime_ns, self.path)
        if not forced and stamp == running.mtime_ns:
            return None
        if not forced and stamp is not None and stamp == self._refused_mtime:
            return None  # already refused and logged
        try:
            loaded = await asyncio.to_thread(configfile.read, self.path)
        except (AlertConfigError, OSError) as e:
            self._refused_mtime = stamp
            log.error("alerts: new config refused, the running one is kept:\n%s", e)
            return None
        self._refused_mtime = None
        return loaded

    def validate(self, text: str) -> LoadedConfig:
        return configfile.parse(text, source=str(self.path))

    async def replace(self, text: str) -> LoadedConfig:
        """Validate and write the file; raises AlertConfigError (nothing written), or Conflict
        when it cannot be written because it is mounted read-only (the chart's Secret,
        alerting.existingSecret)."""
        loaded = self.validate(text)
        try:
            stamp = await asyncio.to_thread(configfile.write, self.path, text)
        except OSError as e:
            if not read_only(e):
                raise
            raise Conflict(
                f"the alerting config is mounted from {self.path} (read-only: "
                f"{e.strerror}): change it where it comes from — with the Helm chart, the "
                "Secret named by alerting.existingSecret; the running config is kept"
            ) from e
        self._refused_mtime = None
        return LoadedConfig(loaded.config, loaded.receivers, text, loaded.source, stamp)
