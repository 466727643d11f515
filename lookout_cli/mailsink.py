"""The demo's mail sink: a local SMTP server (aiosmtpd) on 127.0.0.1 that keeps every mail
the master sends as an ``.eml`` file and says, one line each, what arrived — so a new user
reads a real alert mail (subject, text and HTML parts, thread headers) without a mail account.

aiosmtpd comes with the development install ``make demo`` uses; without it the demo runs with
the webhook sink only and says so. The server runs in aiosmtpd's own thread."""

from __future__ import annotations

import email
import email.policy
import itertools
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

MAX_MAIL = 4 * 1024 * 1024


class Stoppable(Protocol):
    def stop(self) -> None: ...


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_mail_sink(directory: Path, say: Callable[[str], None]) -> tuple[Stoppable, int] | None:
    """Serve SMTP on a free loopback port, saving mails under ``directory``; returns the
    server (``stop()`` it) and its port, or None when aiosmtpd is not installed."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        say("mail sink: aiosmtpd is not installed, alert mails are off in this demo")
        return None
    directory.mkdir(parents=True, exist_ok=True)
    numbers = itertools.count(len(list(directory.glob("*.eml"))) + 1)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            raw: bytes = envelope.content if isinstance(envelope.content, bytes) else b""
            if len(raw) > MAX_MAIL:
                return "552 message too large for the demo's sink"
            path = directory / f"{next(numbers):04d}.eml"
            path.write_bytes(raw)
            subject = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
            say(f"mail: {subject} -> {path}")
            return "250 kept"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port
