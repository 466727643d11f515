"""W3C traceparent parsing: a valid header's trace id is kept, anything else starts a new trace."""

from __future__ import annotations

import pytest

from shared import tracing

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_valid_traceparent_gives_its_trace_id_lowercased() -> None:
    assert tracing.from_traceparent(f"00-{TRACE}-00f067aa0ba902b7-01") == TRACE
    assert tracing.from_traceparent(f" 00-{TRACE.upper()}-00F067AA0BA902B7-00 ") == TRACE


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"ff-{TRACE}-00f067aa0ba902b7-01",  # version ff is invalid
        f"00-{'0' * 32}-00f067aa0ba902b7-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
        f"00-{TRACE[:-1]}-00f067aa0ba902b7-01",  # short
        f"00-{TRACE}-00f067aa0ba902b7-01-extra",
        f"00-{TRACE[:-1]}g-00f067aa0ba902b7-01",  # not hex
    ],
)
def test_an_invalid_traceparent_is_ignored(header: str) -> None:
    assert tracing.from_traceparent(header) is None


def test_the_current_trace_id_is_set_only_inside_traced() -> None:
    assert tracing.current() == ""
    with tracing.traced(TRACE):
        assert tracing.current() == TRACE
    assert tracing.current() == ""
    assert len(tracing.new_trace_id()) == 32 and tracing.new_trace_id() != tracing.new_trace_id()
