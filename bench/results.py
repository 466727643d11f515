"""The result model of a benchmark run: figures (area, figure, value, unit, target, ok/MISS),
the machine they were measured on, the JSON file a run writes, the one table it prints, and
the comparison of two runs.

Pure except ``machine_stamp`` (reads /proc and git) and ``write``/``load`` (one file each).
What a bench measures is not here: a bench hands its figures over through
``bench.common.Table.judge``."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.targets import TARGETS, Target, target

SCHEMA = 1
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. ``name`` says what was measured in words (unique within its area
    in a run: comparisons match on it); ``target`` is a key of ``bench.targets.TARGETS``."""

    area: str
    name: str
    value: float
    unit: str
    target: str
    ok: bool | None
    note: str = ""

    @property
    def target_row(self) -> Target:
        return TARGETS[self.target]


def judged(
    key: str,
    name: str,
    value: float,
    *,
    note: str = "",
    applies: bool = True,
    otherwise: bool = False,
) -> Figure:
    """A figure judged against target ``key``. ``applies=False`` records it without a verdict
    (the bench knows this run cannot judge it, e.g. a client-bound rate); ``otherwise`` is the
    target's stated alternative holding (``Target.alternative``)."""
    t = target(key)
    verdict = t.met(value) if applies else None
    if verdict is False and otherwise:
        verdict = True
    return Figure(t.area, name, value, t.unit, key, verdict, note)


def exit_code(figures: Iterable[Figure]) -> int:
    """A bench run on its own (``python -m bench.<name>``): 1 if a figure missed its target."""
    return 1 if any(f.ok is False for f in figures) else 0


@dataclass(frozen=True, slots=True)
class BenchRun:
    """How one bench module went: ``crashed`` holds the error when it did not finish."""

    name: str
    seconds: float
    crashed: str = ""


@dataclass(slots=True)
class Run:
    machine: dict[str, Any]
    quick: bool
    benches: list[BenchRun] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    @property
    def misses(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]

    @property
    def crashes(self) -> list[BenchRun]:
        return [b for b in self.benches if b.crashed]

    def exit_code(self) -> int:
        """2 if a bench crashed, else 1 if a target was missed (not in a quick run, whose sizes
        are too small to judge), else 0."""
        if self.crashes:
            return 2
        return 1 if self.misses and not self.quick else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "machine": self.machine,
            "quick": self.quick,
            "benches": [asdict(b) for b in self.benches],
            "figures": [_figure_json(f) for f in self.figures],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"results schema {data.get('schema')!r}, expected {SCHEMA}")
        return cls(
            machine=dict(data["machine"]),
            quick=bool(data["quick"]),
            benches=[BenchRun(**b) for b in data["benches"]],
            figures=[
                Figure(
                    area=f["area"],
                    name=f["figure"],
                    value=math.nan if f["value"] is None else float(f["value"]),
                    unit=f["unit"],
                    target=f["target_key"],
                    ok=f["ok"],
                    note=f.get("note", ""),
                )
                for f in data["figures"]
            ],
        )


def _figure_json(f: Figure) -> dict[str, Any]:
    t = TARGETS[f.target]
    return {
        "area": f.area,
        "figure": f.name,
        # JSON has no NaN: a figure that could not be measured is null.
        "value": None if math.isnan(f.value) else f.value,
        "unit": f.unit,
        "target": t.value,
        "target_low": t.low,
        "direction": t.direction,
        "target_text": t.text(),
        "source": t.source,
        "target_key": f.target,
        "ok": f.ok,
        "note": f.note,
    }


# -- the machine ---------------------------------------------------------------------------------


