"""The finding-latency arithmetic of ``bench.agent``: stamps from three processes -> totals and
per-stage durations, with incomplete samples counted, never guessed."""

from __future__ import annotations

import math

import pytest

from bench.agent_latency import STAGES, breakdown, summary

MS = 1_000_000  # ns


def _stamps(offsets_ms: dict[str, list[int]], names: list[str]) -> dict[str, dict[str, int]]:
    return {
        stage: {n: t * MS for n, t in zip(names, offsets_ms[stage], strict=True)}
        for stage in STAGES
    }


def test_total_is_commit_to_handled_and_stages_add_up_to_it() -> None:
    stamps = _stamps(
        {
            "t0": [0, 100],
            "received": [2, 103],
            "queued": [3, 104],
            "sent": [5, 110],
            "decoded": [6, 111],
            "handled": [15, 130],
        },
        ["a", "b"],
    )
    result = breakdown(stamps)
    assert result["samples"] == 2
    assert result["complete"] == 2
    assert result["lost"] == 0
    assert result["total"] == pytest.approx([0.015, 0.030])
    assert result["stages"]["received"] == pytest.approx([0.002, 0.003])
    assert result["stages"]["handled"] == pytest.approx([0.009, 0.019])
    for i in range(2):
        assert sum(v[i] for v in result["stages"].values()) == pytest.approx(result["total"][i])


def test_a_sample_the_master_never_handled_is_lost_not_averaged_in() -> None:
    stamps = _stamps(
        {
            "t0": [0, 100],
            "received": [1, 101],
            "queued": [2, 102],
            "sent": [3, 103],
            "decoded": [4, 104],
            "handled": [5, 105],
        },
        ["a", "b"],
    )
    del stamps["handled"]["b"]
    result = breakdown(stamps)
    assert (result["samples"], result["complete"], result["lost"]) == (2, 1, 1)
    assert result["total"] == pytest.approx([0.005])


def test_a_sample_missing_an_intermediate_stamp_is_left_out_of_every_figure() -> None:
    stamps = _stamps(
        {
            "t0": [0, 100],
            "received": [1, 101],
            "queued": [2, 102],
            "sent": [3, 103],
            "decoded": [4, 104],
            "handled": [5, 150],
        },
        ["a", "b"],
    )
    del stamps["sent"]["b"]
    result = breakdown(stamps)
    assert (result["complete"], result["lost"]) == (1, 0)
    assert result["total"] == pytest.approx([0.005])
    assert all(len(v) == 1 for v in result["stages"].values())


def test_summary_of_no_values_is_nan_not_an_error() -> None:
    s = summary([])
    assert all(math.isnan(v) for v in s.values())


def test_summary_takes_nearest_rank_percentiles() -> None:
    s = summary([float(i) for i in range(1, 101)])
    assert (s["p50"], s["p95"], s["p99"], s["max"]) == (50.0, 95.0, 99.0, 100.0)
