"""Benchmark of authentication and authorization (issue 15, "Measure").

    python -m bench auth [-- --seconds 4 --rounds 3 --concurrency 32]

1. What a permission check costs per request: ``GET /api/v1/clusters/{c}`` (a small JSON
   answer) against a real master process, with the break-glass static token (one constant-time
   compare, the old way), a namespace-scoped viewer's access JWT (verified-token cache, user,
   session and binding caches, the scope check) and an API token (digest compare, owner
   check). The three run interleaved in the same run, rounds alternating, so machine noise
   falls on all alike. Throughput here is bounded by this client on a 2-core machine, so the
   overhead is measured as the master's CPU per request (``/proc``), the figure a faster
   client would turn into throughput; req/s and p99 are reported beside it.
2. Login: the argon2id verify of ``master.auth.passwords`` (its chosen parameters), p50 over
   repeated verifies in this process (the figure a login pays in its worker thread)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.commands_peers import API_TOKEN, MasterProcess
from bench.common import Table, cpu_seconds, percentile
from bench.results import Figure, exit_code
from master.auth import passwords

CLUSTER = "bench"
JWT_SECRET = "bench-jwt-secret-" + "0123456789abcdef" * 3
ADMIN_PASSWORD = "bench-admin-password-42"
VIEWER_PASSWORD = "bench-viewer-password-42"
# The small size of `python -m bench --quick`.
QUICK = ["--seconds", "1", "--rounds", "1", "--concurrency", "8", "--argon2-runs", "3"]


async def _json(s: aiohttp.ClientSession, method: str, url: str, **kw: object) -> dict[str, object]:
    async with s.request(method, url, **kw) as r:  # type: ignore[arg-type]
        body: dict[str, object] = await r.json(content_type=None)
        if r.status >= 300:
            raise RuntimeError(f"{method} {url}: {r.status} {body}")
        return body


async def _credentials(base: str) -> dict[str, str]:
    """The three bearer tokens: static, scoped viewer JWT, API token."""
    async with aiohttp.ClientSession(base_url=base) as s:
        admin = await _json(
            s, "POST", "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
        await _json(
            s,
            "POST",
            "/api/v1/users",
            json={"username": "nina", "password": VIEWER_PASSWORD, "role": ""},
            headers=as_admin,
        )
        await _json(
            s,
            "POST",
            "/api/v1/rolebindings",
            json={
                "subject_kind": "user",
                "subject": "nina",
                "role": "viewer",
                "cluster": CLUSTER,
                "namespace": "shop",
            },
            headers=as_admin,
        )
        await _json(s, "POST", "/api/v1/clusters", json={"name": CLUSTER}, headers=as_admin)
        viewer = await _json(
            s, "POST", "/api/v1/auth/login", json={"username": "nina", "password": VIEWER_PASSWORD}
        )
        token = await _json(
            s,
            "POST",
            "/api/v1/tokens",
            json={"name": "bench", "role": "viewer", "cluster": CLUSTER, "namespace": "shop"},
            headers={"Authorization": f"Bearer {viewer['access_token']}"},
        )
    return {
        "static token": API_TOKEN,
        "scoped viewer JWT": str(viewer["access_token"]),
        "API token": str(token["token"]),
    }


async def _hammer(
    url: str, token: str, *, seconds: float, concurrency: int, pid: int
) -> tuple[int, list[float], float]:
    """Requests done, their latencies, master CPU seconds used."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as s:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                async with s.get(url) as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"GET {url}: {r.status}")
                latencies.append(time.perf_counter() - t0)

        cpu0 = cpu_seconds(pid)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu = cpu_seconds(pid) - cpu0
    return len(latencies), latencies, cpu


def _argon2_p50(n: int) -> float:
    hashed = passwords.hash_password("bench-password-for-argon2")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert passwords.verify_password("bench-password-for-argon2", hashed)
        times.append(time.perf_counter() - t0)
    return percentile(times, 50)


async def _run(args: argparse.Namespace) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="lookout-bench-auth-") as tmp:
        master = MasterProcess(
            Path(tmp),
            env={
                "MASTER_JWT_SECRET": JWT_SECRET,
                "MASTER_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "MASTER_ACCESS_TOKEN_TTL_S": "3600",
            },
        )
        master.start()
        try:
            await master.ready()
            base = f"http://127.0.0.1:{master.http_port}"
            tokens = await _credentials(base)
            url = f"{base}/api/v1/clusters/{CLUSTER}"
            for token in tokens.values():  # warm caches and the connection path
                await _hammer(url, token, seconds=0.5, concurrency=4, pid=master.pid)
            done = {name: 0 for name in tokens}
            lat: dict[str, list[float]] = {name: [] for name in tokens}
            cpu = {name: 0.0 for name in tokens}
            for _ in range(args.rounds):
                for name, token in tokens.items():
                    n, ls, c = await _hammer(
                        url, token, seconds=args.seconds, concurrency=args.concurrency,
                        pid=master.pid,
                    )  # fmt: skip
                    done[name] += n
                    lat[name] += ls
                    cpu[name] += c
        finally:
            master.stop()
    wall = args.seconds * args.rounds
    per_req = {name: cpu[name] / max(1, done[name]) for name in tokens}
    base_cost = per_req["static token"]
    table = Table(
        f"auth: GET /api/v1/clusters/{{c}}, {args.concurrency} connections, "
        f"{args.rounds} x {args.seconds:g} s each, interleaved"
    )
    for name in tokens:
        rps = done[name] / wall
        p99 = percentile(lat[name], 99)
        over = per_req[name] / base_cost - 1
        table.add(f"{name}: master CPU/request", f"{per_req[name] * 1e6:.0f} µs")
        if name != "static token":
            table.judge("auth.overhead", f"{name}: overhead vs static", over * 100)
        # This process drives the load on the same 2 cores: the rate is the client's bound,
        # shown beside the HTTP target but not judged (the overhead row is the verdict).
        table.judge("auth.throughput", f"{name}: throughput", rps, applies=False,
                    note="client-bound: this process drives the load")  # fmt: skip
        table.judge("auth.p99", f"{name}: p99", p99 * 1000)
    table.judge(
        "auth.argon2_verify",
        "login: argon2id verify p50",
        _argon2_p50(args.argon2_runs) * 1000,
        note=f"t={passwords.TIME_COST}, m={passwords.MEMORY_KIB // 1024} MiB, "
        f"p={passwords.PARALLELISM}",
    )
    print(table.render())
    return table.figures


def run(argv: list[str]) -> list[Figure]:
    p = argparse.ArgumentParser(prog="bench auth")
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--argon2-runs", type=int, default=15, help="verifies timed")
    return asyncio.run(_run(p.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
