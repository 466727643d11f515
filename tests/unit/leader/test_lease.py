"""The pure core of leader election on a virtual clock: creation, standing by, expiry measured
by the candidate's own clock (whatever the Lease's timestamps say), optimistic concurrency,
release, and the fencing margin between a leader giving up and a follower taking over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.leader.lease import (
    Action,
    Candidate,
    LeaseObject,
    Observation,
    decide,
    give_up_at,
    microtime,
    observe,
    release_body,
)
from agent.leader.settings import LeaderElectionSettings

WALL = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
ME = Candidate(identity="agent-b", lease_name="lookout-leader", namespace="lookout", duration_s=15)


def lease(
    holder: str,
    *,
    renew: datetime = WALL,
    version: str = "100",
    duration: int = 15,
    transitions: int = 3,
) -> LeaseObject:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "lookout-leader", "namespace": "lookout", "resourceVersion": version},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": duration,
            "acquireTime": microtime(WALL - timedelta(hours=1)),
            "renewTime": microtime(renew),
            "leaseTransitions": transitions,
        },
    }


def seen(doc: LeaseObject, at: float, previous: Observation | None = None) -> Observation:
    return observe(previous, doc, at)


def test_creates_the_lease_naming_itself_when_there_is_none() -> None:
    d = decide(None, ME, leading=False, now=0.0, wall=WALL)
    assert d.action is Action.CREATE
    assert d.body is not None
    assert d.body["metadata"] == {"name": "lookout-leader", "namespace": "lookout"}
    assert d.body["spec"] == {
        "holderIdentity": "agent-b",
        "leaseDurationSeconds": 15,
        "acquireTime": "2026-11-22T03:00:00.000000Z",
        "renewTime": "2026-11-22T03:00:00.000000Z",
        "leaseTransitions": 0,
    }


def test_stands_by_while_someone_else_holds_a_lease_it_just_saw_change() -> None:
    d = decide(seen(lease("agent-a"), at=100.0), ME, leading=False, now=104.0, wall=WALL)
    assert (d.action, d.holder, d.body) == (Action.STAND_BY, "agent-a", None)
    assert d.expires_in_s == pytest.approx(11.0)


def test_takes_over_once_the_record_stayed_unchanged_for_the_lease_duration() -> None:
    first = seen(lease("agent-a"), at=100.0)
    again = observe(first, lease("agent-a"), 110.0)  # re-read: same record, expiry not moved
    assert again.changed_at == 100.0
    assert decide(again, ME, leading=False, now=114.9, wall=WALL).action is Action.STAND_BY
    d = decide(again, ME, leading=False, now=115.0, wall=WALL)
    assert d.action is Action.ACQUIRE
    assert d.body is not None
    assert d.body["metadata"]["resourceVersion"] == "100"  # optimistic concurrency
    assert d.body["spec"]["holderIdentity"] == "agent-b"
    assert d.body["spec"]["leaseTransitions"] == 4
    assert d.body["spec"]["acquireTime"] == d.body["spec"]["renewTime"] == microtime(WALL)


def test_uses_the_holders_advertised_duration_not_its_own() -> None:
    observed = seen(lease("agent-a", duration=60), at=0.0)
    assert decide(observed, ME, leading=False, now=30.0, wall=WALL).action is Action.STAND_BY
    assert decide(observed, ME, leading=False, now=60.0, wall=WALL).action is Action.ACQUIRE


def test_a_newly_started_candidate_waits_a_full_duration_however_old_the_renew_time_looks() -> None:
    # renewTime says a day ago; the candidate has no history, so it trusts only its own clock.
    old = lease("agent-a", renew=WALL - timedelta(days=1))
    observed = seen(old, at=500.0)
    d = decide(observed, ME, leading=False, now=500.0, wall=WALL)
    assert d.action is Action.STAND_BY
    assert d.expires_in_s == pytest.approx(15.0)


def test_a_leader_whose_clock_lags_by_hours_keeps_the_lease_while_it_renews() -> None:
    # The leader's wall clock is 3 h behind; its renewTimes look long expired to everyone,
    # but they keep changing, and that is all a follower looks at.
    skewed = WALL - timedelta(hours=3)
    observed: Observation | None = None
    version = 100
    for tick in range(0, 120):  # the follower looks every second for two minutes
        now = float(tick)
        renewed_at = (tick // 5) * 5  # the leader renews every 5 s
        version = 100 + renewed_at
        doc = lease("agent-a", renew=skewed + timedelta(seconds=renewed_at), version=str(version))
        observed = observe(observed, doc, now)
        assert decide(observed, ME, leading=False, now=now, wall=WALL).action is Action.STAND_BY


def test_a_renew_time_in_the_future_does_not_keep_a_dead_leader_alive() -> None:
    ahead = lease("agent-a", renew=WALL + timedelta(days=365))
    observed = seen(ahead, at=0.0)
    for tick in range(1, 15):
        observed = observe(observed, ahead, float(tick))
        assert decide(observed, ME, leading=False, now=float(tick), wall=WALL).action is (
            Action.STAND_BY
        )
    assert decide(observed, ME, leading=False, now=15.0, wall=WALL).action is Action.ACQUIRE


def test_a_released_lease_is_taken_at_once() -> None:
    released = lease("", duration=1, version="200")
    d = decide(seen(released, at=0.0), ME, leading=False, now=0.0, wall=WALL)
    assert d.action is Action.ACQUIRE
    assert d.body is not None
    assert d.body["metadata"]["resourceVersion"] == "200"
    assert d.body["spec"]["leaseDurationSeconds"] == 15  # my duration, not the release's 1 s


def test_two_candidates_racing_for_an_expired_lease_both_write_the_version_they_saw() -> None:
    # The API server accepts the first replace at resourceVersion 100 and answers 409 to the
    # second: the core's part is to always send the observed version.
    observed = seen(lease("agent-a", version="100"), at=0.0)
    other = Candidate("agent-c", ME.lease_name, ME.namespace, 15)
    bodies = [decide(observed, c, leading=False, now=20.0, wall=WALL).body for c in (ME, other)]
    assert [b["metadata"]["resourceVersion"] for b in bodies if b] == ["100", "100"]


def test_the_leader_renews_keeping_acquire_time_and_transitions() -> None:
    mine = lease("agent-b", version="300", transitions=7)
    d = decide(seen(mine, at=10.0), ME, leading=True, now=14.0, wall=WALL + timedelta(seconds=5))
    assert d.action is Action.RENEW
    assert d.body is not None
    spec = d.body["spec"]
    assert spec["acquireTime"] == microtime(WALL - timedelta(hours=1))
    assert spec["renewTime"] == microtime(WALL + timedelta(seconds=5))
    assert (spec["leaseTransitions"], d.body["metadata"]["resourceVersion"]) == (7, "300")


def test_a_restarted_process_with_the_same_identity_takes_its_own_lease_back() -> None:
    # Same identity = same pod; its previous container (the old holder) is gone.
    d = decide(seen(lease("agent-b"), at=0.0), ME, leading=False, now=0.0, wall=WALL)
    assert d.action is Action.RENEW
    assert d.body is not None
    assert d.body["spec"]["acquireTime"] == microtime(WALL)


@pytest.mark.parametrize("holder", ["agent-a", ""])
def test_a_leader_that_finds_the_lease_naming_anyone_else_has_lost_it(holder: str) -> None:
    d = decide(seen(lease(holder), at=0.0), ME, leading=True, now=1.0, wall=WALL)
    assert (d.action, d.holder, d.body) == (Action.LOST, holder, None)


def test_a_leader_whose_lease_was_deleted_has_lost_it_rather_than_recreating_it() -> None:
    assert decide(None, ME, leading=True, now=1.0, wall=WALL).action is Action.LOST


def test_release_empties_the_holder_and_keeps_the_transition_count() -> None:
    body = release_body(seen(lease("agent-b", version="400", transitions=5), at=0.0), ME, WALL)
    assert body is not None
    assert body["metadata"]["resourceVersion"] == "400"
    assert body["spec"]["holderIdentity"] == ""
    assert body["spec"]["leaseDurationSeconds"] == 1
    assert body["spec"]["leaseTransitions"] == 5


def test_release_writes_nothing_when_the_lease_is_no_longer_mine() -> None:
    assert release_body(seen(lease("agent-a"), at=0.0), ME, WALL) is None


def test_fractional_durations_are_written_rounded_up() -> None:
    me = Candidate("agent-b", "l", "ns", duration_s=2.5)
    d = decide(None, me, leading=False, now=0.0, wall=WALL)
    assert d.body is not None
    assert d.body["spec"]["leaseDurationSeconds"] == 3


@given(
    renew_every=st.floats(0.5, 10.0),
    latency_fractions=st.lists(st.floats(0.0, 0.99), min_size=1, max_size=20),
    poll_every=st.floats(0.1, 5.0),
    poll_phase=st.floats(0.0, 5.0),
)
def test_a_follower_never_takes_over_before_the_leader_has_given_up(
    renew_every: float, latency_fractions: list[float], poll_every: float, poll_phase: float
) -> None:
    """Fencing: the leader sends its writes one after another (then dies), each applied after
    some latency; the follower polls on its own schedule. Whatever the timings, the follower may
    take over no earlier than (duration - renew deadline) after the leader gave up."""
    s = LeaderElectionSettings(lease_duration_s=15, renew_interval_s=5)
    sent = [i * renew_every for i in range(len(latency_fractions))]
    applied = [t + f * renew_every for t, f in zip(sent, latency_fractions, strict=True)]
    observed: Observation | None = None
    takeover: float | None = None
    t = poll_phase
    while takeover is None and t < applied[-1] + 60:
        written = [i for i, a in enumerate(applied) if a <= t]
        if written:
            i = written[-1]
            doc = lease("agent-a", renew=WALL + timedelta(seconds=sent[i]), version=str(100 + i))
            observed = observe(observed, doc, t)
            if decide(observed, ME, leading=False, now=t, wall=WALL).action is Action.ACQUIRE:
                takeover = t
        t += poll_every
    assert takeover is not None
    # A leader write still in flight at the takeover carries a stale resourceVersion: the API
    # server refuses it (409), so the leader's clock runs from its last write applied before.
    last_success = max(sent[i] for i, a in enumerate(applied) if a <= takeover)
    stopped = give_up_at(last_success, s.renew_deadline_s)
    assert takeover >= stopped + (s.lease_duration_s - s.renew_deadline_s)


def test_settings_refuse_a_renew_interval_that_is_not_shorter_than_the_lease() -> None:
    with pytest.raises(ValueError, match="renew_interval_s must be less than"):
        LeaderElectionSettings(lease_duration_s=5, renew_interval_s=5)


def test_settings_refuse_enabling_without_a_lease_namespace() -> None:
    with pytest.raises(ValueError, match="lease_namespace"):
        LeaderElectionSettings(enabled=True)


def test_default_identities_differ_between_processes_on_one_host() -> None:
    assert LeaderElectionSettings().identity != LeaderElectionSettings().identity
