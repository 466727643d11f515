"""Errors of the ingress-metrics scraper.

AgentError (agent.errors)
└── IngressMetricsError     -- a target or its configuration is unusable
    ├── ExpositionError     -- the text is not valid Prometheus exposition
    └── SourceConfigError   -- a source's configuration cannot work (unknown source, bad label)
"""

from __future__ import annotations

from agent.errors import AgentError


class IngressMetricsError(AgentError):
    """Base of the ingress-metrics errors."""


class ExpositionError(IngressMetricsError):
    """The scraped text could not be parsed as Prometheus exposition."""


class SourceConfigError(IngressMetricsError):
    """A source is configured in a way that cannot produce readings."""
