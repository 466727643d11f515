"""How long the uplink waits before redialing: capped, jittered, reset only by a stable session,
longer after a refused handshake."""

from __future__ import annotations

import random

from agent.settings import AgentSettings
from agent.uplink.stream import UplinkConfig, next_attempt, redial_backoff
from shared.retry import Backoff


def _config(**overrides: object) -> UplinkConfig:
    values: dict[str, object] = {
        "address": "127.0.0.1:1",
        "cluster": "edge",
        "token": lambda: "t",
        "agent_version": "test",
        "instance_id": "i",
        "credentials": None,
    }
    values.update(overrides)
    return UplinkConfig(**values)  # type: ignore[arg-type]


def test_a_reset_storm_grows_the_attempt_and_only_a_stable_session_resets_it() -> None:
    attempt = 0
    for _ in range(20):  # reset at once, or before any welcome: never a session
        attempt = next_attempt(attempt, None, now=100.0, stable_s=10.0)
    assert attempt == 20
    # A session that flapped (up 3 s) keeps growing it; one up 10 s starts over.
    assert next_attempt(attempt, 97.0, now=100.0, stable_s=10.0) == 21
    assert next_attempt(attempt, 90.0, now=100.0, stable_s=10.0) == 0


def test_after_any_storm_the_wait_is_at_most_the_cap_and_still_jittered() -> None:
    cfg = _config()
    rand = random.Random(7)
    waits = [redial_backoff(cfg, refused=False).delay(50, rand) for _ in range(500)]
    assert max(waits) <= cfg.backoff.max_s == 8.0
    # Full jitter: a fleet that lost the master together spreads over [0, cap].
    assert min(waits) < 1.0 and max(waits) > 7.0


def test_a_refused_handshake_waits_up_to_the_longer_refusal_cap() -> None:
    cfg = _config(backoff=Backoff(initial_s=0.5, max_s=8.0, jitter=0.0), refused_max_s=30.0)
    assert redial_backoff(cfg, refused=False).delay(10) == 8.0
    assert redial_backoff(cfg, refused=True).delay(10) == 30.0
    assert redial_backoff(cfg, refused=True).delay(0) == 0.5  # the same growth, a higher cap
    # Never shorter than the ordinary cap, whatever the refusal cap says.
    low = _config(backoff=Backoff(max_s=8.0, jitter=0.0), refused_max_s=1.0)
    assert redial_backoff(low, refused=True).delay(10) == 8.0


def test_the_product_defaults_bound_the_wait_after_a_heal() -> None:
    s = AgentSettings(cluster_name="edge", master_address="m:1", token="t")
    assert s.reconnect_max_s == 8.0  # connected again within the 10 s target
    assert s.reconnect_refused_max_s == 30.0
