"""The demo's simulated ingress controller: an HTTP server on 127.0.0.1 that answers
``/metrics`` in ingress-nginx's exposition (``nginx_ingress_controller_requests`` and the
``..._request_duration_seconds`` histogram), its counters advancing with the wall clock at
each service's rate, error share and latency mix -- so the agent's real scraper, deltas and
journal carry SLO traffic without an ingress controller in the simulated clusters.

One service burns its budget on purpose (``payments``: 3 % errors against 99.9 %), one is
slow (``search``: a share of requests over 250 ms), one is healthy. Standard library only; a
daemon thread of ``lookout demo``."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5)  # seconds; +Inf implied
NAMESPACE = "shop"


@dataclass(slots=True)
class Service:
    name: str
    rate: float  # requests per second
    error_share: float
    latency_shares: tuple[float, ...]  # share of requests in each bucket of BOUNDS, then +Inf
    ok: int = 0
    errors: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS) + 1))

    def advance(self, seconds: float, rng: random.Random) -> None:
        n = max(0, round(rng.gauss(self.rate * seconds, (self.rate * seconds) ** 0.5)))
        bad = sum(1 for _ in range(n) if rng.random() < self.error_share)
        self.ok += n - bad
        self.errors += bad
        for _ in range(n):
            self.buckets[_bucket(rng.random(), self.latency_shares)] += 1


def _bucket(u: float, shares: tuple[float, ...]) -> int:
    acc = 0.0
    for i, s in enumerate(shares):
        acc += s
        if u < acc:
            return i
    return len(shares) - 1


def demo_services() -> list[Service]:
    return [
        Service("checkout", 30.0, 0.0002, (0.55, 0.3, 0.13, 0.015, 0.004, 0.001, 0.0)),
        Service("payments", 12.0, 0.03, (0.4, 0.35, 0.2, 0.04, 0.01, 0.0, 0.0)),
        Service("search", 20.0, 0.0005, (0.3, 0.3, 0.36, 0.03, 0.007, 0.003, 0.0)),
    ]


class Traffic:
    """The services' counters, advanced to ``now`` on every scrape (under a lock: the HTTP
    server is threaded)."""

    def __init__(self, services: list[Service], *, clock: Callable[[], float] = time.monotonic):
        self.services = services
        self._clock = clock
        self._at = clock()
        self._rng = random.Random(7)
        self._lock = threading.Lock()

    def exposition(self) -> str:
        with self._lock:
            now = self._clock()
            for s in self.services:
                s.advance(now - self._at, self._rng)
            self._at = now
            return render(self.services)


def _labels(s: Service, **extra: str) -> str:
    base = {
        "controller_class": "nginx",
        "controller_namespace": "ingress-nginx",
        "controller_pod": "ingress-nginx-controller-demo",
        "ingress": s.name,
        "namespace": NAMESPACE,
        "service": s.name,
        "host": f"{s.name}.shop.example",
        "path": "/",
        "method": "GET",
    } | extra
    return ",".join(f'{k}="{v}"' for k, v in base.items())


def render(services: list[Service]) -> str:
    out = [
        "# HELP nginx_ingress_controller_requests The total number of client requests.",
        "# TYPE nginx_ingress_controller_requests counter",
    ]
    for s in services:
        out.append(f"nginx_ingress_controller_requests{{{_labels(s, status='200')}}} {s.ok}")
        out.append(f"nginx_ingress_controller_requests{{{_labels(s, status='503')}}} {s.errors}")
    out += [
        "# HELP nginx_ingress_controller_request_duration_seconds The request processing time.",
        "# TYPE nginx_ingress_controller_request_duration_seconds histogram",
    ]
    name = "nginx_ingress_controller_request_duration_seconds"
    for s in services:
        cumulative = 0
        for le, n in zip((*map(str, BOUNDS), "+Inf"), s.buckets, strict=True):
            cumulative += n
            out.append(f"{name}_bucket{{{_labels(s, status='200', le=le)}}} {cumulative}")
        out.append(f"{name}_count{{{_labels(s, status='200')}}} {cumulative}")
    return "\n".join(out) + "\n"


def start_ingress_sim(say: Callable[[str], None]) -> tuple[ThreadingHTTPServer, str]:
    """Serve the simulated controller on a free loopback port; returns (server, metrics URL)."""
    traffic = Traffic(demo_services())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/metrics":
                self.send_error(404)
                return
            body = traffic.exposition().encode()
            self.send_response(200)
            self.send_header("content-type", "text/plain; version=0.0.4")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None  # the agent scrapes every 15 s; its log says when one fails

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="ingress-sim", daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
    say(f"demo: simulated ingress-nginx metrics at {url}")
    return server, url


def ingress_env(url: str) -> dict[str, str]:
    """The agent settings that scrape the simulated controller (and discover nothing)."""
    target = {"name": "demo-ingress-nginx", "url": url, "source": "ingress-nginx"}
    return {
        "AGENT_INGRESS_METRICS__ENABLED": "true",
        "AGENT_INGRESS_METRICS__SELECTORS": "[]",
        "AGENT_INGRESS_METRICS__TARGETS": json.dumps([target]),
    }


DEMO_SLOS = """\
# Written by `lookout demo`: SLOs over the simulated ingress traffic of demo-0 (see
# lookout_cli/ingress_sim.py). payments burns its budget on purpose.
timezone: UTC
slos:
  - name: checkout-availability
    cluster: demo-0
    namespace: shop
    service: checkout
    objective: 99.9
    owner: {team: storefront}
  - name: payments-availability
    cluster: demo-0
    namespace: shop
    service: payments
    objective: 99.9
    owner: {team: payments}
  - name: search-latency
    cluster: demo-0
    namespace: shop
    service: search
    sli: latency
    threshold: 250ms
    objective: 99
    window: month
    owner: {team: storefront}
"""
