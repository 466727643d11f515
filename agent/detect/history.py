"""Restart-count memory for the RestartStorm rule: how many times a container restarted since a
moment, from the counts seen on successive pod updates.

Owns a bounded sample list per container; the tracker owns one instance and the agent feeds it
every pod update (``record_pod``) *before* running the detectors. Reads no clock. A single pod
snapshot (``lookout scan``) has no history, so the rule stays quiet there."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any, cast

from agent.detect.objects import Pod

# Samples kept per container: restarts change at most every ~10 s (kubelet back-off floor), so
# 64 samples cover far more than a 10-minute window while bounding memory.
MAX_SAMPLES = 64

_Pod = tuple[str, str]


class RestartHistory:
    def __init__(self, *, keep_ms: int) -> None:
        self._keep_ms = keep_ms
        self._samples: dict[_Pod, dict[str, deque[tuple[int, int]]]] = {}

    def record(self, namespace: str, pod: str, container: str, *, count: int, now_ms: int) -> None:
        containers = self._samples.setdefault((namespace, pod), {})
        samples = containers.setdefault(container, deque(maxlen=MAX_SAMPLES))
        if samples and samples[-1][1] == count:
            return  # unchanged count: the first sample with this value is the one that matters
        samples.append((now_ms, count))
        # Keep one sample older than the window as the baseline for counting inside it.
        while len(samples) > 1 and samples[1][0] <= now_ms - self._keep_ms:
            samples.popleft()

    def record_pod(self, obj: Mapping[str, Any], now_ms: int) -> None:
        pod = cast(Pod, obj)
        meta = pod.get("metadata") or {}
        status = pod.get("status") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        for cs in [*status.get("initContainerStatuses", []), *status.get("containerStatuses", [])]:
            self.record(
                ns, name, cs.get("name", ""), count=cs.get("restartCount", 0), now_ms=now_ms
            )

    def restarts_since(self, namespace: str, pod: str, container: str, since_ms: int) -> int | None:
        """Restarts observed after ``since_ms``; None when the container was never seen. A count
        that went down means the pod was recreated: the new count is all new restarts."""
        samples = self._samples.get((namespace, pod), {}).get(container)
        if not samples:
            return None
        total, previous = 0, None
        for at, count in samples:
            if at <= since_ms:
                previous = count
                continue
            if previous is not None:
                total += count - previous if count >= previous else count
            previous = count
        return total

    def forget(self, namespace: str, pod: str) -> None:
        self._samples.pop((namespace, pod), None)

    def __len__(self) -> int:
        """Pods remembered (for tests and memory accounting)."""
        return len(self._samples)
