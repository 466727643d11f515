"""A receiver: a name, a channel from ``CHANNELS`` and that channel's validated config, plus
how many deliveries to it may be in flight at once.

``parse_receiver`` is the trust boundary for receiver config (YAML or the API): unknown
channels and unknown fields are refused by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from master.notify.channels import CHANNELS, ChannelConfig
from master.notify.errors import UnknownChannel
from master.notify.message import Language


@dataclass(frozen=True, slots=True)
class Receiver:
    name: str
    channel: str
    config: ChannelConfig
    language: Language = "en"  # the alert core copies it into Notification.language
    # Per receiver so that one slow or rate-limiting receiver cannot take every worker slot;
    # 4 keeps a Slack webhook (about 1 message/s per channel) from being hammered.
    max_concurrency: int = 4


class ReceiverSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    channel: str
    language: Language = "en"
    max_concurrency: int = Field(default=4, ge=1, le=64)
    config: dict[str, Any]


def parse_receiver(raw: dict[str, Any]) -> Receiver:
    """Validates one receiver (raises pydantic's ValidationError or UnknownChannel)."""
    spec = ReceiverSpec.model_validate(raw)
    channel = CHANNELS.get(spec.channel)
    if channel is None:
        known = ", ".join(sorted(CHANNELS))
        raise UnknownChannel(f"receiver {spec.name!r}: unknown channel {spec.channel!r} ({known})")
    return Receiver(
        name=spec.name,
        channel=spec.channel,
        config=channel.parse(spec.config),
        language=spec.language,
        max_concurrency=spec.max_concurrency,
    )
