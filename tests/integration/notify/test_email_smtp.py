"""Email to a real SMTP server (aiosmtpd) with STARTTLS or implicit TLS and AUTH: valid MIME,
a Japanese subject, text and HTML parts, one thread per incident."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from master.alerting.configfile import parse
from master.alerting.payloads import from_payload, outbox_inserts
from master.alerts.engine import AlertEngine
from master.alerts.notifications import Notification as Decision
from master.notify.channels import SendContext
from master.notify.delivery import Failure, is_permanent
from master.notify.errors import SendFailed
from master.notify.receivers import parse_receiver
from master.notify.worker import send_notification
from tests.integration.notify.smtp import PASSWORD, USER, SmtpServer, smtp_server
from tests.unit.alerts.fixtures import MIN, H, S, pod_finding, seen
from tests.unit.alerts.fixtures import T0 as ENGINE_T0
from tests.unit.notify.samples import T0, crashloop, resolved


def _receiver(server: SmtpServer, **overrides: object):
    config: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "starttls",
        "username": USER,
        "password": PASSWORD,
        "sender": "alerts@lookout.example.com",
        "to": ["oncall@example.com", "shop-team@example.com"],
        "ca_file": str(server.ca_file),
        "timeout_s": 10,
        **overrides,
    }
    return parse_receiver({"name": "mail", "channel": "email", "config": config})


async def test_starttls_with_auth_delivers_valid_mime_with_a_japanese_subject(
    tmp_path: Path,
) -> None:
    async with smtp_server(tmp_path, mode="starttls") as server:
        n = crashloop(3, language="ja", receiver="mail")
        assert (
            await send_notification(_receiver(server), n, now_ms=T0, context=SendContext()) == 250
        )
        [envelope] = server.mailbox.envelopes
        assert envelope.mail_from == "alerts@lookout.example.com"
        assert envelope.rcpt_tos == ["oncall@example.com", "shop-team@example.com"]
        assert server.mailbox.logins  # authenticated, after STARTTLS (the server requires it)
        [raw] = server.mailbox.raw()
        head = raw.split(b"\r\n\r\n", 1)[0]
        head.decode("ascii")  # RFC 5322 headers: 7-bit, non-ASCII as RFC 2047 words
        [msg] = server.mailbox.messages()
        assert msg.defects == []
        assert msg["Subject"] == "[発生中] 🔴 CrashLoopBackOff · Deployment/api — 3 件発生中"
        assert msg.get_content_type() == "multipart/alternative"
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert plain is not None and html is not None
        assert "Pod shop/api-7d9f-0002 · CrashLoopBackOff" in plain.get_content()
        assert '<html lang="ja">' in html.get_content()
        assert "クラスター" in html.get_content()


async def test_implicit_tls_delivers(tmp_path: Path) -> None:
    async with smtp_server(tmp_path, mode="tls") as server:
        receiver = _receiver(server, security="tls")
        await send_notification(
            receiver, crashloop(1, receiver="mail"), now_ms=T0, context=SendContext()
        )
        [msg] = server.mailbox.messages()
        assert msg["Subject"].startswith("[Firing]")


async def test_firing_then_resolved_thread_as_one_incident(tmp_path: Path) -> None:
    async with smtp_server(tmp_path) as server:
        receiver = _receiver(server)
        firing = crashloop(2, receiver="mail", key="inc-7-firing")
        again = replace(
            crashloop(3, receiver="mail", key="inc-7-repeat"),
            first_idempotency_key="inc-7-firing",
        )
        done = resolved(firing, key="inc-7-resolved", at_ms=T0 + 600_000)
        for n in (firing, again, done):
            await send_notification(receiver, n, now_ms=T0, context=SendContext())
        first, repeat, last = server.mailbox.messages()
        root = first["Message-ID"]
        assert first["References"] is None
        assert repeat["In-Reply-To"] == root and repeat["References"] == root
        assert last["In-Reply-To"] == root and last["References"] == root
        assert len({root, repeat["Message-ID"], last["Message-ID"]}) == 3
        assert last["Subject"].startswith("[Resolved] ✅")


async def test_a_wrong_password_is_a_permanent_failure(tmp_path: Path) -> None:
    async with smtp_server(tmp_path) as server:
        receiver = _receiver(server, password="wrong")
        with pytest.raises(SendFailed) as caught:
            await send_notification(receiver, crashloop(1), now_ms=T0, context=SendContext())
        assert caught.value.status == 535
        assert is_permanent(Failure("", status=caught.value.status, protocol="smtp"))
        assert server.mailbox.envelopes == []


async def test_starttls_is_required_not_opportunistic(tmp_path: Path) -> None:
    # A server (or a man in the middle) that offers no STARTTLS must not get the password.
    async with smtp_server(tmp_path, mode="plain", auth=False) as server:
        with pytest.raises(SendFailed, match="STARTTLS"):
            await send_notification(
                _receiver(server), crashloop(1), now_ms=T0, context=SendContext()
            )
        assert server.mailbox.envelopes == []


async def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    async with smtp_server(tmp_path) as server:
        receiver = _receiver(server, ca_file=None)  # the system's CAs do not know trustme's
        with pytest.raises(SendFailed):
            await send_notification(receiver, crashloop(1), now_ms=T0, context=SendContext())
        assert server.mailbox.envelopes == []


ENGINE_CONFIG = """\
route:
  receiver: team
  group_by: [cluster, namespace, owner]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    email_configs:
      - to: oncall@example.com
        from: alerts@lookout.example.com
        smarthost: 127.0.0.1:{port}
        auth_username: {user}
        auth_password: {password}
        ca_file: {ca}
