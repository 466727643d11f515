"""Recovery after network faults between a real agent and the master, through a real
Toxiproxy (scripts/toxiproxy.sh): for each fault — latency 500 ms ± 200 ms, 64 KB/s, tiny
segments, a silent link, a reset storm, a partition — the seconds from heal until the cluster
is connected, its mirror converged to kubesim's pods and its journal drained.

The rig is the one of tests/integration/link/test_link_faults.py (``faults.py`` there): kubesim
with churn, the master in-process, ``lookout-agent`` as a subprocess with the product's reconnect
backoff, and the master's offline delays shortened to 2 s / 5 s. The tests assert what must hold
(nothing lost or twice, statuses); this judges how long recovery took. The wait after a heal is
a random draw (full jitter), so one run per fault is one sample: run it a few times.

    .venv/bin/python -m bench link_faults [-- --faults reset_peer,partition --seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench.common import Table
from bench.results import Figure, exit_code
from tests.integration.link.faults import FAULTS, faults, inflict, rig
from tests.toxiproxy import find_toxiproxy

# The small size of `python -m bench --quick`: the one fault that depends on the backoff most.
QUICK = ["--faults", "reset_peer", "--seconds", "8"]


async def _measure(
    names: list[str] | None, seconds: float | None
) -> list[tuple[str, float, float]]:
    binary = find_toxiproxy()
    if binary is None:
        raise SystemExit("toxiproxy-server is not built: run scripts/toxiproxy.sh")
    got = []
    for fault in faults(names, seconds):
        with tempfile.TemporaryDirectory(prefix=f"link-faults-{fault.name}-") as tmp:
            async with rig(Path(tmp), binary) as r:
                done = await inflict(r, fault)
        got.append((fault.name, fault.seconds, done.recovery_s))
    return got


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="python -m bench link_faults")
    ap.add_argument(
        "--faults", default="", help=f"comma-separated, of: {', '.join(f.name for f in FAULTS)}"
    )
    ap.add_argument("--seconds", type=float, default=0, help="each fault's duration (0: its own)")
    args = ap.parse_args(argv)
    names = [n for n in args.faults.split(",") if n] or None
    measured = asyncio.run(_measure(names, args.seconds or None))
    table = Table("link_faults: heal -> connected, converged and drained (one sample each)")
    for name, seconds, recovery in measured:
        table.judge(
            "link_faults.recovery_s",
            f"after {name}",
            recovery,
            note=f"fault on for {seconds:g} s",
        )
    sys.stdout.write(table.render())
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
