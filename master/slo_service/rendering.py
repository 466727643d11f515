"""Period reports as JSON-ready data, CSV and a printable HTML page (one page per team: the
SLOs are grouped by their ``team`` owner label, or by owner labels as a whole when there is
none). Pure: reports in, text out; the HTML is Jinja2 with autoescaping, its only style inline
under the nonce the route puts in its CSP, and no script at all."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from master.slo.latency import Estimate
from master.slo.reports import SloReport

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_CSS = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
STYLE_CSP = "'sha256-" + base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode() + "'"

CSV_COLUMNS = (
    "slo",
    "cluster",
    "service",
    "owner",
    "period",
    "objective_percent",
    "achieved_percent",
    "met",
    "good",
    "total",
    "budget_consumed_percent",
    "worst_day",
    "worst_day_percent",
    "p50_s",
    "p95_s",
    "p99_s",
    "burn_alerts",
)


def estimate_json(e: Estimate | None) -> dict[str, float | None] | None:
    if e is None:
        return None
    return {"value_s": e.value_s, "lower_s": e.lower_s, "upper_s": _finite(e.upper_s)}


def _finite(x: float) -> float | None:
    return None if x == float("inf") else x


def report_json(r: SloReport, alerts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "slo": r.slo,
        "service": r.service,
        "cluster": r.cluster,
        "owner": r.owner,
        "period": r.period,
        "start_ms": r.start_ms,
        "end_ms": r.end_ms,
        "objective": r.objective,
        "achieved": r.achieved,
        "met": r.met,
        "good": r.good,
        "total": r.total,
        "budget_consumed": r.budget_consumed,
        "worst_days": [
            {"day_start_ms": d.day_start_ms, "sli": d.sli, "good": d.good, "total": d.total}
            for d in r.worst_days
        ],
        "latency": {k: estimate_json(v) for k, v in r.latency.items()},
        "burn_alerts": list(alerts),
    }


def _pct(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x * 100:.{digits}f}"


def _owner(owner: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(owner.items()))


def _day(ms: int, tz: str) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=ZoneInfo(tz)).strftime("%Y-%m-%d")


def to_csv(reports: Sequence[dict[str, Any]], tz: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in reports:
        worst = r["worst_days"][0] if r["worst_days"] else None
        lat = r["latency"]
        w.writerow(
            [
                r["slo"],
                r["cluster"],
                r["service"],
                _owner(r["owner"]),
                r["period"],
                _pct(r["objective"]),
                _pct(r["achieved"]),
                "" if r["met"] is None else ("yes" if r["met"] else "no"),
                r["good"],
                r["total"],
                _pct(r["budget_consumed"], 1),
                _day(worst["day_start_ms"], tz) if worst else "",
                _pct(worst["sli"]) if worst else "",
                *(f"{lat[q]['value_s']:.4f}" if lat.get(q) else "" for q in ("p50", "p95", "p99")),
                len(r["burn_alerts"]),
            ]
        )
    return out.getvalue()


def _team(owner: dict[str, str]) -> str:
    return owner.get("team") or _owner(owner) or "no owner"


def to_html(reports: Sequence[dict[str, Any]], *, period: str, tz: str, generated_ms: int) -> str:
    teams: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(reports, key=lambda r: (_team(r["owner"]), r["slo"])):
        teams.setdefault(_team(r["owner"]), []).append(r)
    return _ENV.get_template("report.html").render(
        period=period,
        tz=tz,
        css=_CSS,
        teams=teams,
        generated=datetime.fromtimestamp(generated_ms / 1000, tz=ZoneInfo(tz)).strftime(
            "%Y-%m-%d %H:%M %Z"
        ),
        pct=_pct,
        day=lambda ms: _day(ms, tz),
        when=lambda ms: datetime.fromtimestamp(ms / 1000, tz=ZoneInfo(tz)).strftime(
            "%Y-%m-%d %H:%M"
        ),
    )
