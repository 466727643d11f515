"""Wall-clock helpers in the API server's RFC 3339 form (seconds precision, UTC, ``Z``)."""

from __future__ import annotations

import time


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def micro_iso() -> str:
    """MicroTime, as used by Lease renewTime and events.k8s.io eventTime."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"
