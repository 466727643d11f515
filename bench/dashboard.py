"""The dashboard's pods page with 5,000 pods, in the real Chromium: runs the browser test
``tests/browser/test_bench_pods.py`` (a ``lookout demo``-style fleet whose first cluster has
``PODS`` pods, the built dashboard, Debian's Chromium through Playwright) and judges the
figures it writes.

* first render: navigation -> the virtualised table holding every row, the fetch of the pods
  list on loopback included (what a user waits for); the page's longest task beside it;
* a filter keystroke: search box value -> the count and rows changed and a frame painted,
  timed in the page, median and worst of six;
* a pod created in the cluster until its row shows (kubesim -> agent -> master -> live
  stream -> the table), one sample.

Needs the dashboard built (``scripts/build-dashboard.sh``, which ``make demo``/``make test``
run) and Chromium (``scripts/system-deps.sh``).

    .venv/bin/python -m bench dashboard
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Table, busy_warning
from bench.results import Figure, exit_code

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/browser/test_bench_pods.py"
QUICK = ["-k", "pods"]  # one size (the figure is about 5,000 rows); pytest selects the test


def run(argv: list[str]) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="lookout-bench-dashboard-") as d:
        out = Path(d) / "figures.json"
        env = os.environ | {"LOOKOUT_BENCH_OUT": str(out), "LOOKOUT_REQUIRE_BROWSER": "1"}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST, *argv]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"{TEST} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        f = json.loads(out.read_text())
    table = Table("dashboard: the pods page with 5,000 pods, Chromium, loopback")
    table.judge(
        "dashboard.pods_first_render", "first render (fetch included)", f["pods_first_render_ms"]
    )
    table.judge(
        "dashboard.pods_longest_task", "longest task while it renders", f["pods_longest_task_ms"]
    )
    table.judge(
        "dashboard.pods_filter_keystroke", "filter keystroke, median", f["pods_filter_keystroke_ms"]
    )
    table.judge(
        "dashboard.pod_change_to_browser",
        "a new pod in the cluster -> its row on the page",
        f["pod_change_to_browser_ms"],
    )
    table.judge(
        "dashboard.pods_filter_keystroke_worst",
        "filter keystroke, worst",
        f["pods_filter_keystroke_worst_ms"],
    )
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
