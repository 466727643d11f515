"""The ``Prefer`` request header (RFC 7240), as far as the API uses it: ``wait=<seconds>``.

``POST /clusters/{c}/commands`` with ``Prefer: wait=10`` answers once the command is terminal
or 10 s have passed, so a client that wants the outcome makes one request instead of a POST
and a long-poll. Pure: a header value in, the wait out.

Preferences other than ``wait`` are ignored, as the RFC requires of ones a server does not
apply. A ``wait`` whose value is not a number of seconds is refused (``InvalidPreference``,
HTTP 400) rather than ignored: silently answering at once would look like a server that does
not wait at all."""

from __future__ import annotations

import math

from master.errors import MasterError


class InvalidPreference(MasterError):
    """A ``Prefer`` header whose ``wait`` is not a non-negative number of seconds."""


def preferred_wait(header: str | None, *, cap_s: float) -> float | None:
    """Seconds to wait (at most ``cap_s``), or None when the header asks for no wait."""
    if not header:
        return None
    for preference in header.split(","):
        token = preference.partition(";")[0]  # wait takes no parameters
        name, eq, value = token.strip().partition("=")
        if name.strip().lower() != "wait":
            continue
        text = value.strip().strip('"')
        try:
            seconds = float(text) if eq else math.nan
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or seconds < 0:
            raise InvalidPreference(
                f"Prefer: wait must be a non-negative number of seconds, got {text!r}"
            )
        return min(seconds, cap_s)  # RFC 7240 section 2: only the first occurrence counts
    return None
