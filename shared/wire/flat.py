"""Field-by-name copying between flat dataclasses and protobuf messages whose fields match.

Only for messages of scalars and repeated scalars: nested messages are converted explicitly by
the caller, so a renamed field fails loudly in the round-trip tests instead of being guessed."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def values_of(obj: Any) -> dict[str, Any]:
    """A dataclass instance's fields as keyword arguments for a protobuf constructor."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def build(cls: type[T], msg: Any) -> T:
    """A dataclass from a protobuf message, repeated fields as tuples."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = getattr(msg, f.name)
        kwargs[f.name] = value if isinstance(value, str | int | float | bytes) else tuple(value)
    return cls(**kwargs)
