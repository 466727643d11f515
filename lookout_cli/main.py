"""``lookout``: one command for the offline tools and the three processes.

lookout scan [FILE|-]       run the detectors over `kubectl get -o json` output
lookout master ...          same as lookout-master
lookout agent ...           same as lookout-agent
lookout metrics ...         same as lookout-metrics
lookout demo                master + two agents on simulated clusters + a metrics daemon
lookout silence ...         add, list, expire silences through the master's HTTP API
lookout slo ...             list SLOs, print or save a month's or quarter's SLO report
lookout version
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

# Subcommand -> "module:function" taking argv; imported lazily so `lookout scan` does not pay for
# grpc and FastAPI imports.
SUBCOMMANDS: dict[str, str] = {
    "scan": "agent.scan:main",
    "master": "master.__main__:main",
    "agent": "agent.__main__:main",
    "metrics": "metrics_daemon.__main__:main",
    "demo": "lookout_cli.demo:main",
    "silence": "lookout_cli.silence:main",
    "slo": "lookout_cli.slo:main",
}


def _version() -> str:
    try:
        return version("lookout")
    except PackageNotFoundError:
        return "0+unknown"


def _usage() -> str:
    return "usage: lookout {" + ",".join([*SUBCOMMANDS, "version"]) + "} [args...]\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(_usage() + (__doc__ or ""))
        return 0
    name, rest = args[0], args[1:]
    if name == "version":
        sys.stdout.write(_version() + "\n")
        return 0
    target = SUBCOMMANDS.get(name)
    if target is None:
        sys.stderr.write(f"lookout: unknown command {name!r}\n" + _usage())
        return 2
    module, func = target.split(":")
    entry: Callable[[Sequence[str]], int] = getattr(import_module(module), func)
    return entry(rest)


if __name__ == "__main__":
    raise SystemExit(main())
