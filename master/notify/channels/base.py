"""What a channel is: a config model, a pure ``render`` and a thin async ``send``.

``render(notification, config, *, now_ms)`` builds the exact request (bytes, headers, or an
email message) without I/O, so tests check payloads without a peer and the worker can log what
it sent. ``send(request, config, context)`` performs it and raises ``SendFailed`` on failure.
Config models forbid unknown fields (a typo must not silently drop a setting) and hold secrets
as ``SecretStr`` so they print as ``**********`` in reprs, logs and audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from master.notify.errors import UnsafeDestination
from master.notify.message import Notification
from master.notify.posting import HttpClient
from master.notify.safety import OutboundPolicy, Resolver, check_static, system_resolver


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebChannelConfig(ChannelConfig):
    """A channel that posts to one URL. The URL is a secret: for Slack and Teams it *is* the
    credential."""

    url: SecretStr

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: SecretStr) -> SecretStr:
        try:
            check_static(value.get_secret_value())
        except UnsafeDestination as e:
            raise ValueError(str(e)) from None
        return value


@dataclass(frozen=True, slots=True)
class SendContext:
    """What ``send`` may use: the outbound policy, a shared HTTP client (one connection pool
    for all web channels: the composition root passes ``posting.new_client()``; None makes a
    client per request, which costs a CA bundle load each time), and the DNS resolver."""

    policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    http: HttpClient | None = None
    resolver: Resolver = system_resolver


C = TypeVar("C", bound=ChannelConfig)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Channel(Generic[C, R]):
    name: str
    config: type[C]
    render: Callable[..., R]  # (notification: Notification, config: C, *, now_ms: int) -> R
    send: Callable[[R, C, SendContext], Awaitable[int]]
    # How a failure's status code reads: HTTP (4xx permanent) or SMTP (4xx transient).
    protocol: Literal["http", "smtp"] = "http"

    def parse(self, raw: dict[str, Any] | C) -> C:
        return raw if isinstance(raw, self.config) else self.config.model_validate(raw)

    def build(self, notification: Notification, config: C, *, now_ms: int) -> R:
        result: R = self.render(notification, config, now_ms=now_ms)
        return result
