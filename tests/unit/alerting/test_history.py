"""Which changed alert records become alert history: an episode that fired and resolved, once;
a pending alert that cleared before its ``for`` never notified anyone and is not history."""

from __future__ import annotations

from master.alerting.history import ended_episodes
from master.alerts.engine import AlertEngine
from tests.unit.alerts.fixtures import CONFIG, MIN, T0, S, config, pod_finding, seen

WITH_FOR = CONFIG + "rules:\n  - name: slow-oom\n    match: {reason: OOMKilled}\n    for: 10m\n"


def test_a_fired_and_resolved_alert_is_one_episode_and_a_firing_one_none() -> None:
    eng = AlertEngine(config())
    seen(eng, pod_finding("checkout-a"), T0)
    eng.due(T0 + 30 * S)
    assert ended_episodes(eng.take_changes().alerts) == []  # still firing
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + 5 * MIN)
    eng.due(T0 + 6 * MIN)
    [episode] = ended_episodes(eng.take_changes().alerts)
    assert (episode.starts_at_ms, episode.ends_at_ms) == (T0, T0 + 5 * MIN)
    assert episode.labels["name"] == "checkout-a"
    assert episode.annotations["message"] == "CrashLoopBackOff on checkout-a"


def test_a_record_that_never_fired_is_not_history() -> None:
    eng = AlertEngine(config(WITH_FOR))
    seen(eng, pod_finding("checkout-a", reason="OOMKilled"), T0)
    eng.due(T0 + MIN)
    [pending] = eng.take_changes().alerts.values()
    assert (pending["status"], pending["ever_fired"]) == ("pending", False)
    # However a never-fired record comes to be saved as resolved, it ended no episode.
    cleared = {**pending, "status": "resolved", "ends_at_ms": T0 + 2 * MIN}
    assert ended_episodes({"fp": cleared}) == []
    assert len(ended_episodes({"fp": {**cleared, "ever_fired": True, "starts_at_ms": T0}})) == 1
