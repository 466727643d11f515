"""Kubernetes resource quantities (``"250m"``, ``"12345n"``, ``"64Mi"``, ``"1.5Gi"``,
``"1e3"``) as numbers. Pure, exact (``Decimal``), for both ends: the agent reads usage from
metrics-server, the master reads requests and limits from the pod objects it mirrors.

The grammar is apimachinery's ``resource.Quantity``: a signed decimal number, then either a
binary suffix (Ki..Ei, powers of 1024), a decimal SI suffix (n, u, m, "", k, M, G, T, P, E)
or a decimal exponent (``e3`` / ``E3``). Anything else raises ``ValueError`` -- a quantity we
cannot read is dropped by the caller, never guessed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
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
_SHAPE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE]?)$")
MAX_LEN = 64  # apimachinery's own quantities are far shorter; a longer string is not one


def parse_quantity(text: str) -> Decimal:
    """The quantity's value in base units (cores, bytes). Raises ValueError."""
    m = _SHAPE.match(text.strip()) if len(text) <= MAX_LEN else None
    if m is None:
        raise ValueError(f"not a Kubernetes quantity: {text[:MAX_LEN]!r}")
    number, suffix = m.groups()
    try:
        value = Decimal(number)
        if suffix[:1] in ("e", "E"):
            return value.scaleb(int(suffix[1:]))
    except InvalidOperation:
        raise ValueError(f"not a Kubernetes quantity: {text!r}") from None
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    return value * _DECIMAL[suffix]


def millicores(text: str) -> float:
    """A CPU quantity in millicores (``"12345n"`` -> 0.012345, ``"2"`` -> 2000.0)."""
    return float(parse_quantity(text) * 1000)


def whole_bytes(text: str) -> int:
    """A memory quantity in bytes, rounded up as the kubelet does (``"64Mi"`` -> 67108864)."""
    value = parse_quantity(text)
    whole = int(value)
    return whole + 1 if value > whole else whole
