"""The one definition of "this peer must be here": in CI (``CI`` set to 1/true/yes, as CI
services set it) or when ``LOOKOUT_REQUIRE_<PEER>`` says so, a missing test peer fails the test
instead of skipping it, so CI cannot go green by skipping what it must run. Every guard that
finds a binary, a server or a browser uses ``unavailable``; the session hook in
``tests/conftest.py`` uses ``in_ci`` to refuse a CI run with skips."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

TRUE = ("1", "true", "yes")


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE


def in_ci() -> bool:
    return env_flag("CI")


def required(peer: str) -> bool:
    """``peer``: K8S, MARIADB, BROWSER… (the ``LOOKOUT_REQUIRE_`` suffix)."""
    return in_ci() or env_flag(f"LOOKOUT_REQUIRE_{peer.upper()}")


def unavailable(peer: str, why: str) -> NoReturn:
    """Skip with ``why``, or fail with it where ``peer`` is required."""
    if required(peer):
        pytest.fail(f"{why} (CI / LOOKOUT_REQUIRE_{peer.upper()}=1: not skipping)", pytrace=False)
    pytest.skip(why)
