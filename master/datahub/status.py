"""Link status of a cluster, as a pure function of what the master last heard.

connected     a stream is open and the agent was heard within ``reconnecting_after``
reconnecting  no live stream (or a silent one), but the agent was heard within ``offline_after``
offline       nothing heard for ``offline_after`` (or never)
"""

from __future__ import annotations

from typing import Literal

LinkStatus = Literal["connected", "reconnecting", "offline"]


def link_status(
    *,
    stream_open: bool,
    last_heard: float | None,
    now: float,
    reconnecting_after: float,
    offline_after: float,
) -> LinkStatus:
    if last_heard is None:
        return "offline"
    silent = now - last_heard
    if stream_open and silent < reconnecting_after:
        return "connected"
    if silent < offline_after:
        return "reconnecting"
    return "offline"
