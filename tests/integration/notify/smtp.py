"""A real SMTP server in-process (aiosmtpd) on 127.0.0.1, port chosen by the kernel, with
test certificates from trustme: STARTTLS or implicit TLS, AUTH PLAIN/LOGIN against one
account. It runs in the test's own event loop, so nothing crosses threads."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "lookout", "s3cret-smtp"


@dataclass(slots=True)
class Mailbox:
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        out = []
        for e in self.envelopes:
            raw = e.original_content or e.content
            assert isinstance(raw, bytes)
            msg = message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def raw(self) -> list[bytes]:
        return [e.original_content or e.content for e in self.envelopes]  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class SmtpServer:
    port: int
    ca_file: Path
    mailbox: Mailbox


def _authenticator(mailbox: Mailbox) -> Any:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            mailbox.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)

    return check


@asynccontextmanager
async def smtp_server(
    tmp: Path, *, mode: str = "starttls", auth: bool = True
) -> AsyncIterator[SmtpServer]:
    """``mode``: "starttls" (TLS required before MAIL and AUTH), "tls" (implicit TLS from the
    first byte) or "plain" (no TLS offered at all)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    mailbox = Mailbox()

    def factory() -> SMTP:
        with warnings.catch_warnings():
            # aiosmtpd warns that AUTH without STARTTLS is unsafe; under implicit TLS it is not
            # (aiosmtpd cannot tell), and the suite turns warnings into errors.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return _smtp()

    def _smtp() -> SMTP:
        return SMTP(
            mailbox,
            hostname="smtp.test",
            tls_context=server_ctx if mode == "starttls" else None,
            require_starttls=mode == "starttls",
            authenticator=_authenticator(mailbox) if auth else None,
            auth_required=auth,
            # aiosmtpd only counts STARTTLS as TLS; under implicit TLS the socket already is.
            auth_require_tls=mode == "starttls",
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, "127.0.0.1", 0, ssl=server_ctx if mode == "tls" else None
    )
    try:
        port = server.sockets[0].getsockname()[1]
        yield SmtpServer(port, ca_file, mailbox)
    finally:
        server.close()
        await server.wait_closed()
