"""The metrics daemon's one exception tree (its own process, so its root hangs from
``LookoutError`` directly).

    LookoutError (shared.errors)
    └── MetricsDaemonError
        ├── ProcFormatError  -- a /proc or /sys file whose content cannot be parsed
        └── ProcReadError    -- a file the daemon needs cannot be read (wrong proc root?)

A push failure is not an error here: the pusher keeps the samples and retries."""

from __future__ import annotations

from shared.errors import LookoutError


class MetricsDaemonError(LookoutError):
    """Base of the daemon's errors."""


class ProcFormatError(MetricsDaemonError):
    """A kernel file whose content cannot be parsed."""


class ProcReadError(MetricsDaemonError):
    """A kernel file the daemon needs cannot be read."""
