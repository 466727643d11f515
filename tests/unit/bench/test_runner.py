"""``python -m bench`` itself, with stand-in bench modules: one table and one JSON for the
run, quick sizes passed, a crash recorded while the other benches still run, exit codes."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import __main__ as runner
from bench.results import Figure, judged


def _module(name: str, figures: list[Figure] | Exception, seen: list[list[str]]) -> str:
    mod = types.ModuleType(name)

    def run(argv: list[str]) -> list[Figure]:
        seen.append(argv)
        if isinstance(figures, Exception):
            raise figures
        return figures

    mod.run = run  # type: ignore[attr-defined]
    mod.QUICK = ["--small"]  # type: ignore[attr-defined]
    sys.modules[name] = mod
    return name


@pytest.fixture
def benches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    seen: list[list[str]] = []
    monkeypatch.setattr(
        runner,
        "BENCHES",
        {
            "fast": _module("bench_fake_fast", [judged("link.latency_p99", "p99", 80.0)], seen),
            "broken": _module("bench_fake_broken", RuntimeError("no peer"), seen),
            "slow": _module("bench_fake_slow", [judged("store.lag_p99", "lag", 10.0)], seen),
        },
    )
    yield seen
    for name in ("bench_fake_fast", "bench_fake_broken", "bench_fake_slow"):
        sys.modules.pop(name, None)


def test_a_crash_is_recorded_and_the_other_benches_still_run(
    benches: list[list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    assert runner.main(["--out", str(out)]) == 2
    data = json.loads(out.read_text())
    assert [b["name"] for b in data["benches"]] == ["fast", "broken", "slow"]
    assert data["benches"][1]["crashed"] == "RuntimeError: no peer"
    assert [f["figure"] for f in data["figures"]] == ["p99", "lag"]
    assert benches == [[], [], []]  # full sizes: no arguments
    text = capsys.readouterr().out
    assert "CRASHED: broken: RuntimeError: no peer" in text and "2 figures, 1 MISS" in text


def test_a_full_run_with_a_miss_exits_1(benches: list[list[str]], tmp_path: Path) -> None:
    assert runner.main(["fast", "slow", "--out", str(tmp_path / "r.json")]) == 1


def test_a_quick_run_passes_each_bench_its_size_and_ignores_a_miss(
    benches: list[list[str]], tmp_path: Path
) -> None:
    out = tmp_path / "q.json"
    assert runner.main(["--quick", "fast", "slow", "--out", str(out)]) == 0
    assert benches == [["--small"], ["--small"]]
    assert json.loads(out.read_text())["quick"] is True


def test_arguments_after_the_separator_go_to_the_named_bench(
    benches: list[list[str]], tmp_path: Path
) -> None:
    runner.main(["slow", "--out", str(tmp_path / "r.json"), "--", "--records", "5"])
    assert benches == [["--records", "5"]]


def test_an_unknown_bench_is_refused(benches: list[list[str]]) -> None:
    assert runner.main(["nosuch"]) == 2
    assert benches == []


def test_compare_and_readme_read_a_run_file(
    benches: list[list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    runner.main(["fast", "--out", str(out)])
    capsys.readouterr()
    assert runner.main(["compare", str(out), str(out)]) == 0
    assert "1.00x" in capsys.readouterr().out
    page = tmp_path / "README.md"
    page.write_text("# Benchmarks\n")
    assert runner.main(["readme", str(out), "--file", str(page)]) == 0
    assert "| p99 | 80.0 ms | <= 50 ms (stretch 10) | **MISS** |" in page.read_text()
