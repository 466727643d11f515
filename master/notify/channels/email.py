"""Email through SMTP (aiosmtplib): STARTTLS (port 587), implicit TLS (465) or, for a local
relay only, plain; optional AUTH. One ``multipart/alternative`` message with a text and an HTML
part from the Jinja2 templates in ``master/notify/templates`` (HTML autoescaped: label values
are user data).

Headers are built by ``email.message.EmailMessage`` under ``policy.SMTP``, which writes
non-ASCII subjects and display names as RFC 2047 encoded words and folds long lines. Threading:
``Message-ID`` is derived from the notification's idempotency key (stable across retries, so a
resend after a crash is recognisably the same message), and later notifications of an incident
carry ``In-Reply-To``/``References`` to the first one's id, so one incident is one thread.

The neurocontroller bug this guards against — a malformed URL that meant no email was ever sent,
silently — is why host and port are validated when the config is loaded, and every failure of a
send is an error the worker logs and retries, never a swallowed one."""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import Literal

import aiosmtplib
import jinja2
from pydantic import Field, SecretStr, field_validator, model_validator

from master.notify.channels.base import ChannelConfig, SendContext
from master.notify.errors import SendFailed, UnsafeDestination
from master.notify.i18n import text
from master.notify.message import Notification
from master.notify.safety import check_destination, check_static
from master.notify.summaries import subject_line, summarise

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_SUBJECTS = 200  # an email lists more than a chat message, but a 5,000-line mail helps no one


class EmailConfig(ChannelConfig):
    """``security``: ``starttls`` (upgrade on connect; refuse a server that cannot), ``tls``
    (implicit TLS from the first byte, usually port 465) or ``none`` (a local relay; then no
    password may be set, since it would cross the network in clear). ``ca_file``: a PEM bundle
    to trust instead of the system's (a private CA). ``timeout_s``: per SMTP command."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str  # the envelope and From address: alerts@example.com
    sender_name: str = "Lookout"
    to: list[str] = Field(min_length=1)
    ca_file: str | None = None
    validate_certs: bool = True
    timeout_s: float = Field(default=30.0, gt=0)
    message_id_domain: str | None = None  # default: the sender's domain

    @field_validator("host")
    @classmethod
    def _safe_host(cls, host: str) -> str:
        try:
            check_static(f"http://{host}/")
        except UnsafeDestination as e:
            raise ValueError(str(e)) from None
        return host

    @field_validator("sender", "to")
    @classmethod
    def _addresses(cls, value: str | list[str]) -> str | list[str]:
        for address in [value] if isinstance(value, str) else value:
            if "@" not in address or any(c in address for c in "\r\n<>, "):
                raise ValueError(f"not a plain email address: {address!r}")
        return value

    @model_validator(mode="after")
    def _auth(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("SMTP auth needs both username and password")
        if self.security == "none" and self.password is not None:
            raise ValueError("refusing to send an SMTP password without TLS (security: none)")
        return self


@dataclass(frozen=True, slots=True)
class EmailRequest:
    message: EmailMessage
    sender: str
    recipients: tuple[str, ...]


@cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(TEMPLATES)
    html = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    plain = jinja2.Environment(
        loader=loader,
        autoescape=False,  # text/plain: escaping would show &amp; to the reader
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return html, plain


def message_id(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _domain(config: EmailConfig) -> str:
    return config.message_id_domain or config.sender.rsplit("@", 1)[1]


def bodies(n: Notification) -> tuple[str, str]:
    """The text and the HTML body."""
    s = summarise(n)
    lang = n.language
    shown = s.subjects[:MAX_SUBJECTS]
    counts = text(lang, "count.firing", count=s.firing + n.truncated)
    if s.resolved:
        counts += " · " + text(lang, "count.resolved", count=s.resolved)
    values = {
        "summary": s,
        "subjects": shown,
        "omitted": len(s.subjects) - len(shown) + n.truncated,
        "attachments": n.attachments,
        "counts": counts,
        "language": lang,
        "receiver": n.receiver,
        "line": subject_line,
        "t": lambda key, **kw: text(lang, key, **kw),
    }
    html_env, text_env = _environments()
    return (
        text_env.get_template("email.txt").render(values),
        html_env.get_template("email.html").render(values),
    )


def render(n: Notification, config: EmailConfig, *, now_ms: int) -> EmailRequest:
    s = summarise(n)
    plain, html = bodies(n)
    msg = EmailMessage(policy=SMTP)
    # Label values may hold line breaks; in a header they would be refused (or, by a laxer
    # writer, become header injection), so all whitespace runs collapse to one space.
    msg["Subject"] = " ".join(f"[{s.status_word}] {s.severity_emoji} {s.headline}".split())
    msg["From"] = formataddr((config.sender_name, config.sender))
    msg["To"] = ", ".join(config.to)
    msg["Date"] = format_datetime(datetime.fromtimestamp(now_ms / 1000, tz=UTC))
    domain = _domain(config)
    msg["Message-ID"] = message_id(n.idempotency_key, domain)
    if n.first_idempotency_key and n.first_idempotency_key != n.idempotency_key:
        first = message_id(n.first_idempotency_key, domain)
        msg["In-Reply-To"] = first
        msg["References"] = first
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to alerts
    msg["X-Lookout-Idempotency-Key"] = n.idempotency_key
    msg.set_content(plain)
    msg.add_alternative(html, subtype="html")
    return EmailRequest(message=msg, sender=config.sender, recipients=tuple(config.to))


def _tls_context(config: EmailConfig) -> ssl.SSLContext | None:
    if config.security == "none":
        return None
    ctx = ssl.create_default_context(cafile=config.ca_file)
    if not config.validate_certs:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def send(request: EmailRequest, config: EmailConfig, context: SendContext) -> int:
    """Returns the SMTP reply code to DATA (250); raises SendFailed with the server's code."""
    try:
        await check_destination(config.host, config.port, context.policy, resolver=context.resolver)
    except UnsafeDestination as e:
        raise SendFailed(str(e), permanent=True) from e
    password = config.password.get_secret_value() if config.password is not None else None
    try:
        await aiosmtplib.send(
            request.message,
            sender=request.sender,
            recipients=list(request.recipients),
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            tls_context=_tls_context(config),
            timeout=config.timeout_s,
        )
    except aiosmtplib.SMTPResponseException as e:
        raise SendFailed(f"SMTP {e.code}: {e.message}", status=e.code) from e
    except aiosmtplib.SMTPRecipientsRefused as e:
        # Every recipient refused: the mildest code decides (a 4xx for any means "later").
        code = min(r.code for r in e.recipients) if e.recipients else None
        raise SendFailed(f"SMTP {code}: every recipient refused", status=code) from e
    except (aiosmtplib.SMTPException, OSError) as e:
        raise SendFailed(f"{type(e).__name__}: {e}") from e
    # Some recipients may have been refused while others accepted: the message went out, and
    # retrying would duplicate it for those who got it.
    return 250
