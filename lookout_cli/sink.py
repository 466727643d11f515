"""The demo's notification sink: a webhook receiver on 127.0.0.1 that says, one line each,
what the master notified (Alertmanager's webhook payload), so a new user sees an alert arrive
without configuring Slack or mail. Standard library only; a daemon thread of ``lookout demo``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1024 * 1024

DEMO_CONFIG = """\
# Written by `lookout demo`: every alert to the demo's local webhook sink (and, when the
# demo's mail sink runs, as mail to it), grouped per cluster, namespace and owner; first sent
# 10s after an alert fires.
route:
  receiver: demo-sink
  group_by: [cluster, namespace, owner]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 1h
receivers:
  - name: demo-sink
    webhook_configs:
      - url: {url}
{email}"""

DEMO_EMAIL = """\
    email_configs:
      - host: 127.0.0.1
        port: {port}
        security: none  # the demo's own loopback sink; use starttls or tls for a real relay
        sender: lookout-demo@localhost
        to: [oncall@localhost]
"""


def demo_config(webhook_url: str, smtp_port: int | None) -> str:
    mail = DEMO_EMAIL.format(port=smtp_port) if smtp_port is not None else ""
    return DEMO_CONFIG.format(url=webhook_url, email=mail)


def summary(body: Any) -> str:
    """One line for one notification: status, how many alerts, what, where."""
    alerts = body.get("alerts", [])
    labels = body.get("commonLabels", {})
    what = labels.get("alertname") or ", ".join(
        sorted({a.get("labels", {}).get("alertname", "?") for a in alerts})
    )
    where = "/".join(v for v in (labels.get("cluster"), labels.get("namespace")) if v)
    names = ", ".join(
        (lb := a.get("labels", {})).get("name") or lb.get("slo") or lb.get("node") or "?"
        for a in alerts[:5]
    )
    more = f" (+{len(alerts) - 5} more)" if len(alerts) > 5 else ""
    status = body.get("status", "?")
    return f"[{status}] {what} x{len(alerts)} in {where or 'the fleet'}: {names}{more}"


def start_sink(say: Callable[[str], None]) -> tuple[ThreadingHTTPServer, str]:
    """Serve on a free loopback port; returns the server (``shutdown()`` it) and its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            raw = self.rfile.read(size)
            try:
                say(f"notification: {summary(json.loads(raw))}")
            except (ValueError, AttributeError):
                say(f"notification: {len(raw)} bytes that are not a webhook payload")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per notification is said above; no access log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="demo-sink", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/alerts"
