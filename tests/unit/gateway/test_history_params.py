"""The history routes' query values: ASCII digits only, bounded, refused with InvalidQuery
(400) rather than failing inside ``int`` (500)."""

from __future__ import annotations

import pytest

from master.gateway.errors import InvalidQuery
from master.gateway.routes.history import parse_limit, parse_step, parse_time

# Each passes ``str.isdigit()``: superscripts (which ``int`` refuses), Arabic-Indic and
# fullwidth digits (which it takes), and more digits than ``int`` parses from a string.
UNICODE_DIGITS = ["\u00b2", "\u00b9\u00b2\u00b3", "\u0661\u0662\u0663", "\uff11\uff12", "9" * 5000]


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_a_time_of_other_digits_is_a_bad_query_not_a_crash(text: str) -> None:
    with pytest.raises(InvalidQuery):
        parse_time("from", text)


@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_a_limit_of_other_digits_is_a_bad_query_not_a_crash(text: str) -> None:
    with pytest.raises(InvalidQuery, match="limit="):
        parse_limit(text)


@pytest.mark.parametrize("text", [*UNICODE_DIGITS, "\u00b2s", "\u0661\u0662m", "9999999999d"])
def test_a_step_of_other_digits_is_a_bad_query_not_a_crash(text: str) -> None:
    with pytest.raises(InvalidQuery, match="step="):
        parse_step(text)


def test_ascii_values_still_parse() -> None:
    assert parse_time("from", "1700000000000") == 1_700_000_000_000
    assert parse_time("to", "2023-11-14T22:13:20Z") == 1_700_000_000_000
    assert parse_limit("100") == 100
    assert parse_step("5m") == 300_000
    assert parse_step("60000") == 60_000
