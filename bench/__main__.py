"""``python -m bench``: run the benchmarks, print one table, write it as JSON.

    python -m bench [--quick] [NAME ...] [-- ARGS]   every benchmark, or the named ones
    python -m bench compare OLD.json NEW.json        each figure's ratio new/old
    python -m bench readme RESULTS.json              regenerate bench/README.md's figures

Each benchmark is a module ``bench/<name>.py`` exposing ``run(argv: list[str]) -> list[Figure]``
(it prints its own detailed table and returns its figures, each judged against
``bench.targets``) and ``QUICK``, the arguments of its small size. ``--quick`` runs every bench at
that size: the figures are reported but a MISS does not fail the command, only a crash does (CI
runs it to keep the benches working). Without ``--quick`` a MISS exits 1, a crash 2.
Arguments after ``--`` go to the named benchmark(s). The run is written to
``bench/results/<date>-<commit>.json`` (``--out`` to choose)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path
from typing import Protocol, cast

from bench import results
from bench.results import BenchRun, Figure, Run

# name -> module, in the order a full run goes (cheap and foundational first).
BENCHES: dict[str, str] = {
    "link": "bench.link",
    "store": "bench.store",
    "agent": "bench.agent",
    "metrics_daemon": "bench.metrics_daemon",
    "kubesim": "bench.kubesim",
    "commands": "bench.commands",
    "remediation": "bench.remediation",
    "auth": "bench.auth",
    "stream": "bench.stream",
    "anomaly": "bench.anomaly",
    "alerts": "bench.alerts",
    "alert_intake": "bench.alert_intake",
    "slo": "bench.slo",
    "ingress_scrape": "bench.ingress_scrape",
    "pod_metrics": "bench.pod_metrics",
    "link_faults": "bench.link_faults",
    "dashboard": "bench.dashboard",
}


class Bench(Protocol):
    QUICK: list[str]

    def run(self, argv: list[str]) -> list[Figure]: ...


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["compare"]:
        return _compare(args[1:])
    if args[:1] == ["readme"]:
        return _readme(args[1:])
    passthrough: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, passthrough = args[:cut], args[cut + 1 :]
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("names", nargs="*", metavar="NAME", help=f"of: {', '.join(BENCHES)}")
    p.add_argument("--quick", action="store_true", help="every bench at its small size")
    p.add_argument("--out", type=Path, help="the results JSON (default: bench/results/...)")
    opts = p.parse_args(args)
    unknown = [n for n in opts.names if n not in BENCHES]
    if unknown:
        sys.stderr.write(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}\n"
        )
        return 2
    run = Run(machine=results.machine_stamp(), quick=opts.quick)
    for name in opts.names or list(BENCHES):
        sys.stdout.write(f"== bench {name} ==\n")
        sys.stdout.flush()
        bench_argv = passthrough if opts.names else []
        one(run, name, bench_argv, quick=opts.quick)
        sys.stdout.write("\n")
    path = opts.out or results.default_path(run)
    results.write(run, path)
    sys.stdout.write(results.render(run) + f"written to {path}\n")
    return run.exit_code()


def one(run: Run, name: str, argv: list[str], *, quick: bool) -> None:
    """Run bench ``name``, adding its figures to ``run``; a crash is recorded, not raised, so
    the other benches still run."""
    t0 = time.monotonic()
    crashed = ""
    try:
        bench = cast(Bench, importlib.import_module(BENCHES[name]))
        run.figures.extend(bench.run([*bench.QUICK, *argv] if quick else argv))
    except (Exception, SystemExit) as e:  # a crash fails the command, after the others ran
        traceback.print_exc()
        crashed = f"{type(e).__name__}: {e}"
    run.benches.append(BenchRun(name, round(time.monotonic() - t0, 1), crashed))


def _compare(args: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench compare")
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    opts = p.parse_args(args)
    sys.stdout.write(results.render_compare(results.load(opts.old), results.load(opts.new)))
    return 0


def _readme(args: list[str]) -> int:
    from bench import readme

    p = argparse.ArgumentParser(prog="python -m bench readme")
    p.add_argument("results", type=Path)
    p.add_argument("--file", type=Path, default=readme.README)
    opts = p.parse_args(args)
    readme.rewrite(opts.file, results.load(opts.results), source=opts.results.name)
    sys.stdout.write(f"{opts.file}: figures regenerated from {opts.results}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
