"""Closing findings that cleared while nobody was looking.

A restarted agent remembers nothing, so it cannot resolve a condition that ended while it was
down. After its first full detection pass it sends a *complete* finding batch (every finding
active on it); whatever else the master holds active for that cluster is turned into a
resolution here, before the batch is stored, so history and current state agree. The master's
own findings (``master.datahub.limits``: a bound the agent reached) are not the agent's to
list, so they are never resolved here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from master.datahub.limits import is_master_finding
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch, JournalRecord


def close_missing(
    records: Sequence[JournalRecord], active: Mapping[str, Finding]
) -> list[JournalRecord]:
    """``records`` with each complete batch extended by resolutions of the active findings it
    does not list. Pure: ``active`` is the cluster's state before these records."""
    if not any(isinstance(r.body, FindingBatch) and r.body.complete for r in records):
        return list(records)  # the common case: nothing to reconcile, no copy of ``active``
    out: list[JournalRecord] = []
    current = dict(active)
    for original in records:
        rec = original
        body = rec.body
        if isinstance(body, FindingBatch):
            if body.complete:
                listed = {f.fingerprint for f in body.findings}
                stale = [
                    dataclasses.replace(f, resolved=True, last_seen_ms=rec.created_ms)
                    for fp, f in sorted(current.items())
                    if fp not in listed and not is_master_finding(fp)
                ]
                if stale:
                    body = FindingBatch(tuple(stale) + body.findings, complete=True)
                    rec = dataclasses.replace(rec, body=body)
            for f in body.findings:
                if f.resolved:
                    current.pop(f.fingerprint, None)
                else:
                    current[f.fingerprint] = f
        out.append(rec)
    return out
