"""`make demo`'s command end to end: two simulated clusters reach the master with findings and
node metrics, an alert arrives as mail in the demo's SMTP sink, and the whole demo stops
cleanly."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_demo_runs_two_clusters_with_findings_and_metrics_then_stops(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    demo = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "lookout"),
            "demo",
            "--data-dir",
            str(tmp_path),
            "--http-port",
            str(port),
            "--pods",
            "60",
            "--nodes",
            "4",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        password_file = tmp_path / "admin-password"  # what the demo prints: log in as admin
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 180
        clusters: dict[str, dict[str, object]] = {}
        crash = False
        metrics = False
        mails: list[Path] = []
        while time.monotonic() < deadline and not (
            crash and metrics and mails and len(clusters) == 2
        ):
            time.sleep(1)
            mails = sorted((tmp_path / "mail").glob("*.eml"))
            if not password_file.exists():
                continue
            try:
                login = httpx.post(
                    f"{base}/auth/login",
                    json={"username": "admin", "password": password_file.read_text().strip()},
                )
                auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
                items = httpx.get(f"{base}/clusters", headers=auth).json()["items"]
                clusters = {c["name"]: c for c in items if c["status"] == "connected"}
                found = httpx.get(f"{base}/clusters/demo-0/findings", headers=auth).json()
                crash = any(f["reason"] == "CrashLoopBackOff" for f in found["items"])
                summary = httpx.get(f"{base}/clusters/demo-0/metrics/summary", headers=auth)
                metrics = summary.json()["nodes"] >= 1
            except (httpx.TransportError, KeyError):
                continue
        assert set(clusters) == {"demo-0", "demo-1"}
        assert crash, "no CrashLoopBackOff finding from the simulated incident"
        assert metrics, "no node metrics from the demo's metrics daemon"
        # The default config mails every alert to the demo's SMTP sink, as a real MIME mail.
        assert mails, "no alert mail reached the demo's mail sink"
        mail = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
        assert mail["To"] == "oncall@localhost" and mail["Message-ID"]
        assert {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html"}
        plain = mail.get_body(("plain",)).get_content()
        assert f"Open in Lookout: http://127.0.0.1:{port}/alerts?cluster=demo-" in plain
        assert " restart" in plain  # each line quotes its finding: "… — 5 restarts …"
        demo.send_signal(signal.SIGINT)
        out, _ = demo.communicate(timeout=60)
        assert demo.returncode == 0, out
        assert f"user admin, password {password_file.read_text().strip()}" in out
        assert "metrics:" in out
        assert "demo: stopped" in out
        assert f"mail: {mail['Subject']} -> {mails[0]}" in out
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
