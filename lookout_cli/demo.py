"""``lookout demo``: a master, two agents on simulated clusters with scripted incidents, and a
metrics daemon reading this machine's real /proc — one command, Ctrl-C stops everything.

Each part runs as its own process, started exactly as an operator would start it (entry point +
environment), so the demo exercises the real configuration path. The data directory keeps the
SQLite history between runs; the API token is generated on first run and printed every time."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from lookout_cli.ingress_sim import DEMO_SLOS, ingress_env, start_ingress_sim
from lookout_cli.mailsink import start_mail_sink
from lookout_cli.sink import demo_config, start_sink

BIN = Path(sys.executable).parent
CLUSTERS = ("demo-0", "demo-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _base_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_", "METRICS_"))
    }


def _secret(data: Path, name: str, nbytes: int = 32) -> str:
    """A random secret kept in the demo's data dir, so a restarted demo keeps its logins."""
    path = data / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def _demo_api_token(api: str, admin_password: str) -> str:
    """An API token of the admin's for the printed curl lines: no shared token, as in
    production (the break-glass MASTER_API_TOKEN stays off)."""
    login = httpx.post(
        f"{api}/api/v1/auth/login",
        json={"username": "admin", "password": admin_password},
        timeout=30,
    )
    login.raise_for_status()
    made = httpx.post(
        f"{api}/api/v1/tokens",
        json={"name": "demo", "role": "admin", "expires_in_days": 30},
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=30,
    )
    made.raise_for_status()
    token: str = made.json()["token"]
    return token


def _agent_token(master_env: dict[str, str], data: Path, cluster: str) -> str:
    path = data / f"{cluster}.token"
    if path.exists():
        return path.read_text().strip()
    out = subprocess.run(
        [str(BIN / "lookout-master"), "cluster", "add", cluster],
        env=master_env,
        capture_output=True,
        text=True,
        check=True,
    )
    path.write_text(out.stdout.strip())
    path.chmod(0o600)
    return out.stdout.strip()


