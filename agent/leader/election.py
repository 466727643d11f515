"""The I/O shell of leader election: Lease API calls, standing by, renewing, releasing.

``lead(access, settings, stop, work)`` is what the composition root calls: it stands by until
this replica holds the Lease, then runs ``work(stop)`` (the whole streaming agent) while a
sibling task renews the lease. Three ways out:

* ``stop`` (SIGTERM): ``work`` drains and returns while the lease is still renewed, then the
  lease is released so a follower takes over at once (client-go's ReleaseOnCancel);
* the lease names someone else, or ``renew_deadline_s`` passed since the last successful
  renewal: ``work`` is cancelled at once (the uplink's stream closes) and ``LeadershipLost``
  propagates; the process exits non-zero and the kubelet restarts it as a follower. Never
  "step down and stay": a process that streamed must not keep any of that state around;
* ``stop`` while standing by: returns without ever having streamed.

Verbs: ``get`` and ``update`` on the named Lease, ``create`` on leases -- exactly the chart's
Role. Deliberately does not own the decisions (``agent.leader.lease``) or what the agent does
while leading (the composition root's ``work``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, cast

import orjson

from agent.kubeapi.errors import Conflict, KubeError, NotFound
from agent.kubeapi.paths import collection_path, object_path
from agent.kubeapi.transport import KubeAccess
from agent.leader.errors import LeadershipLost
from agent.leader.lease import (
    Action,
    Candidate,
    Decision,
    LeaseObject,
    Observation,
    decide,
    give_up_at,
    observe,
    release_body,
)
from agent.leader.settings import LeaderElectionSettings
from shared.kinds import BY_RESOURCE
from shared.logs import RateLimited

log = logging.getLogger(__name__)

# A Lease read or write is one small etcd round trip; a follower waits at most this long for
# one before it counts the attempt as failed and tries again (a leader is bounded by its
# renew deadline instead).
FOLLOWER_REQUEST_TIMEOUT_S = 10.0
# Spread followers' looks (client-go's JitterFactor is 1.2: up to +120 %; less is enough here).
JITTER = 0.2
LEASES = BY_RESOURCE["leases.coordination.k8s.io"]


class LeasePort(Protocol):
    async def get(self, *, timeout_s: float) -> LeaseObject | None: ...
    async def create(self, body: LeaseObject, *, timeout_s: float) -> LeaseObject: ...
    async def replace(self, body: LeaseObject, *, timeout_s: float) -> LeaseObject: ...


class LeaseApi:
    """The three calls on one Lease, over ``KubeAccess`` (get/update on it, create)."""

    def __init__(self, access: KubeAccess, *, namespace: str, name: str) -> None:
        self._access = access
        self._collection = collection_path(LEASES, namespace)
        self._path = object_path(LEASES, name, namespace=namespace)

    async def get(self, *, timeout_s: float) -> LeaseObject | None:
        try:
            raw = await self._access.get(self._path, {}, timeout_s=timeout_s)
        except NotFound:
            return None
        return cast("LeaseObject", orjson.loads(raw))

    async def create(self, body: LeaseObject, *, timeout_s: float) -> LeaseObject:
        raw = await self._access.send(
            "POST", self._collection, orjson.dumps(body), timeout_s=timeout_s
        )
        return cast("LeaseObject", orjson.loads(raw))

    async def replace(self, body: LeaseObject, *, timeout_s: float) -> LeaseObject:
        raw = await self._access.send("PUT", self._path, orjson.dumps(body), timeout_s=timeout_s)
        return cast("LeaseObject", orjson.loads(raw))


@dataclass(frozen=True, slots=True)
class Attempt:
    decision: Decision
    won: bool  # the write went through: I hold the lease as of ``sent_at``
    sent_at: float


class Elector:
    """One replica's side of the election. ``clock`` is monotonic seconds, ``wall`` the UTC
    time written into the Lease."""

    def __init__(
        self,
        api: LeasePort,
        settings: LeaderElectionSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._api = api
        self._s = settings
        self._clock = clock
        self._wall = wall
        self.me = Candidate(
            identity=settings.identity,
            lease_name=settings.lease_name,
            namespace=settings.lease_namespace,
            duration_s=settings.lease_duration_s,
        )
        self.observed: Observation | None = None
        self.leading = False
        self._renewed_at = 0.0  # when my last successful write was sent (my clock)
        self._errors = RateLimited(30.0)

    @property
    def lease(self) -> str:
        return f"{self._s.lease_namespace}/{self._s.lease_name}"

    async def _attempt(self, timeout_s: float) -> Attempt:
        """One look at the Lease and, when the decision says so, one write. 409 Conflict on
        the write (someone wrote in between) is a lost race, not an error. Raises KubeError."""
        lease = await self._api.get(timeout_s=timeout_s)
        self.observed = None if lease is None else observe(self.observed, lease, self._clock())
        decision = decide(
            self.observed, self.me, leading=self.leading, now=self._clock(), wall=self._wall()
        )
        if decision.body is None:
            return Attempt(decision, won=False, sent_at=0.0)
        sent_at = self._clock()
        try:
            if decision.action is Action.CREATE:
                written = await self._api.create(decision.body, timeout_s=timeout_s)
            else:
                written = await self._api.replace(decision.body, timeout_s=timeout_s)
        except Conflict:
            return Attempt(decision, won=False, sent_at=sent_at)
        self.observed = observe(self.observed, written, self._clock())
        return Attempt(decision, won=True, sent_at=sent_at)

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Stand by until this replica holds the lease (True) or ``stop`` is set (False)."""
        logged_holder: str | None = None
        while not stop.is_set():
            try:
                async with asyncio.timeout(FOLLOWER_REQUEST_TIMEOUT_S):
                    attempt = await self._attempt(FOLLOWER_REQUEST_TIMEOUT_S)
            except (KubeError, TimeoutError) as e:
                self._warn("cannot read or take lease %s: %s", self.lease, e)
            else:
                d = attempt.decision
                if attempt.won:
                    self.leading = True
                    self._renewed_at = attempt.sent_at
                    log.info(
                        "became leader: lease %s is held by %s (%s; previous holder %s)",
                        self.lease,
                        self.me.identity,
                        d.action.value,
                        d.holder or "none",
                    )
                    return True
                if d.action is Action.STAND_BY and d.holder != logged_holder:
                    logged_holder = d.holder
                    log.info(
                        "standing by: lease %s is held by %s; taking over if it is not "
                        "renewed within %.0f s",
                        self.lease,
                        d.holder,
                        d.expires_in_s,
                    )
            delay = self._s.retry_period_s * (1.0 + JITTER * random.random())
            await _wait(stop, delay)
        return False

    async def hold(self, done: asyncio.Event) -> None:
        """While leading: renew every ``renew_interval_s`` until ``done`` is set. Raises
        LeadershipLost when the lease names someone else or could not be renewed within
        ``renew_deadline_s`` of the last success (measured from when that write was sent)."""
        next_at = self._renewed_at + self._s.renew_interval_s
        last_error = ""
        while True:
            deadline = give_up_at(self._renewed_at, self._s.renew_deadline_s)
            await _wait(done, min(next_at, deadline) - self._clock())
            if done.is_set():
                return
            left = deadline - self._clock()
            if left <= 0:
                self._lost(
                    f"could not renew lease {self.lease} for {self._s.renew_deadline_s:.1f} s "
                    f"({last_error or 'no answer'}); stopping before another replica may "
                    "take it over"
                )
            try:
                async with asyncio.timeout(left):
                    attempt = await self._attempt(left)
            except (KubeError, TimeoutError) as e:
                last_error = str(e) or type(e).__name__
                log.warning("renewing lease %s failed: %s", self.lease, last_error)
                next_at = self._clock() + self._s.retry_period_s
                continue
            if attempt.decision.action is Action.LOST:
                holder = attempt.decision.holder or "nobody"
                self._lost(f"lease {self.lease} now names {holder}")
            if attempt.won:
                self._renewed_at = attempt.sent_at
                last_error = ""
                next_at = attempt.sent_at + self._s.renew_interval_s
            else:  # 409: someone wrote in between; look again soon and find out who
                last_error = "conflict"
                next_at = self._clock() + min(self._s.retry_period_s, self._s.renew_interval_s)

    def _lost(self, why: str) -> None:
        self.leading = False
        log.error("lost leadership: %s", why)
        raise LeadershipLost(why)

    async def release(self) -> None:
        """Hand the lease back so a follower takes over at once; best effort (if it fails,
        the lease simply expires)."""
        if not self.leading or self.observed is None:
            return
        self.leading = False
        body = release_body(self.observed, self.me, self._wall())
        if body is None:
            return
        timeout_s = self._s.retry_period_s + self._s.renew_interval_s
        try:
            async with asyncio.timeout(timeout_s):
                await self._api.replace(body, timeout_s=timeout_s)
        except (KubeError, TimeoutError) as e:
            log.warning("could not release lease %s (%s); it expires on its own", self.lease, e)
        else:
            log.info("released lease %s", self.lease)

    def _warn(self, msg: str, *args: object) -> None:
        if self._errors.ready(self._clock()):
            suppressed = self._errors.take_suppressed()
            log.warning(msg + (f" ({suppressed} more suppressed)" if suppressed else ""), *args)


