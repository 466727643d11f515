"""The ``Prefer: wait`` header (RFC 7240) of the command API: parsed, capped, refused when
malformed, and ignored when it asks for something else."""

from __future__ import annotations

import pytest

from master.gateway.prefer import InvalidPreference, preferred_wait


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("wait=10", 10.0),
        ("wait=0", 0.0),
        ("wait=2.5", 2.5),
        ('wait="7"', 7.0),
        ("WAIT = 3", 3.0),
        ("respond-async, wait=5", 5.0),
        ("return=minimal", None),
        ("respond-async", None),
        ("wait=4, wait=9", 4.0),  # only the first occurrence counts
        ("wait=600", 60.0),  # capped
    ],
)
def test_wait_is_read_from_the_header_and_capped(header: str | None, expected: float) -> None:
    assert preferred_wait(header, cap_s=60.0) == expected


@pytest.mark.parametrize("header", ["wait=soon", "wait=-1", "wait", "wait=nan", "wait=inf"])
def test_a_malformed_wait_is_refused_with_the_value_it_got(header: str) -> None:
    with pytest.raises(InvalidPreference, match="non-negative number of seconds"):
        preferred_wait(header, cap_s=60.0)
