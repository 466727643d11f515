"""⑧ SLOs: the list (worst budget first), one SLO with its window's series and alerts, series
over any range, and calendar reports (JSON, CSV, printable HTML).

A caller sees an SLO when they may read its cluster (and namespace, when it names one), as for
alerts. Figures come from the SLO service's last pass (``evaluated_ms``, at most
``evaluate_s`` old); series and reports read the store's counts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from master.auth.roles import Permission
from master.errors import NotFound
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Alerts, Slos, StoreDep
from master.gateway.errors import InvalidQuery
from master.gateway.headers import JSON_CSP
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import may
from master.gateway.routes.history import DAY_MS, parse_range
from master.slo import openslo
from master.slo.budget import sli
from master.slo.counts import HOUR_MS, Count, Totals, merge
from master.slo.definitions import Calendar, Slo
from master.slo.errors import PeriodError
from master.slo.latency import percentiles
from master.slo_service import rendering
from master.slo_service.service import SloService
from master.slo_service.status import SloStatus
from master.store import Store
from shared.clock import now_ms

router = APIRouter(tags=["slos"])

ALERTNAME = "SloBurnRate"
SERIES_POINTS_MAX = 5_000


def _visible(caller: Any, slo: Slo) -> bool:
    return may(caller, Permission.READ, {"cluster": slo.cluster, "namespace": slo.namespace})


def _window_json(slo: Slo) -> dict[str, Any]:
    w = slo.window
    if isinstance(w, Calendar):
        return {"kind": "calendar", "unit": w.unit, "tz": w.tz}
    return {"kind": "rolling", "days": w.days}


def definition_json(slo: Slo, service: SloService) -> dict[str, Any]:
    return {
        "name": slo.name,
        "cluster": slo.cluster,
        "namespace": slo.namespace,
        "service": slo.service,
        "route": slo.route,
        "sli": slo.sli.value,
        "objective": slo.objective,
        "threshold_s": slo.threshold_s,
        "window": _window_json(slo),
        "owner": dict(slo.owner),
        "budget_policy": slo.name in service.config.policy,
        "rules": [
            {"severity": r.severity, "long_s": r.long_s, "short_s": r.short_s, "factor": r.factor}
            for r in slo.rules
        ],
        "guard": {"min_requests": slo.guard.min_requests, "min_bad": slo.guard.min_bad},
    }


def status_json(slo: Slo, st: SloStatus | None, service: SloService) -> dict[str, Any]:
    out = definition_json(slo, service)
    out["problem"] = service.problems.get(slo.name)
    if st is None:  # defined since the last pass
        out |= {"evaluated_ms": None, "sli_value": None, "good": 0, "total": 0, "budget": None}
        out |= {"burn_rates": {}, "firing": [], "window_start_ms": None, "window_end_ms": None}
        return out
    b = st.budget
    out |= {
        "evaluated_ms": st.now_ms,
        "window_start_ms": st.window_start_ms,
        "window_end_ms": st.window_end_ms,
        "sli_value": b.sli,
        "good": st.totals.good,
        "total": st.totals.total,
        "budget": {
            "consumed": b.consumed,
            "remaining": b.remaining,
            "allowed_bad": b.allowed_bad,
            "bad": b.bad,
            "remaining_requests": b.remaining_requests,
            "allowed_ms": b.allowed_ms,
            "consumed_ms": b.consumed_ms,
            "remaining_ms": b.remaining_ms,
        },
        "burn_rates": st.burn,
        "firing": [
            {
                "severity": s.labels["severity"],
                "urgency": s.labels["urgency"],
                "window": s.labels["window"],
                "long_burn": float(s.annotations["long_burn"]),
                "short_burn": float(s.annotations["short_burn"]),
                "factor": float(s.annotations["factor"]),
            }
            for s in st.firing
        ],
    }
    return out


def _remaining(item: dict[str, Any]) -> float:
    b = item["budget"]
    return 2.0 if b is None or not item["total"] else float(b["remaining"])


def point_json(c: Count, objective: float) -> dict[str, Any]:
    t = Totals(c.good, c.total)
    err = (t.bad / t.total) if t.total else None
    return {
        "start_ms": c.start_ms,
        "good": c.good,
        "total": c.total,
        "sli": sli(t),
        "burn": None if err is None else err / (1.0 - objective),
    }


def _known(service: SloService, caller: Any, name: str) -> Slo:
    slo = service.slo(name)
    if slo is None or not _visible(caller, slo):
        raise NotFound(f"unknown SLO {name!r}")
    return slo


@router.get("/slos", dependencies=[need(Permission.READ, "anywhere")])
async def list_slos(slos: Slos, caller: Caller, sparkline_hours: int = 24) -> FastJSON:
    """Every SLO the caller may see, the least budget remaining first (no traffic last), with
    its burn rate per hour over the last ``sparkline_hours`` (0-168) for a sparkline."""
    if not 0 <= sparkline_hours <= 168:
        raise InvalidQuery("sparkline_hours must be between 0 and 168")
    visible = [s for s in slos.config.slos if _visible(caller, s)]
    items = [status_json(s, slos.statuses.get(s.name), slos) for s in visible]
    if sparkline_hours:
        now = now_ms()
        start = now - now % HOUR_MS - (sparkline_hours - 1) * HOUR_MS
        hours = await slos.store.slo_counts.read_many([s.name for s in visible], "h", start, now)
        for item, slo in zip(items, visible, strict=True):
            by_start = {c.start_ms: c for c in hours.get(slo.name, [])}
            item["sparkline"] = [
                point_json(by_start.get(t, Count(t, 0, 0)), slo.objective)["burn"]
                for t in range(start, now, HOUR_MS)
            ]
    items.sort(key=lambda i: (_remaining(i), i["name"]))
    return FastJSON({"items": items, "timezone": slos.config.timezone})


@router.get("/slos/{name}", dependencies=[need(Permission.READ, "anywhere")])
async def get_slo(
    name: str, slos: Slos, alerts: Alerts, store: StoreDep, caller: Caller
) -> FastJSON:
    """One SLO: its figures, its window in hours (days for a quarter) with the budget left
    after each, the latency percentiles over the window, and its burn alerts (active and
    ended in the window)."""
    slo = _known(slos, caller, name)
    st = slos.statuses.get(name)
    out = status_json(slo, st, slos)
    now = now_ms()
    start = st.window_start_ms if st else now - 30 * DAY_MS
    step = DAY_MS if isinstance(slo.window, Calendar) and slo.window.unit == "quarter" else HOUR_MS
    counts = await slos.series(slo, start, now, step)
    out["series"] = _burn_down(counts, slo.objective)
    whole = await slos.store.slo_counts.read(slo.name, "d", start - DAY_MS, now)
    buckets = merge(whole, start).buckets
    out["latency"] = {k: rendering.estimate_json(v) for k, v in percentiles(buckets).items()}
    out["alerts"] = await _alerts_of(slo, alerts, store, start, now)
    return FastJSON(out)


def _burn_down(counts: list[Count], objective: float) -> list[dict[str, Any]]:
    """Each point with the budget remaining after it: 1 - cumulative bad / allowed bad, the
    allowance growing with the traffic seen so far (as the budget itself is defined)."""
    good = total = 0
    out = []
    for c in counts:
        good, total = good + c.good, total + c.total
        allowed = (1.0 - objective) * total
        p = point_json(c, objective)
        p["budget_remaining"] = (1.0 - (total - good) / allowed) if allowed > 0 else None
        out.append(p)
    return out


async def _alerts_of(
    slo: Slo, alerts: Alerts, store: Store, start: int, end: int
) -> list[dict[str, Any]]:
    def mine(labels: dict[str, str] | Any) -> bool:
        return labels.get("alertname") == ALERTNAME and labels.get("slo") == slo.name

    out: list[dict[str, Any]] = []
    for v in alerts.view():
        labels = v.record.labels
        if mine(labels) and v.record.status != "resolved":
            began = v.record.starts_at_ms or v.record.active_since_ms
            out.append(_alert(labels, began, None, v.record.status))
    page = await store.alert_history.page(
        from_ms=start, to_ms=end, visible=mine, cluster=slo.cluster, limit=100
    )
    out += [_alert(a.labels, a.starts_at_ms, a.ends_at_ms, "resolved") for a in page.items]
    return out


def _alert(labels: Any, starts: int, ends: int | None, state: str) -> dict[str, Any]:
    return {
        "severity": labels.get("severity", ""),
        "urgency": labels.get("urgency", ""),
        "window": labels.get("window", ""),
        "starts_at_ms": starts,
        "ends_at_ms": ends,
        "state": state,
    }


@router.get(
    "/slos/{name}/series",
    dependencies=[need(Permission.READ, "anywhere")],
    responses=error_responses(400),
)
async def slo_series(
    name: str,
    slos: Slos,
    caller: Caller,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    step: Annotated[int, Query(ge=60_000, description="milliseconds")] = HOUR_MS,
) -> FastJSON:
    """Good and total requests, SLI and burn rate per ``step`` over [from, to) (default: the
    last 7 days), from minute, hour or day counts -- whichever the step allows."""
    slo = _known(slos, caller, name)
    start, end = parse_range(from_, to, default_span_ms=7 * DAY_MS)
    if (end - start) // step > SERIES_POINTS_MAX:
        raise InvalidQuery(f"at most {SERIES_POINTS_MAX} points: widen step or narrow the range")
    counts = await slos.series(slo, start, end, step)
    points = [point_json(c, slo.objective) for c in counts]
    return FastJSON({"from_ms": start, "to_ms": end, "step_ms": step, "points": points})


@router.get(
    "/slos/{name}/openslo",
    dependencies=[need(Permission.READ, "anywhere")],
    response_class=Response,
)
async def slo_openslo(name: str, slos: Slos, caller: Caller) -> Response:
    """The SLO as an OpenSLO v1 ``kind: SLO`` document (YAML)."""
    slo = _known(slos, caller, name)
    return Response(openslo.export(slo), media_type="application/yaml")


@router.get(
    "/slo/reports",
    dependencies=[need(Permission.READ, "anywhere")],
    responses=error_responses(400),
    response_class=Response,
)
async def slo_reports(
    slos: Slos,
    store: StoreDep,
    alerts: Alerts,
    caller: Caller,
    period: str,
    format: Literal["json", "csv", "html"] = "json",
) -> Response:
    """Per SLO for a calendar month (``2026-11``) or quarter (``2026-Q4``) in the configured
    time zone: objective, achieved SLI, met or missed, budget consumed, the worst days,
    latency percentiles and the burn alerts of the period. ``html`` is printable, one page per
    team (the ``team`` owner label)."""
    tz = slos.config.timezone
    visible = [s for s in slos.config.slos if _visible(caller, s)]
    reports = []
    for slo in visible:
        try:
            r = await slos.report(slo, period)
        except PeriodError as e:
            raise InvalidQuery(str(e)) from None
        fired = await _alerts_of(slo, alerts, store, r.start_ms, r.end_ms)
        reports.append(rendering.report_json(r, fired))
    if format == "csv":
        return Response(
            rendering.to_csv(reports, tz),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="slo-report-{period}.csv"'},
        )
    if format == "html":
        page = rendering.to_html(reports, period=period, tz=tz, generated_ms=now_ms())
        csp = f"default-src 'none'; style-src {rendering.STYLE_CSP}; {JSON_CSP}"
        return Response(
            page, media_type="text/html; charset=utf-8", headers={"content-security-policy": csp}
        )
    return FastJSON({"period": period, "timezone": tz, "reports": reports})