async def _wait(event: asyncio.Event, delay_s: float) -> None:
    """Wait until ``event`` is set or ``delay_s`` passed."""
    if delay_s <= 0 or event.is_set():
        return
    try:
        async with asyncio.timeout(delay_s):
            await event.wait()
    except TimeoutError:
        pass


Work = Callable[[asyncio.Event], Awaitable[None]]


async def lead(
    access: KubeAccess, settings: LeaderElectionSettings, stop: asyncio.Event, work: Work
) -> None:
    """Run ``work(stop)`` only while this replica holds the lease (see the module docstring)."""
    elector = Elector(
        LeaseApi(access, namespace=settings.lease_namespace, name=settings.lease_name), settings
    )
    log.info("leader election: competing for lease %s as %s", elector.lease, settings.identity)
    if not await elector.acquire(stop):
        log.info("stopped while standing by")
        return
    await run_while_leading(elector, stop, work)


async def run_while_leading(elector: Elector, stop: asyncio.Event, work: Work) -> None:
    """``work(stop)`` with ``elector.hold`` beside it; release afterwards unless lost."""
    done = asyncio.Event()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(elector.hold(done), name="lease-renew")
            try:
                await work(stop)
            finally:
                done.set()
    except BaseExceptionGroup as group:
        lost, _ = group.split(LeadershipLost)
        if lost is not None:
            # The one error that matters: the process must exit as "lost the lease", whatever
            # the cancelled work raised on its way out.
            raise _first(lost) from group
        await elector.release()  # work failed: let a healthy replica take over at once
        raise
    await elector.release()


def _first(group: BaseExceptionGroup[LeadershipLost]) -> LeadershipLost:
    leaf: BaseException = group
    while isinstance(leaf, BaseExceptionGroup):
        leaf = leaf.exceptions[0]
    assert isinstance(leaf, LeadershipLost)
    return leaf