def _wait_for(
    what: str, *, check_path: Path | None = None, url: str | None = None, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check_path is not None and check_path.exists():
            return
        if url is not None:
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s (see {check_path or url})")


class _Procs:
    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self.items: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = (self._logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.items.append((name, proc))

    def check(self) -> str | None:
        for name, proc in self.items:
            if proc.poll() is not None:
                return f"{name} exited with {proc.returncode} (log: {self._logs / name}.log)"
        return None

    def stop_all(self) -> None:
        for _, proc in reversed(self.items):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, proc in reversed(self.items):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="lookout demo", description=__doc__)
    p.add_argument("--data-dir", type=Path, default=Path(".data/demo"))
    p.add_argument("--http-port", type=int, default=8080)
    p.add_argument("--pods", type=int, default=300, help="pods per simulated cluster")
    p.add_argument("--nodes", type=int, default=12, help="nodes per simulated cluster")
    p.add_argument("--churn", type=float, default=2.0, help="pod changes per second")
    p.add_argument("--exit-after", type=float, default=0.0, help="stop after N seconds (tests)")
    args = p.parse_args(argv)

    data: Path = args.data_dir.resolve()
    logs = data / "logs"
    kubeconfigs = data / "kubeconfigs"
    for d in (data, logs, kubeconfigs):
        d.mkdir(parents=True, exist_ok=True)
    for old in kubeconfigs.glob("*.kubeconfig"):
        old.unlink()

    http_port = args.http_port or _free_port()
    grpc_port = _free_port()
    metrics_port = _free_port()
    admin_password = _secret(data, "admin-password", 18)
    sink, sink_url = start_sink(_say)
    mail_dir = data / "mail"
    mail = start_mail_sink(mail_dir, _say)
    alerting = data / "alerting.yaml"
    alerting.write_text(demo_config(sink_url, mail[1] if mail else None))
    ingress, ingress_url = start_ingress_sim(_say)
    slos = data / "slos.yaml"
    slos.write_text(DEMO_SLOS)
    master_env = _base_env() | {
        "MASTER_DATA_DIR": str(data / "master"),
        "MASTER_GRPC_PLAINTEXT": "true",  # loopback only, see MASTER_GRPC_LISTEN
        "MASTER_GRPC_LISTEN": f"127.0.0.1:{grpc_port}",
        "MASTER_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "MASTER_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "MASTER_JWT_SECRET": _secret(data, "jwt-secret", 48),
        "MASTER_BOOTSTRAP_ADMIN_PASSWORD": admin_password,
        "MASTER_ALERTS__CONFIG_FILE": str(alerting),
        # Notifications link to the dashboard; without it they carry no links at all.
        "MASTER_ALERTS__EXTERNAL_URL": f"http://127.0.0.1:{http_port}",
        "MASTER_SLO__CONFIG_FILE": str(slos),
        # The demo's memory leak is seen ~7 minutes in (a leak must grow 6x the noise floor
        # of 4 MiB within the window to count), not after the hour a real one is given.
        "MASTER_ANOMALY__MEMORY_WINDOW_S": "600",
    }
    procs = _Procs(logs)
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        tokens = {c: _agent_token(master_env, data, c) for c in CLUSTERS}
        procs.start(
            "kubesim",
            [
                sys.executable,
                "-m",
                "kubesim",
                "--clusters",
                str(len(CLUSTERS)),
                "--prefix",
                "demo",
                "--pods",
                str(args.pods),
                "--nodes",
                str(args.nodes),
                "--churn",
                str(args.churn),
                "--out",
                str(kubeconfigs),
            ],
            _base_env(),
        )
        procs.start("master", [str(BIN / "lookout-master")], master_env)
        for c in CLUSTERS:
            _wait_for(
                f"simulated cluster {c}", check_path=kubeconfigs / f"{c}.kubeconfig", timeout=60
            )
        intake_ports = {c: _free_port() for c in CLUSTERS}
        for c in CLUSTERS:
            procs.start(
                f"agent-{c}",
                [str(BIN / "lookout-agent")],
                _base_env()
                | {
                    "AGENT_CLUSTER_NAME": c,
                    "AGENT_MASTER_ADDRESS": f"127.0.0.1:{grpc_port}",
                    "AGENT_TOKEN": tokens[c],
                    "AGENT_PLAINTEXT": "true",
                    "AGENT_SPOOL_PATH": str(data / f"{c}.spool"),
                    "AGENT_SOURCES__KUBECONFIG": str(kubeconfigs / f"{c}.kubeconfig"),
                    "AGENT_INTAKE__LISTEN": f"127.0.0.1:{intake_ports[c]}",
                    "AGENT_METRICS_LISTEN": "127.0.0.1:0",  # one port each, printed in its log
                }
                | (ingress_env(ingress_url) if c == CLUSTERS[0] else {}),
            )
        procs.start(
            "metrics-daemon",
            [str(BIN / "lookout-metrics")],
            _base_env()
            | {
                "METRICS_NODE_NAME": socket.gethostname(),
                "METRICS_AGENT_ADDRESS": f"127.0.0.1:{intake_ports[CLUSTERS[0]]}",
                "METRICS_INTERVAL_S": "5",
            },
        )
        api = f"http://127.0.0.1:{http_port}"
        _wait_for("master", url=api + "/readyz", timeout=60)
        api_token = _demo_api_token(api, admin_password)
        mail_line = (
            f"\n                  and as mail to a local SMTP sink, kept as .eml in {mail_dir}"
            if mail is not None
            else ""
        )
        _say(
            f"""
Lookout demo is running.
  dashboard:    {api}/
  API:          {api}/api/v1/clusters      (OpenAPI: {api}/api/docs)
  log in:       user admin, password {admin_password}
                  (POST {api}/api/v1/auth/login gives a 5-minute access token)
  API token:    {api_token}
                  (the admin's, for scripts; expires in 30 days; revoke: DELETE /api/v1/tokens/ID)
  try:          curl -H 'Authorization: Bearer {api_token}' \\
                  {api}/api/v1/clusters/{CLUSTERS[0]}/findings
  metrics:      http://127.0.0.1:{metrics_port}/metrics
  alerts:       {api}/api/v1/alerts; notifications go to a local webhook sink
                  ({sink_url}, config {alerting}) and are printed here as they arrive{mail_line}
  SLOs:         {api}/slos and {api}/api/v1/slo/reports?period=YYYY-MM&format=html
                  (definitions {slos}; payments-availability burns its budget on purpose)
  clusters:     {", ".join(CLUSTERS)} (simulated, with a crash-looping deployment, an OOM, an
                image typo and a node that goes NotReady and comes back)
  data and logs: {data}
Press Ctrl-C to stop everything."""
        )
        started = time.monotonic()
        while not stopping:
            problem = procs.check()
            if problem:
                _say(f"demo: {problem}")
                return 1
            if args.exit_after and time.monotonic() - started > args.exit_after:
                break
            time.sleep(0.5)
        return 0
    finally:
        _say("demo: stopping…")
        procs.stop_all()
        sink.shutdown()
        ingress.shutdown()
        if mail is not None:
            mail[0].stop()
        _say("demo: stopped")
