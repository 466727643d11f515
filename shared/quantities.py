"""Kubernetes resource quantities ("500m", "1.5Gi", "2e3"): parsed to exact numbers (and to
millicores and whole bytes), and written back in the shortest form the API server itself would
print for whole values.

One parser for everything that reads or writes quantities (the ``set_resources`` params and
the agent's request-versus-limit check; metrics.k8s.io usage values), so "1Gi" means the same
number everywhere. ``Decimal`` because quantities are exact in Kubernetes (``1m`` of a core,
``1Ki`` of memory) and floats would round them. Pure; the grammar is the one of
``k8s.io/apimachinery/pkg/api/resource``:

    quantity ::= signedNumber suffix
    suffix   ::= Ki | Mi | Gi | Ti | Pi | Ei        (powers of 1024)
               | n | u | m | "" | k | M | G | T | P | E   (powers of 1000)
               | (e | E) signedNumber               (decimal exponent)

Deliberately does not own which resources a command may set or how much (``shared.commands``)."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Context, Decimal

# Enough digits that no 64-character quantity is rounded (the default context keeps 28).
_EXACT = Context(prec=200)

BINARY: dict[str, int] = {
    s: 2 ** (10 * (i + 1)) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))
}
DECIMAL: dict[str, Decimal] = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
MAX_LENGTH = 64  # the API server's own quantities are far shorter; a longer one is not one
MAX_VALUE = Decimal(2**63 - 1)  # the API server keeps quantities in int64: larger is no amount
MAX_EXPONENT = 30  # Ei is 1e18; an exponent past this is a typo (and ``1e999999`` a bomb)

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE](?P<exponent>[+-]?[0-9]+))?$"
)


class QuantityError(ValueError):
    """Not a Kubernetes quantity; the message names the text."""


def parse(text: str) -> Decimal:
    """The exact value of quantity ``text`` (``"1Gi"`` -> 1073741824, ``"250m"`` -> 0.25).
    Negative values parse (they are quantities); callers that need amounts refuse them."""
    m = _QUANTITY.match(text) if len(text) <= MAX_LENGTH else None
    if m is None:
        raise QuantityError(f"{text!r} is not a Kubernetes quantity (e.g. 500m, 256Mi, 2)")
    number = Decimal(m["number"])
    if m["exponent"] is not None:
        exponent = int(m["exponent"]) if len(m["exponent"]) < 6 else MAX_EXPONENT + 1
        if abs(exponent) > MAX_EXPONENT:
            raise QuantityError(f"{text!r} is out of range")
        value = number.scaleb(exponent, _EXACT)
    else:
        suffix = m["suffix"] or ""
        scale = Decimal(BINARY[suffix]) if suffix in BINARY else DECIMAL[suffix]
        value = _EXACT.multiply(number, scale)
    if abs(value) > MAX_VALUE:
        raise QuantityError(f"{text!r} is out of range")
    return value


def memory(amount: Decimal | int) -> str:
    """Bytes as the API server prints them: the largest binary suffix that divides the value
    exactly (``268435456`` -> ``"256Mi"``), else plain bytes (rounded up to a whole byte)."""
    whole = _ceiling(Decimal(amount))  # a limit is never rounded below what was asked
    for suffix, size in sorted(BINARY.items(), key=lambda kv: -kv[1]):
        if whole and whole % size == 0:
            return f"{whole // size}{suffix}"
    return str(whole)


def cpu(cores: Decimal | int) -> str:
    """Cores as the API server prints them: whole cores plain (``"2"``), else millicores
    (``Decimal("0.25")`` -> ``"250m"``, rounded up to a whole millicore)."""
    milli = _ceiling(Decimal(cores) * 1000)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def _ceiling(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def millicores(text: str) -> float:
    """A CPU quantity in millicores (``"12345n"`` -> 0.012345, ``"2"`` -> 2000.0): usage
    values from metrics-server, requests and limits from pod specs."""
    return float(parse(text) * 1000)


def whole_bytes(text: str) -> int:
    """A memory quantity in bytes, rounded up as the kubelet does (``"64Mi"`` -> 67108864)."""
    return _ceiling(parse(text))
