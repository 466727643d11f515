"""The email message: MIME structure, RFC 2047 subjects, escaping, threading headers."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy

import pytest
from pydantic import ValidationError

from master.notify.channels.email import EmailConfig, render
from tests.unit.notify.samples import T0, crashloop, resolved

CONFIG = EmailConfig.model_validate(
    {
        "host": "smtp.example.com",
        "sender": "alerts@example.com",
        "to": ["oncall@example.com"],
        "username": "lookout",
        "password": "hunter2-secret",
    }
)


def _parsed(n):
    raw = render(n, CONFIG, now_ms=T0).message.as_bytes()
    return raw, message_from_bytes(raw, policy=policy.default)


def test_a_japanese_subject_is_encoded_as_ascii_words_and_decodes_back() -> None:
    raw, msg = _parsed(crashloop(3, language="ja"))
    header = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    header.decode("ascii")  # every header line is 7-bit
    assert b"=?utf-8?" in header
    assert msg["Subject"] == "[発生中] 🔴 CrashLoopBackOff · Deployment/api — 3 件発生中"


def test_the_message_is_multipart_alternative_with_text_then_html() -> None:
    _, msg = _parsed(crashloop(3))
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = msg.get_body(("plain",)).get_content()
    assert "Pod shop/api-7d9f-0001 · CrashLoopBackOff — restarted 10 times" in plain
    url = "https://lookout.example.com/alerts?cluster=prod-eu&namespace=shop&severity=critical"
    assert f"Open in Lookout: {url}" in plain


def test_html_escapes_label_values_and_text_keeps_them_literal() -> None:
    n = crashloop(1)
    evil = replace(n.alerts[0], annotations={"summary": "<script>alert(1)</script> & co"})
    _, msg = _parsed(replace(n, alerts=(evil,)))
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<script>alert(1)</script> & co" in msg.get_body(("plain",)).get_content()


def test_the_message_id_is_stable_per_notification_and_replies_thread_to_the_first() -> None:
    first = crashloop(2, key="incident-1-firing")
    _, a = _parsed(first)
    _, again = _parsed(first)
    assert a["Message-ID"] == again["Message-ID"]
    assert a["In-Reply-To"] is None and a["References"] is None
    _, b = _parsed(resolved(first, key="incident-1-resolved", at_ms=T0 + 1))
    assert b["Message-ID"] != a["Message-ID"]
    assert b["In-Reply-To"] == a["Message-ID"]
    assert b["References"] == a["Message-ID"]
    assert a["Message-ID"].endswith("@example.com>")


def test_the_headers_mark_it_automatic_and_carry_the_idempotency_key() -> None:
    _, msg = _parsed(crashloop(1))
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Lookout-Idempotency-Key"] == "n-1"
    assert msg["From"] == "Lookout <alerts@example.com>"
    assert msg["Date"] == "Thu, 28 May 2026 20:26:40 +0000"


def test_the_password_is_masked_and_never_sent_without_tls() -> None:
    assert "hunter2" not in repr(CONFIG)
    with pytest.raises(ValidationError, match="without TLS"):
        EmailConfig.model_validate(
            {
                "host": "relay",
                "security": "none",
                "sender": "a@example.com",
                "to": ["b@example.com"],
                "username": "u",
                "password": "p",
            }
        )


@pytest.mark.parametrize(
    "change",
    [
        {"host": "169.254.169.254"},
        {"sender": "not-an-address"},
        {"to": ["a@example.com\r\nBcc: x@evil.example"]},
        {"to": []},
        {"smtp_host": "typo"},
    ],
)
def test_bad_config_is_refused_when_loaded(change: dict[str, object]) -> None:
    raw = {"host": "smtp.example.com", "sender": "a@example.com", "to": ["b@example.com"]}
    with pytest.raises(ValidationError):
        EmailConfig.model_validate({**raw, **change})


def test_line_breaks_in_labels_cannot_inject_headers() -> None:
    n = crashloop(1)
    labels = {**n.common_labels, "reason": "Crash\r\nBcc: victim@example.com"}
    _, msg = _parsed(replace(n, common_labels=labels))
    assert msg["Bcc"] is None
    assert "Crash Bcc: victim@example.com" in msg["Subject"]
