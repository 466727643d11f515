"""Kubernetes quantities as metrics-server and pod specs write them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.quantity import millicores, parse_quantity, whole_bytes


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12345n", Decimal("0.000012345")),
        ("3m", Decimal("0.003")),
        ("250u", Decimal("0.00025")),
        ("2", Decimal(2)),
        ("1.5", Decimal("1.5")),
        ("64Mi", Decimal(64 * 2**20)),
        ("1Gi", Decimal(2**30)),
        ("0.5Gi", Decimal(2**29)),
        ("128974848", Decimal(128974848)),
        ("129e6", Decimal(129_000_000)),
        ("1E3", Decimal(1000)),
        ("123M", Decimal(123_000_000)),
        ("5k", Decimal(5000)),
        ("  7Ki ", Decimal(7 * 1024)),
    ],
)
def test_quantities_read_as_apimachinery_writes_them(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "m", "12 Mi", "1MB", "1mi", "abc", "1.2.3", "--1", "Ki1"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


def test_a_very_long_string_is_refused_without_parsing_it() -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity("1" * 10_000)


def test_cpu_reads_in_millicores() -> None:
    assert millicores("12345678n") == pytest.approx(12.345678)
    assert millicores("250m") == 250.0
    assert millicores("2") == 2000.0


def test_memory_reads_in_whole_bytes_rounded_up() -> None:
    assert whole_bytes("64Mi") == 67_108_864
    assert whole_bytes("1Gi") == 2**30
    assert whole_bytes("1.0000001") == 2


@given(st.integers(min_value=0, max_value=2**50), st.sampled_from(["Ki", "Mi", "Gi", "k", "M"]))
def test_suffixes_multiply_exactly(n: int, suffix: str) -> None:
    factor = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6}[suffix]
    assert whole_bytes(f"{n}{suffix}") == n * factor
