"""Kubernetes memory quantities as bytes and back, for the memory step of ``set_resources``.

Only what memory limits use: plain bytes, decimal (k, M, G, T) and binary (Ki, Mi, Gi, Ti)
suffixes, and decimal exponents (``1e9``). Written back always in binary units, so a raised
limit reads like one a person would write (``768Mi``, ``2Gi``)."""

from __future__ import annotations

import math
import re

KiB, MiB, GiB, TiB = 2**10, 2**20, 2**30, 2**40
_SUFFIX = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": KiB,
    "Mi": MiB,
    "Gi": GiB,
    "Ti": TiB,
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(?:e([0-9]+)|(Ki|Mi|Gi|Ti|k|M|G|T))?$")


def parse_bytes(text: str) -> int | None:
    """Bytes in ``text`` (``"512Mi"`` → 536870912), None when it is no memory quantity."""
    m = _QUANTITY.match(text.strip())
    if m is None:
        return None
    number, exponent, suffix = m.groups()
    scale = 10 ** int(exponent) if exponent else _SUFFIX[suffix or ""]
    return math.ceil(float(number) * scale)


def format_bytes(n: int) -> str:
    """``n`` in the largest binary unit that divides it (``805306368`` → ``"768Mi"``)."""
    for suffix, unit in (("Ti", TiB), ("Gi", GiB), ("Mi", MiB), ("Ki", KiB)):
        if n and n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def round_up(n: float, step: int) -> int:
    """``n`` rounded up to a whole number of ``step``s."""
    return math.ceil(n / step) * step
