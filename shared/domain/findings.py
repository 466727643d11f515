"""Findings: the conclusions of the agent's detectors, journaled to the master."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.domain.refs import ObjectRef


class Severity(enum.IntEnum):
    """Ordered so ``max()`` gives the worst."""

    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use info, warning or critical") from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected condition on one object at one moment.

    ``fingerprint`` is stable for the same condition on the same object, so the master can
    deduplicate across agent restarts; ``resolved`` marks the condition clearing."""

    fingerprint: str
    reason: str
    severity: Severity
    category: str
    subject: ObjectRef
    message: str
    first_seen_ms: int
    last_seen_ms: int
    owner: ObjectRef | None = None
    node: str = ""
    count: int = 1
    resolved: bool = False
    attrs: Mapping[str, str] = field(default_factory=dict)
