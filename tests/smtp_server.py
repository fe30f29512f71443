"""A real SMTP server for tests: aiosmtpd on a loopback port in a thread, keeping every message it accepts.

`refuse` makes it answer the next N messages with a temporary failure (451), as a busy relay would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from engine.notifications.mail import SmtpSettings


class Inbox:
    """What the server accepted, and how many messages it should still refuse."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 try again later"
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(message["X-Sosflow-Notification"]) for message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, SmtpSettings]]:
    """A running server and the settings that reach it (plain SMTP on loopback, no TLS)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, tls="none", sender="sosflow@test.invalid",
                                  timeout=5)
    finally:
        controller.stop()