"""


def _two_incidents(eng: AlertEngine) -> list[Decision]:
    """Firing, a repeat and resolved for one crash loop, then the same pod crashing again."""
    t = ENGINE_T0
    seen(eng, pod_finding("checkout-a"), t)
    out = list(eng.due(t + 30 * S).notifications)
    for k in range(1, 49):
        out += eng.due(t + 30 * S + k * 5 * MIN).notifications
    seen(eng, pod_finding("checkout-a", resolved=True), t + 5 * H)
    out += eng.due(t + 5 * H + 5 * MIN).notifications
    seen(eng, pod_finding("checkout-a"), t + 24 * H)
    out += eng.due(t + 24 * H + 30 * S).notifications
    return out


async def test_the_alert_core_s_incidents_thread_as_one_mail_thread_each(tmp_path: Path) -> None:
    # Keys from the real engine and the service's outbox conversion, mail through real SMTP.
    async with smtp_server(tmp_path) as server:
        text = ENGINE_CONFIG.format(
            port=server.port, user=USER, password=PASSWORD, ca=server.ca_file
        )
        loaded = parse(text, source="alerting.yaml")
        decisions = _two_incidents(AlertEngine(loaded.config))
        assert [d.status for d in decisions] == ["firing", "firing", "resolved", "firing"]
        rows = outbox_inserts(decisions, receivers=loaded.receivers, external_url="")
        for row in rows:
            receiver = loaded.receivers.by_name[row.receiver]
            n = from_payload(row.payload)
            await send_notification(receiver, n, now_ms=T0, context=SendContext())
        fired, repeat, ended, again = server.mailbox.messages()
        root = fired["Message-ID"]
        assert fired["In-Reply-To"] is None and fired["References"] is None
        for later in (repeat, ended):
            assert later["In-Reply-To"] == root and later["References"] == root
        assert len({root, repeat["Message-ID"], ended["Message-ID"]}) == 3
        # The next day's crash loop is a new incident: a new thread, not a reply to the old.
        assert again["Message-ID"] not in {root, repeat["Message-ID"], ended["Message-ID"]}
        assert again["In-Reply-To"] is None and again["References"] is None
