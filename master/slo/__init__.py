"""⑦ SLO maths, pure (STYLE.md point 3): per-minute good/total counts and ``now`` in; SLIs,
error budgets, burn rates, multi-window multi-burn-rate alert signals, roll-ups, period reports
and OpenSLO documents out.

* ``definitions`` -- what an SLO is (availability or latency, objective, window, alerting).
* ``windows`` -- rolling and calendar windows in a time zone.
* ``counts`` -- minute counts, range sums and roll-ups (minute -> hour -> day).
* ``budget`` -- SLI and error budget (in requests and as time).
* ``latency`` -- latency SLI from buckets and percentile estimates with their bucket bounds.
* ``burn`` -- burn rates and the SRE workbook's multi-window multi-burn-rate rules.
* ``reports`` -- monthly / quarterly report data.
* ``openslo`` -- OpenSLO v1 ``kind: SLO`` import and export.

It deliberately owns no storage, no clock, no HTTP: the store keeps the counts, the gateway
serves them, the alert service routes the signals.
"""
