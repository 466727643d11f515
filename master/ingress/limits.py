"""⑤ What an unauthenticated peer may cost the master on the gRPC port, before its hello is
accepted: the hello's size and how often one address may fail to say a valid one.

* ``HELLO_MAX_BYTES``: a hello is a cluster name, a token, a version, an instance id and a few
  capabilities -- well under a KiB. A larger first frame is refused before it is looked at.
  The transport's message cap (``MasterSettings.max_message_mb``) still applies to that
  frame, since gRPC has no per-message limit: this bounds what a hello can make the master
  do and log, not what one message can make it receive.
* ``FailedHellos``: a token bucket per peer address for failed hellos (bad token, malformed,
  missing or late hello). An address that has spent its burst is refused at once, with
  RESOURCE_EXHAUSTED, until the bucket refills; a valid hello costs nothing. The table of
  addresses is bounded (least recently seen evicted first), so the limiter itself cannot be
  grown without bound by many addresses.

Pure (the clock is an argument). Deliberately not here: the gRPC status codes and the order of
the checks (``stream``), the server's options (``server``)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

HELLO_MAX_BYTES = 4 * 1024
# Addresses the limiter remembers: more than a fleet's agents (which rarely fail at all) and
# what an attacker's address space can be answered with in memory (a few hundred KiB).
TRACKED_ADDRESSES_MAX = 4096


def peer_host(peer: str) -> str:
    """The address part of a gRPC peer string (``ipv4:10.0.0.1:5555``,
    ``ipv6:[::1]:5555``, ``unix:/path``): the key of a client, without its port."""
    scheme, _, rest = peer.partition(":")
    if scheme == "ipv4":
        return rest.rpartition(":")[0] or rest
    if scheme == "ipv6":
        host = rest.rpartition(":")[0] if rest.startswith("[") else rest
        return host.strip("[]")
    return peer


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class FailedHellos:
    """A token bucket of failed hellos per peer address: ``burst`` failures in a row, then one
    more per ``refill_s`` seconds."""

    def __init__(
        self, *, burst: int, refill_s: float, max_addresses: int = TRACKED_ADDRESSES_MAX
    ) -> None:
        self._burst = float(burst)
        self._refill_s = refill_s
        self._max = max_addresses
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def blocked(self, address: str, now: float) -> bool:
        """Whether ``address`` has no failure left to spend (its streams are refused)."""
        bucket = self._buckets.get(address)
        return bucket is not None and self._refilled(bucket, now) < 1.0

    def failed(self, address: str, now: float) -> None:
        """Spend one failure of ``address``'s bucket."""
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = _Bucket(self._burst, now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(address)
        bucket.tokens = max(0.0, self._refilled(bucket, now) - 1.0)
        bucket.at = now

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        return min(self._burst, bucket.tokens + max(0.0, now - bucket.at) / self._refill_s)

    def __len__(self) -> int:
        return len(self._buckets)