def machine_stamp() -> dict[str, Any]:
    """CPU model, cores, RAM, Python, commit, date, and how busy the machine was (load average,
    CPU ns per bare loop iteration: compare it between runs before comparing figures)."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": model,
        "cores": os.cpu_count() or 1,
        "ram_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load": float(Path("/proc/loadavg").read_text().split()[0]),
        "loop_ns": round(loop_ns(), 1),
    }


def loop_ns(n: int = 200_000) -> float:
    """CPU nanoseconds per iteration of a bare ``for`` loop: a crude speed probe of the core."""
    t0 = time.process_time_ns()
    for _ in range(n):
        pass
    return (time.process_time_ns() - t0) / n


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def stamp_line(m: dict[str, Any]) -> str:
    commit = f"{m.get('commit') or '?'}{'+dirty' if m.get('dirty') else ''}"
    return (
        f"{m.get('date', '?')}, {m.get('cpu') or 'CPU ?'}, {m.get('cores', '?')} cores, "
        f"{m.get('ram_gib', '?')} GiB, Python {m.get('python', '?')}, commit {commit}, "
        f"load {m.get('load', '?')}, bare loop {m.get('loop_ns', '?')} ns"
    )


# -- files ---------------------------------------------------------------------------------------


def default_path(run: Run, directory: Path = RESULTS_DIR) -> Path:
    """``<date>-<shortcommit>[-quick].json``: one file per run, sortable by date."""
    m = run.machine
    date = str(m.get("date", "")).replace(":", "")
    commit = m.get("commit") or "nocommit"
    return directory / f"{date}-{commit}{'-quick' if run.quick else ''}.json"


def write(run: Run, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False) + "\n")


def load(path: Path) -> Run:
    return Run.from_json(json.loads(path.read_text()))


# -- rendering -----------------------------------------------------------------------------------


def show(value: float, unit: str) -> str:
    """A figure's value with its unit, precision by size."""
    if math.isnan(value):
        return "n/a"
    # Small whole numbers are counts (samples, streams): no decimals for them.
    if abs(value) >= 100 or (value == int(value) and abs(value) < 10):
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}" if unit else text


VERDICT = {True: "ok", False: "MISS", None: ""}


def render(run: Run) -> str:
    """The one table of a run: area | figure | value | target | ok/MISS, under the stamp."""
    cells = [("area", "figure", "value", "target", "")] + [
        (f.area, f.name, show(f.value, f.unit), f.target_row.text(), VERDICT[f.ok])
        for f in run.figures
    ]
    lines = [f"bench{' --quick' if run.quick else ''}: {stamp_line(run.machine)}"]
    lines += _aligned(cells, right={2})
    for b in run.crashes:
        lines.append(f"CRASHED: {b.name}: {b.crashed}")
    misses = len(run.misses)
    lines.append(
        f"{len(run.figures)} figures, {misses} MISS, {len(run.crashes)} crashed"
        + (" (quick sizes: verdicts shown, not judged)" if run.quick else "")
    )
    return "\n".join(lines) + "\n"


def _aligned(cells: Sequence[tuple[str, ...]], right: Iterable[int] = ()) -> list[str]:
    cols = len(cells[0])
    widths = [max(len(c[i]) for c in cells) for i in range(cols)]
    rset = set(right)
    out = []
    for n, c in enumerate(cells):
        parts = [c[i].rjust(widths[i]) if i in rset else c[i].ljust(widths[i]) for i in range(cols)]
        out.append("  ".join(parts).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths).rstrip())
    return out


# -- comparing two runs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    area: str
    name: str
    unit: str
    old: float
    new: float
    better: bool | None  # None: unchanged, no better side, or not comparable

    @property
    def ratio(self) -> float:
        """new / old; NaN when either is missing or old is 0."""
        if math.isnan(self.old) or math.isnan(self.new) or self.old == 0:
            return math.nan
        return self.new / self.old


def compare(old: Run, new: Run) -> tuple[list[Change], list[Figure], list[Figure]]:
    """Figures present in both runs (matched on area and name), then those only in the old
    run and only in the new one."""
    before = {(f.area, f.name): f for f in old.figures}
    after = {(f.area, f.name): f for f in new.figures}
    changes = []
    for key, f in after.items():
        if key not in before:
            continue
        o = before[key]
        comparable = not (math.isnan(o.value) or math.isnan(f.value))
        better = f.target_row.better(o.value, f.value) if comparable else None
        changes.append(Change(f.area, f.name, f.unit, o.value, f.value, better))
    gone = [f for k, f in before.items() if k not in after]
    added = [f for k, f in after.items() if k not in before]
    return changes, gone, added


def render_compare(old: Run, new: Run) -> str:
    changes, gone, added = compare(old, new)
    word = {True: "better", False: "worse", None: ""}
    cells = [("area", "figure", "old", "new", "new/old", "")] + [
        (
            c.area,
            c.name,
            show(c.old, c.unit),
            show(c.new, c.unit),
            "n/a" if math.isnan(c.ratio) else f"{c.ratio:.2f}x",
            word[c.better],
        )
        for c in changes
    ]
    lines = [f"old: {stamp_line(old.machine)}", f"new: {stamp_line(new.machine)}"]
    if old.machine.get("cpu") != new.machine.get("cpu") or old.quick != new.quick:
        lines.append("WARNING: different CPU or sizes (quick vs full): ratios mislead")
    lines += _aligned(cells, right={2, 3, 4})
    lines += [f"only in old: {f.area}: {f.name}" for f in gone]
    lines += [f"only in new: {f.area}: {f.name}" for f in added]
    return "\n".join(lines) + "\n"
