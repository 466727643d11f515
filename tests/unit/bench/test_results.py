"""The result model of ``python -m bench``: a bench's table records judged figures, a run
becomes one JSON file and back, its exit code, ``compare``'s ratios, and the README section
generated from a run."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from pathlib import Path

import pytest

from bench import readme, store
from bench.common import Table, percentile
from bench.results import (
    BenchRun,
    Figure,
    Run,
    compare,
    default_path,
    judged,
    load,
    render,
    render_compare,
    write,
)

MACHINE = {"date": "2026-12-04T19:00:00Z", "cpu": "Test CPU", "cores": 2, "commit": "abc1234"}


def _run(*figures: Figure, quick: bool = False, crashed: str = "") -> Run:
    return Run(
        machine=dict(MACHINE),
        quick=quick,
        benches=[BenchRun("link", 1.5, crashed)],
        figures=list(figures),
    )


def test_a_judged_row_is_printed_with_its_target_and_kept_as_a_figure() -> None:
    table = Table("t")
    assert table.judge("link.latency_p99", "p99, 10 agents", 80.0) is False
    assert table.judge("link.latency_p99", "p99, 1 agent", 8.0) is True
    assert [f.ok for f in table.figures] == [False, True]
    assert table.figures[0] == Figure(
        "link", "p99, 10 agents", 80.0, "ms", "link.latency_p99", False
    )
    row = table.rows[0]
    assert (row.figure, row.target, row.ok) == ("80.0 ms", "<= 50 ms (stretch 10)", False)
    assert "MISS" in table.render()


def test_a_run_survives_its_json_file(tmp_path: Path) -> None:
    run = _run(
        judged("link.latency_p99", "p99", 12.5, note="n=10"),
        judged("store.ingest", "ingest, sqlite", math.nan),
        judged("auth.throughput", "rate", 900.0, applies=False),
    )
    path = tmp_path / "r.json"
    write(run, path)
    data = json.loads(path.read_text())
    assert data["schema"] == 1 and data["machine"]["cpu"] == "Test CPU"
    assert data["benches"] == [{"name": "link", "seconds": 1.5, "crashed": ""}]
    first = data["figures"][0]
    assert first == {
        "area": "link",
        "figure": "p99",
        "value": 12.5,
        "unit": "ms",
        "target": 50,
        "target_low": None,
        "direction": "<=",
        "target_text": "<= 50 ms (stretch 10)",
        "source": "PERFORMANCE.md master ingest latency",
        "target_key": "link.latency_p99",
        "ok": True,
        "note": "n=10",
    }
    assert data["figures"][1]["value"] is None  # NaN is not JSON: nothing measured is null
    assert data["figures"][2]["ok"] is None
    back = load(path)
    assert back.figures[0] == run.figures[0]
    assert math.isnan(back.figures[1].value) and back.figures[1].ok is False
    assert back.machine == run.machine and back.benches == run.benches


def test_a_results_file_of_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": 99}))
    with pytest.raises(ValueError, match="schema"):
        load(path)


def test_the_file_is_named_by_date_and_commit_and_says_quick() -> None:
    assert default_path(_run(), Path("/r")) == Path("/r/2026-12-04T190000Z-abc1234.json")
    assert default_path(_run(quick=True), Path("/r")).name.endswith("-abc1234-quick.json")


def test_a_miss_fails_a_full_run_but_not_a_quick_one_and_a_crash_fails_both() -> None:
    miss = judged("link.latency_p99", "p99", 80.0)
    met = judged("link.latency_p99", "p99", 8.0)
    assert _run(met).exit_code() == 0
    assert _run(miss).exit_code() == 1
    assert _run(miss, quick=True).exit_code() == 0
    assert _run(met, quick=True, crashed="RuntimeError: boom").exit_code() == 2
    assert _run(met, crashed="RuntimeError: boom").exit_code() == 2


def test_the_run_table_has_every_figure_the_stamp_and_the_crashes() -> None:
    text = render(_run(judged("link.latency_p99", "p99 paced", 80.0), crashed="OSError: x"))
    assert "Test CPU, 2 cores" in text and "commit abc1234" in text
    line = next(ln for ln in text.splitlines() if "p99 paced" in ln)
    assert line.split()[0] == "link" and "80.0 ms" in line and line.endswith("MISS")
    assert "CRASHED: link: OSError: x" in text


def test_compare_gives_new_over_old_and_judges_it_by_the_direction() -> None:
    old = _run(
        judged("link.latency_p99", "p99", 20.0),
        judged("link.ingest_sqlite", "rate", 10_000.0),
        judged("store.ingest", "gone", 1.0),
    )
    new = _run(
        judged("link.latency_p99", "p99", 10.0),
        judged("link.ingest_sqlite", "rate", 5_000.0),
        judged("store.ingest", "added", 1.0),
    )
    changes, gone, added = compare(old, new)
    by_name = {c.name: c for c in changes}
    assert by_name["p99"].ratio == pytest.approx(0.5) and by_name["p99"].better is True
    assert by_name["rate"].ratio == pytest.approx(0.5) and by_name["rate"].better is False
    assert [f.name for f in gone] == ["gone"] and [f.name for f in added] == ["added"]
    text = render_compare(old, new)
    assert "0.50x  better" in text and "0.50x  worse" in text
    assert "only in old: store: gone" in text and "only in new: store: added" in text


def test_compare_of_a_figure_not_measured_or_zero_before_has_no_ratio() -> None:
    old = _run(judged("link.latency_p99", "p99", math.nan), judged("store.lag_p99", "lag", 0.0))
    new = _run(judged("link.latency_p99", "p99", 10.0), judged("store.lag_p99", "lag", 3.0))
    changes, _, _ = compare(old, new)
    assert all(math.isnan(c.ratio) for c in changes)
    assert changes[0].better is None
    assert "n/a" in render_compare(old, new)


def test_compare_warns_when_the_runs_are_not_alike() -> None:
    other = _run(quick=True)
    assert "WARNING" in render_compare(_run(), other)
    assert "WARNING" not in render_compare(_run(), _run())


def test_readme_section_is_rewritten_between_its_markers_only(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(
        f"# How\n\nkept above\n\n{readme.BEGIN}\nold figures\n{readme.END}\n\nkept below\n"
    )
    run = _run(judged("link.latency_p99", "p99 | paced", 80.0), judged("store.ingest", "in", 6e4))
    readme.rewrite(path, run, source="r.json")
    text = path.read_text()
    assert text.startswith("# How\n\nkept above\n\n") and text.endswith("\n\nkept below\n")
    assert "old figures" not in text
    assert "| p99 \\| paced | 80.0 ms | <= 50 ms (stretch 10) | **MISS** |" in text
    assert "#### link" in text and "#### store" in text and "From `r.json`" in text
    assert "| dashboard: first_load | <= 1 s (stretch 0.5) | PERFORMANCE.md |" in text
    assert "Time per bench: link 2 s." in text and "busy" not in text
    readme.rewrite(path, run, source="r.json")
    assert path.read_text() == text  # regenerating the same run changes nothing


def test_readme_without_markers_gets_the_section_appended(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# How\n")
    readme.rewrite(path, _run(quick=True), source="q.json")
    text = path.read_text()
    assert text.startswith("# How\n\n" + readme.BEGIN) and text.rstrip().endswith(readme.END)
    assert "quick sizes" in text


def test_readme_says_when_the_machine_was_busy(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("# How\n")
    run = _run()
    run.machine.update(load=6.5, cores=2)
    readme.rewrite(path, run, source="r.json")
    assert "The machine was busy (load 6.5 on 2 cores" in path.read_text()


def test_the_real_readme_has_the_markers_once() -> None:
    text = readme.README.read_text()
    assert text.count(readme.BEGIN) == 1 and text.count(readme.END) == 1


def test_nearest_rank_p99_of_50_samples_is_the_slowest() -> None:
    assert percentile([float(i) for i in range(1, 51)], 99) == 50.0


def test_the_store_history_p99_is_a_99th_percentile() -> None:
    # Calls taking 1..50 ms: the p99 (nearest rank) of 50 is the 50 ms one; taking the 49th,
    # as the store bench once did, was a 98th percentile.
    ticks = itertools.chain.from_iterable((0.0, n / 1000) for n in range(1, 51))
    clock = itertools.accumulate(ticks)

    async def call() -> object:
        return None

    p50, p99 = asyncio.run(store.timed(call, 50, clock=lambda: next(clock)))
    assert p99 == pytest.approx(50.0)
    assert p50 == pytest.approx(25.5)
