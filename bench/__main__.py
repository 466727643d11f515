"""``python -m bench [NAME ...] [-- ARGS]``: run every benchmark that exists, or the named ones.

Each benchmark is a module ``bench/<name>.py`` exposing ``main(argv: list[str] | None) -> int``
(0: every target met, 1: some missed; a parameterless ``main()`` returning None also works).
Modules not written yet are skipped, not errors, so the list can name the whole plan.
Arguments after ``--`` go to the named benchmark(s)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable

# name -> module, in the order a full run goes (cheap and foundational first).
BENCHES: dict[str, str] = {
    "link": "bench.link",
    "store": "bench.store",
    "agent": "bench.agent",
    "metrics_daemon": "bench.metrics_daemon",
    "kubesim": "bench.kubesim",
    "commands": "bench.commands",
    "auth": "bench.auth",
    "stream": "bench.stream",
    "anomaly": "bench.anomaly",
    "alerts": "bench.alerts",
    "slo": "bench.slo",
}


def _exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, passthrough = args[:cut], args[cut + 1 :]
    if any(a in ("-h", "--help") for a in args):
        sys.stdout.write(__doc__ + "\nbenchmarks: " + ", ".join(BENCHES) + "\n")
        return 0
    unknown = [a for a in args if a not in BENCHES]
    if unknown:
        sys.stderr.write(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}\n"
        )
        return 2
    names = args or [n for n, m in BENCHES.items() if _exists(m)]
    missing = [n for n in names if not _exists(BENCHES[n])]
    if missing:
        sys.stderr.write(f"not written yet: {', '.join(missing)}\n")
        return 2
    worst = 0
    for name in names:
        sys.stdout.write(f"== bench {name} ==\n")
        sys.stdout.flush()
        worst = max(worst, _run(name, passthrough if args else []))
        sys.stdout.write("\n")
    return worst


def _run(name: str, argv: list[str]) -> int:
    """Call ``main(argv)``; a ``main()`` without parameters gets ``argv`` through ``sys.argv``
    instead, and a ``None`` result counts as success."""
    entry: Callable[..., int | None] = importlib.import_module(BENCHES[name]).main
    saved = sys.argv
    sys.argv = [f"bench {name}", *argv]
    try:
        takes_argv = bool(inspect.signature(entry).parameters)
        result = entry(argv) if takes_argv else entry()
    finally:
        sys.argv = saved
    return 0 if result is None else int(result)


if __name__ == "__main__":
    sys.exit(main())
