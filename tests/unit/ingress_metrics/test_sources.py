"""Every source reads its controller's exposition (fixtures from the controllers' docs and
issue threads) into per-key totals, bad counts and cumulative buckets in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.ingress_metrics.errors import ExpositionError, SourceConfigError
from agent.ingress_metrics.parsing import parse
from agent.ingress_metrics.readings import INF, SeriesKey
from agent.ingress_metrics.sources import SOURCES, SourceConfig

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ingress"


def _read(source: str, fixture: str, config: SourceConfig | None = None) -> dict:  # type: ignore[type-arg]
    text = (FIXTURES / fixture).read_text()
    return SOURCES[source](config or SourceConfig()).read(parse(text))


def test_ingress_nginx_counts_5xx_as_bad_and_sums_buckets_over_statuses() -> None:
    readings = _read("ingress-nginx", "ingress-nginx.prom")
    key = SeriesKey(
        "ingress-nginx", namespace="default", service="hello-app", route="web-ingress-1"
    )
    assert list(readings) == [key]  # the default-backend 404 belongs to no service
    r = readings[key]
    assert (r.total, r.bad) == (100, 5)
    assert r.buckets == {0.1: 80, 0.5: 96, INF: 100}


def test_traefik_service_level_reads_code_label() -> None:
    readings = _read("traefik", "traefik.prom")
    r = readings[SeriesKey("traefik", service="default-whoami-80@kubernetescrd")]
    assert (r.total, r.bad) == (23, 3)  # 401s are not bad by default
    assert r.buckets[0.3] == 16 and r.buckets[INF] == 18


def test_traefik_entrypoint_level_and_configured_bad_classes() -> None:
    readings = _read(
        "traefik", "traefik.prom", SourceConfig(level="entrypoint", bad_statuses=("5xx", "4xx"))
    )
    r = readings[SeriesKey("traefik", route="web")]
    assert (r.total, r.bad, dict(r.buckets)) == (576, 4, {})


def test_traefik_refuses_unknown_level() -> None:
    with pytest.raises(SourceConfigError, match="level"):
        SOURCES["traefik"](SourceConfig(level="middleware"))


def test_envoy_sums_response_classes_and_scales_milliseconds_to_seconds() -> None:
    readings = _read("envoy", "envoy.prom")
    r = readings[SeriesKey("envoy", service="httproute/default/backend/rule/0")]
    assert (r.total, r.bad) == (1000, 6)  # not rq_total (1003): those include unanswered requests
    assert r.buckets[0.005] == 610 and r.buckets[0.25] == 1000 and r.buckets[INF] == 1000


def test_haproxy_backend_responses_by_code_class() -> None:
    text = (
        "# TYPE haproxy_backend_http_responses_total counter\n"
        'haproxy_backend_http_responses_total{proxy="app",code="2xx"} 980\n'
        'haproxy_backend_http_responses_total{proxy="app",code="5xx"} 20\n'
        'haproxy_backend_http_responses_total{proxy="app",code="other"} 0\n'
    )
    readings = SOURCES["haproxy"](SourceConfig()).read(parse(text))
    assert readings[SeriesKey("haproxy", service="app")].bad == 20
    assert readings[SeriesKey("haproxy", service="app")].total == 1000


def test_generic_maps_named_counter_and_histogram_labels() -> None:
    text = (
        "# TYPE app_requests_total counter\n"
        'app_requests_total{svc="a",path="/x",rc="200"} 7\n'
        'app_requests_total{svc="a",path="/x",rc="429"} 2\n'
        "# TYPE app_latency_ms histogram\n"
        'app_latency_ms_bucket{svc="a",path="/x",le="100"} 8\n'
        'app_latency_ms_bucket{svc="a",path="/x",le="+Inf"} 9\n'
        'app_latency_ms_count{svc="a",path="/x"} 9\n'
        'app_latency_ms_sum{svc="a",path="/x"} 100\n'
    )
    config = SourceConfig(
        counter="app_requests_total",
        histogram="app_latency_ms",
        labels={"service": "svc", "route": "path", "status": "rc"},
        bad_statuses=("5xx", "429"),
        bucket_unit_seconds=0.001,
    )
    r = SOURCES["generic"](config).read(parse(text))[SeriesKey("generic", service="a", route="/x")]
    assert (r.total, r.bad, dict(r.buckets)) == (9, 2, {0.1: 8, INF: 9})


def test_generic_refuses_a_mapping_that_cannot_work() -> None:
    with pytest.raises(SourceConfigError, match="unknown label mapping"):
        SOURCES["generic"](SourceConfig(counter="x", labels={"svc": "a"}))
    with pytest.raises(SourceConfigError, match="counter, a histogram"):
        SOURCES["generic"](SourceConfig(labels={"service": "a"}))


def test_malformed_exposition_is_an_exposition_error() -> None:
    with pytest.raises(ExpositionError):
        parse('metric{label="unterminated} 1\n')
