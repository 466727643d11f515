"""Bounds and timings of the live event stream (``MASTER_STREAM__*``).

Sized for the issue's figure (200 dashboards open during 5,000-pod churn) with room: the ring
is shared by every stream, so it, not the number of streams, is what memory grows with."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StreamSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ring_events: int = Field(
        10_000,
        ge=1,
        description="Recent changes the master holds for resuming streams (events; shared by "
        "all streams). Two full turns of a 5,000-pod cluster's churn, so a browser whose "
        "connection blipped resumes with Last-Event-ID instead of refetching; a few MiB.",
    )
    clients_max: int = Field(
        500,
        ge=1,
        description="Open streams at once (streams). More than the 200 dashboards the figures "
        "are measured for; past it a new stream is answered 503 with Retry-After.",
    )
    heartbeat_s: float = Field(
        15.0,
        gt=0,
        description="Seconds between heartbeat comments on a quiet stream, so proxies keep it "
        "open and the browser can tell a dead one (below common 30-60 s idle timeouts).",
    )
    write_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds one write may wait for the client to take the bytes; a client "
        "slower than that is dropped (it resyncs when it comes back).",
    )
    flush_s: float = Field(
        0.1,
        ge=0,
        description="Least seconds between two writes to one stream: changes of a burst go "
        "out together, one write instead of hundreds (the p50 budget for a change to reach a "
        "browser is 500 ms).",
    )
    batch_events: int = Field(
        500,
        ge=1,
        description="Most events one write carries (events), so a stream catching up writes "
        "in bounded chunks.",
    )
    batch_bytes: int = Field(
        64 * 1024,
        ge=1,
        description="Bytes after which a write ends (bytes; one frame more at most). What a "
        "stream holds in the master is its transport's buffer (64 KiB before a write waits) "
        "plus one write: this keeps 200 slow-but-alive browsers to tens of MiB.",
    )
    swap_events_max: int = Field(
        2_000,
        ge=0,
        description="Differences a snapshot swap publishes one by one (events); past it, one "
        "resync of that cluster instead.",
    )
    cluster_check_s: float = Field(
        1.0,
        gt=0,
        description="Seconds between comparisons of every cluster's link status (a function "
        "of time: no frame announces 'offline'), so a change shows within this.",
    )
    recheck_s: float = Field(
        60.0,
        gt=0,
        description="Seconds between re-checks of an open stream's credentials: a revoked "
        "session, a disabled user or an expired access token ends the stream (the client "
        "refreshes its token and resumes with Last-Event-ID), and changed role bindings apply.",
    )
