"""shared.quantities: Kubernetes quantities parsed exactly and printed as the server does. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import quantities
from shared.quantities import QuantityError, parse


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1Gi", 2**30),
        ("256Mi", 256 * 2**20),
        ("1.5Gi", 3 * 2**29),
        (".5Ki", 512),
        ("250m", Decimal("0.25")),
        ("100u", Decimal("0.0001")),
        ("5n", Decimal("5e-9")),
        ("2", 2),
        ("1.", 1),
        ("1k", 1000),
        ("1M", 10**6),
        ("2e3", 2000),
        ("1E-3", Decimal("0.001")),
        ("+3", 3),
        ("-1", -1),
        ("0", 0),
        ("7Ei", 7 * 2**60),
    ],
)
def test_a_quantity_parses_to_its_exact_value(text: str, value: Decimal | int) -> None:
    assert parse(text) == value


def test_equal_amounts_in_different_spellings_parse_equal() -> None:
    assert parse("1Gi") == parse("1024Mi") == parse("1073741824")
    assert parse("0.5") == parse("500m")


@pytest.mark.parametrize(
    "text", ["lots", "", "Mi", "1GiB", "1 Gi", "1ki", "1e", "1.2.3", "0x10", "1Gi ", "\u0661"]
)
def test_text_that_is_not_a_quantity_is_refused_by_name(text: str) -> None:
    with pytest.raises(QuantityError, match="is not a Kubernetes quantity"):
        parse(text)


@pytest.mark.parametrize("text", ["8Ei", "-9Ei", "1e31", "1e999999999", "1" * 20 + "0" * 44])
def test_amounts_past_what_the_api_server_can_hold_are_out_of_range(text: str) -> None:
    with pytest.raises(QuantityError, match="out of range"):
        parse(text)


def test_text_longer_than_any_quantity_is_refused_before_parsing() -> None:
    with pytest.raises(QuantityError, match="not a Kubernetes quantity"):
        parse("1" * 65)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(2**28, "256Mi"), (3 * 2**29, "1536Mi"), (2**30, "1Gi"), (1000, "1000"), (0, "0")],
)
def test_memory_prints_with_the_largest_exact_binary_suffix(amount: int, text: str) -> None:
    assert quantities.memory(amount) == text
    assert parse(text) == amount


def test_memory_rounds_a_fraction_of_a_byte_up() -> None:
    assert quantities.memory(Decimal("1.1")) == "2"


@pytest.mark.parametrize(
    ("cores", "text"),
    [(Decimal(2), "2"), (Decimal("0.25"), "250m"), (Decimal("1.0001"), "1001m"), (0, "0")],
)
def test_cpu_prints_whole_cores_plain_and_the_rest_in_millicores_rounded_up(
    cores: Decimal, text: str
) -> None:
    assert quantities.cpu(cores) == text


def test_cpu_reads_in_millicores() -> None:
    assert quantities.millicores("12345678n") == pytest.approx(12.345678)
    assert quantities.millicores("250m") == 250.0
    assert quantities.millicores("2") == 2000.0


def test_memory_reads_in_whole_bytes_rounded_up() -> None:
    assert quantities.whole_bytes("64Mi") == 67_108_864
    assert quantities.whole_bytes("1Gi") == 2**30
    assert quantities.whole_bytes("1.0000001") == 2


@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(["Ki", "Mi", "Gi", "k", "M"]))
def test_suffixes_multiply_exactly(n: int, suffix: str) -> None:
    factor = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6}[suffix]
    assert quantities.whole_bytes(f"{n}{suffix}") == n * factor
