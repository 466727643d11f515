"""The one target table (``bench.targets``): every figure a bench judges names a row of it,
every row is judged by some bench, no bench keeps a threshold of its own, and the verdicts
follow each row's direction."""

from __future__ import annotations

import ast
import importlib
import math
from pathlib import Path

import pytest

from bench.__main__ import BENCHES
from bench.results import judged
from bench.targets import TARGETS, Target

BENCH_DIR = Path(__file__).resolve().parents[3] / "bench"
NOT_BENCHES = {"targets.py", "results.py", "readme.py", "__main__.py", "__init__.py"}


def _judged_keys() -> dict[str, set[str]]:
    """Module stem -> the target keys its ``.judge(...)`` calls name (string constants, or
    the two branches of a conditional expression)."""
    found: dict[str, set[str]] = {}
    for path in sorted(BENCH_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "judge"
                and node.args
            ):
                continue
            arg = node.args[0]
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for opt in options:
                assert isinstance(opt, ast.Constant) and isinstance(opt.value, str), (
                    f"{path.name}:{node.lineno}: judge() needs a literal target key"
                )
                found.setdefault(path.stem, set()).add(opt.value)
    return found


def test_every_judged_figure_names_a_row_of_its_own_area() -> None:
    keys = _judged_keys()
    assert keys, "no judge() call found: the scan is broken"
    for module, names in keys.items():
        for key in names:
            assert key in TARGETS, f"bench/{module}.py judges {key!r}: no such row"
            assert module.startswith(TARGETS[key].area), f"{module} judges {key} of another area"


def test_every_target_row_is_judged_by_some_bench_or_says_where_it_is_measured() -> None:
    used = set().union(*_judged_keys().values())
    unjudged = {k for k, t in TARGETS.items() if not t.elsewhere}
    assert sorted(unjudged - used) == []
    assert sorted(k for k, t in TARGETS.items() if t.elsewhere and k in used) == []


def test_every_area_judged_here_is_a_bench_that_runs_with_the_command() -> None:
    assert {t.area for t in TARGETS.values() if not t.elsewhere} <= set(BENCHES)


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_every_bench_has_a_runner_and_a_quick_size(name: str) -> None:
    module = importlib.import_module(BENCHES[name])
    assert callable(module.run)
    assert isinstance(module.QUICK, list) and module.QUICK, f"{name} has no quick size"
    assert all(isinstance(a, str) for a in module.QUICK)


def test_no_bench_module_keeps_a_threshold_of_its_own() -> None:
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.name in NOT_BENCHES:
            continue
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            for t in targets:
                if isinstance(t, ast.Name):
                    assert "TARGET" not in t.id and not t.id.endswith(("_MAX", "_MIN")), (
                        f"bench/{path.name}: {t.id} looks like a threshold; put it in targets.py"
                    )


def test_every_row_names_its_source() -> None:
    for t in TARGETS.values():
        assert t.source, t.key
        assert t.direction in ("<=", ">=", "in"), t.key
        assert (t.low is not None) == (t.direction == "in"), t.key


def _t(direction: str, value: float | None = 10.0, low: float | None = None) -> Target:
    return Target("x", "y", "ms", value, direction, "test", low=low)  # type: ignore[arg-type]


def test_at_most_is_met_at_the_limit_and_missed_above_it() -> None:
    assert _t("<=").met(10.0) is True
    assert _t("<=").met(10.01) is False


def test_at_least_is_met_at_the_limit_and_missed_below_it() -> None:
    assert _t(">=").met(10.0) is True
    assert _t(">=").met(9.99) is False


def test_a_range_is_met_inside_and_missed_on_either_side() -> None:
    t = _t("in", 150.0, low=50.0)
    assert [t.met(v) for v in (49.0, 50.0, 100.0, 150.0, 151.0)] == [
        False,
        True,
        True,
        True,
        False,
    ]


def test_nothing_measured_never_meets_a_target() -> None:
    assert _t("<=").met(math.nan) is False
    assert _t(">=").met(math.nan) is False


def test_a_row_without_a_value_gives_no_verdict() -> None:
    assert _t("<=", None).met(1e9) is None
    assert _t("<=", None).text() == ""


def test_better_follows_the_direction() -> None:
    assert _t("<=").better(20.0, 10.0) is True
    assert _t("<=").better(10.0, 20.0) is False
    assert _t(">=").better(10.0, 20.0) is True
    assert _t(">=").better(20.0, 10.0) is False
    assert _t(">=").better(10.0, 10.0) is None
    assert _t("in", 150.0, low=50.0).better(60.0, 100.0) is None


def test_the_target_text_shows_direction_unit_and_stretch() -> None:
    assert TARGETS["link.latency_p99"].text() == "<= 50 ms (stretch 10)"
    assert TARGETS["link.ingest_no_persistence"].text() == ">= 100,000 records/s"
    assert TARGETS["auth.argon2_verify"].text() == "50-150 ms"


def test_a_figure_that_cannot_be_judged_here_is_recorded_without_a_verdict() -> None:
    f = judged("auth.throughput", "static: throughput", 10.0, applies=False)
    assert (f.ok, f.area, f.unit) == (None, "auth", "req/s")


def test_the_stated_alternative_turns_a_miss_into_a_met_target() -> None:
    assert judged("commands.many_p99", "p99", 400.0).ok is False
    assert judged("commands.many_p99", "p99", 400.0, otherwise=True).ok is True


def test_an_unknown_target_key_is_refused() -> None:
    with pytest.raises(KeyError):
        judged("link.no_such_figure", "x", 1.0)
