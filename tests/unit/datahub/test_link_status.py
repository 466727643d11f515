"""Link status under virtual time."""

from __future__ import annotations

from master.datahub.hub import DataHub
from master.datahub.status import link_status


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_status_moves_connected_reconnecting_offline_connected() -> None:
    clock = VirtualClock()
    hub = DataHub(reconnecting_after_s=15, offline_after_s=60, clock=clock)
    state = hub.ensure("edge")
    assert hub.status(state) == "offline"  # never heard
    state.stream_open = True
    hub.heard(state)
    assert hub.status(state) == "connected"
    clock.now += 14
    assert hub.status(state) == "connected"
    clock.now += 2  # an open but silent stream counts as down
    assert hub.status(state) == "reconnecting"
    state.stream_open = False
    clock.now += 43
    assert hub.status(state) == "reconnecting"
    clock.now += 1
    assert hub.status(state) == "offline"
    state.stream_open = True
    hub.heard(state)
    assert hub.status(state) == "connected"


def test_closed_stream_is_reconnecting_even_when_just_heard() -> None:
    assert (
        link_status(
            stream_open=False, last_heard=10, now=10, reconnecting_after=15, offline_after=60
        )
        == "reconnecting"
    )
