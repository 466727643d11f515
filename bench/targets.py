"""Every benchmark target of the project, in one table: what each bench judges its figures
against, with where the number comes from (``/work/shared/PERFORMANCE.md`` is copied into the
project here; an issue number when the target was set there).

A bench names a target by key (``area.name``) and never holds a threshold of its own, so
changing a target is one row here and every bench, the results JSON and the README follow.
A row whose ``value`` is None is a figure recorded for comparison between runs with no target
(its direction still says which way is better); a row with ``elsewhere`` is a target of
``PERFORMANCE.md`` that no bench here judges (yet), with where it is measured.

Pure data and pure verdicts: no I/O, no clock."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Direction = Literal["<=", ">=", "in"]

PERF = "PERFORMANCE.md"
NO_BENCH = "no bench yet"
BROWSER = "tests/browser/test_bench.py (printed, not judged)"


@dataclass(frozen=True, slots=True)
class Target:
    area: str
    name: str
    unit: str
    value: float | None
    direction: Direction
    source: str
    stretch: float | None = None
    low: float | None = None  # for "in": the range is low..value
    # A second way to meet it that the bench judges itself (e.g. "within 1.2x the round's CPU
    # floor" where the absolute number is below what this machine can do).
    alternative: str = ""
    # Where a target no `python -m bench` module judges is measured instead, or that nothing
    # measures it yet: kept here so the table stays the whole list.
    elsewhere: str = ""

    @property
    def key(self) -> str:
        return f"{self.area}.{self.name}"

    def met(self, value: float) -> bool | None:
        """The verdict for ``value``: None without a target; a NaN figure (nothing measured)
        never meets one."""
        if self.value is None:
            return None
        if math.isnan(value):
            return False
        if self.direction == "<=":
            return value <= self.value
        if self.direction == ">=":
            return value >= self.value
        assert self.low is not None, self.key
        return self.low <= value <= self.value

    def better(self, old: float, new: float) -> bool | None:
        """Whether ``new`` is better than ``old`` given the direction; None when equal or when
        the direction has no better side (a range)."""
        if new == old or self.direction == "in":
            return None
        return new < old if self.direction == "<=" else new > old

    def text(self) -> str:
        """The target as a table shows it, e.g. ``<= 50 ms (stretch 10)``."""
        if self.value is None:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        if self.direction == "in":
            shown = f"{_num(self.low or 0.0)}-{_num(self.value)}{unit}"
        else:
            shown = f"{self.direction} {_num(self.value)}{unit}"
        if self.stretch is not None:
            shown += f" (stretch {_num(self.stretch)})"
        if self.alternative:
            shown += f", {self.alternative}"
        return shown


def _num(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 1000 else f"{v:g}"


T = Target  # keeps each row of the table on one line

_ROWS: tuple[Target, ...] = (
    # -- link: agents -> master over loopback TLS (issue 2) --
    T("link", "ingest_no_persistence", "records/s", 100_000, ">=", "issue 2, issue 20"),
    T("link", "ingest_sqlite", "records/s", 20_000, ">=", f"{PERF} master ingest", stretch=50_000),
    T("link", "latency_p99", "ms", 50, "<=", f"{PERF} master ingest latency", stretch=10),
    T("link", "agents_connected", "agents", 100, ">=", f"{PERF} connected agents", stretch=500),
    T("link", "snapshot_applied", "ms", 50, "<=", f"{PERF} 5,000-pod snapshot", stretch=25),
    T("link", "master_cpu_per_record", "us", None, "<=", "issue 2 (figure, no target)"),
    # Heal -> connected, mirror converged, journal drained, per fault through Toxiproxy.
    T("link_faults", "recovery_s", "s", 10, "<=", "issue 20 (after any fault heals)"),
    # -- store: the history store on SQLite and MariaDB (issue 6) --
    T("store", "ingest", "records/s", 50_000, ">=", f"{PERF} master ingest (SQLite)"),
    T("store", "lag_p99", "ms", 250, "<=", f"{PERF} persistence lag", stretch=50),
    T("store", "node24h_p99", "ms", 5, "<=", f"{PERF} history query", stretch=2),
    T("store", "fleet1h_p99", "ms", 50, "<=", f"{PERF} history query", stretch=20),
    # -- agent: one agent on a simulated cluster, streaming to a master (issue 4) --
    T("agent", "initial_sync", "s", 1.5, "<=", f"{PERF} initial sync", stretch=1),
    T("agent", "peak_rss", "MiB", 256, "<=", f"{PERF} agent peak RSS", stretch=160),
    T("agent", "steady_rss", "MiB", 128, "<=", f"{PERF} agent RSS", stretch=96),
    T("agent", "steady_cpu", "mc", 20, "<=", f"{PERF} agent CPU", stretch=10),
    T("agent", "watch_throughput", "events/s", 10_000, ">=", f"{PERF} watch", stretch=20_000),
    T("agent", "finding_latency_p50", "ms", 100, "<=", "issue 4"),
    T("agent", "finding_latency_p99", "ms", 250, "<=", "issue 4", stretch=50),
    T("agent", "finding_samples_lost", "samples", 0, "<=", "issue 4 (every finding arrives)"),
    # -- metrics daemon, production 15 s interval (issue 6) --
    T("metrics_daemon", "rss", "MiB", 40, "<=", "issue 6, issue 20"),
    T("metrics_daemon", "cpu", "mc", 5, "<=", "issue 6"),
    # -- kubesim: the simulated cluster every bench and the demo run on (issue 3 measured it
    # at 65 MiB, 4.8 % of a core, 6.6 s start-up for 5,000 pods / 100 nodes / 10 changes/s and
    # set no target; these keep that much headroom so a heavier peer shows up) --
    T("kubesim", "startup", "s", 15, "<=", "issue 20 (issue 3 measured 6.6 s)"),
    T("kubesim", "rss_peak", "MiB", 100, "<=", "issue 20 (issue 3 measured 65 MiB)"),
    T("kubesim", "cpu", "% of a core", 10, "<=", "issue 20 (issue 3 measured 4.8 %)"),
    # Watch events received per pod change asked: a simulator behind its churn skews the
    # benches that run on it.
    T("kubesim", "churn_delivered", "events/change", 0.9, ">=", "issue 20"),
    # -- remediation: suggestion -> preview, the dry-run round trip (issue 19 names the figure;
    # the target is twice a command's: a preview is one command plus two store writes) --
    T("remediation", "preview_p50", "ms", 50, "<=", "issue 19 (2x commands.one_p50)"),
    T("remediation", "preview_p99", "ms", 100, "<=", "issue 19 (2x commands.one_p99)"),
    # -- commands: HTTP -> master -> agent -> Kubernetes -> result (issue 5) --
    T("commands", "one_p50", "ms", 25, "<=", f"{PERF} command total, one at a time"),
    T("commands", "one_p99", "ms", 50, "<=", f"{PERF} command total", stretch=25),
    T("commands", "overhead_p99", "ms", 20, "<=", f"{PERF} command overhead", stretch=5),
    T("commands", "many_p50", "ms", 50, "<=", "issue 5"),
    T(
        "commands",
        "many_p99",
        "ms",
        300,
        "<=",
        f"{PERF} commands, 50 at once",
        alternative="or within 1.2x the round's CPU floor",
    ),
    T("commands", "many_p99_over_floor", "x floor", 1.2, "<=", f"{PERF} commands, 50 at once"),
    T("commands", "cpu_per_command", "ms", None, "<=", "issue 5 (figure, no target)"),
    # -- auth: what authentication and authorization cost per request (issue 15) --
    T("auth", "overhead", "%", 5, "<=", f"{PERF} authorization overhead", stretch=2),
    T("auth", "p99", "ms", 20, "<=", f"{PERF} HTTP small JSON GET"),
    T("auth", "throughput", "req/s", 5_000, ">=", f"{PERF} HTTP small JSON GET", stretch=7_500),
    T("auth", "argon2_verify", "ms", 150, "in", f"{PERF} argon2 verify", low=50),
    # -- stream: live event stream fan-out (issue 16) --
    T("stream", "latency_p50", "ms", 500, "<=", f"{PERF} pod change -> browser"),
    T("stream", "latency_p99", "ms", 1000, "<=", f"{PERF} pod change -> browser", stretch=300),
    T("stream", "rss_growth", "MiB", 8, "<=", "issue 16 (the ring replaces, never grows)"),
    T("stream", "dropped", "streams", 0, "<=", "issue 16"),
    T("stream", "ring_held", "changes", 10_000, "<=", "issue 16 (the ring's capacity)"),
    T("stream", "lag_max", "events", 9_999, "<=", "issue 16 (less than the ring)"),
    T("stream", "fanout_cpu_per_event", "us", None, "<=", "issue 16 (figure, no target)"),
    # -- anomaly detectors (issue 19) --
    T("anomaly", "cpu_share", "% of a core", 10, "<=", f"{PERF} anomaly evaluation", stretch=3),
    T("anomaly", "precision", "", 0.95, ">=", "issue 19"),
    T("anomaly", "recall", "", 0.90, ">=", "issue 19"),
    T("anomaly", "false_alarms", "per 1,000 series-days", 0, "<=", "issue 19"),
    # -- pod metrics ingest (issue 19: 5,000 pods every 30 s) --
    T("pod_metrics", "agent_cpu", "millicores", 5, "<=", "issue 19 (5,000 pods / 30 s)"),
    T("pod_metrics", "master_attach_ms", "ms", None, "<=", "issue 19 (figure, no target)"),
    T("pod_metrics", "master_commit_ms", "ms", None, "<=", "issue 19 (figure, no target)"),
    # -- alerts: finding -> notification, and delivery (issue 17) --
    T("alerts", "latency_p50", "ms", 25, "<=", f"{PERF} alert latency"),
    T("alerts", "latency_p99", "ms", 50, "<=", f"{PERF} alert latency", stretch=20),
    T("alerts", "delivery", "notifications/s", 200, ">=", f"{PERF} webhook", stretch=1_000),
    T("alerts", "cpu_per_notification", "ms", None, "<=", "issue 17 (figure, no target)"),
    T("alert_intake", "findings", "/min", 10_000, ">=", PERF, stretch=100_000),
    # -- SLOs (issue 18) --
    T("slo", "monthly_report", "ms", 1_000, "<=", f"{PERF}, issue 18 (500 SLOs)", stretch=250),
    T("slo", "list", "ms", 100, "<=", "issue 18 (GET /slos, 500 SLOs)"),
    T("slo", "burn_rate_eval", "% of a core", 5, "<=", f"{PERF}, issue 18", stretch=1),
    T("slo", "pass_with_refresh", "% of a core", 5, "<=", "issue 18 (eval + count refresh)"),
    T("ingress_scrape", "agent_cpu", "millicores", 5, "<=", "issue 18 (3 x 2,000 series / 15 s)"),
    T("ingress_scrape", "wire_per_interval", "KiB", None, "<=", "issue 18 (figure, no target)"),
    # -- dashboard in Chromium (issue 16; bench.dashboard runs tests/browser/test_bench_pods.py) --
    T("dashboard", "pods_first_render", "ms", 300, "<=", f"{PERF} (5,000 rows)", stretch=150),
    T("dashboard", "pods_longest_task", "ms", None, "<=", "issue 16 (figure, no target)"),
    T("dashboard", "pods_filter_keystroke", "ms", 50, "<=", f"{PERF} (5,000 rows)", stretch=20),
    T("dashboard", "pods_filter_keystroke_worst", "ms", None, "<=", "issue 16 (figure)"),
    T("dashboard", "pod_change_to_browser", "ms", 500, "<=", f"{PERF} (p50; one sample)"),
    # -- PERFORMANCE.md targets that no module of `python -m bench` judges --
    T("http", "list_500_pods", "req/s", 2_000, ">=", PERF, stretch=3_500, elsewhere=NO_BENCH),
    T("http", "list_500_pods_p99", "ms", 50, "<=", PERF, elsewhere=NO_BENCH),
    T("dashboard", "first_load", "s", 1, "<=", PERF, stretch=0.5, elsewhere=BROWSER),
    T("dashboard", "first_load_js", "KB gz", 300, "<=", PERF, elsewhere=BROWSER),
    T("soak", "rss_slope", "%", 5, "<=", f"{PERF}, issue 20", stretch=2, elsewhere=NO_BENCH),
    T("scale", "heartbeat_agents", "agents", 500, ">=", PERF, stretch=1_000, elsewhere=NO_BENCH),
)

TARGETS: dict[str, Target] = {t.key: t for t in _ROWS}
assert len(TARGETS) == len(_ROWS), "duplicate target key"


def target(key: str) -> Target:
    """The target named ``key``; a KeyError names the missing row."""
    try:
        return TARGETS[key]
    except KeyError:
        raise KeyError(f"no target {key!r} in bench/targets.py") from None
