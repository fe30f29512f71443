"""E-mail over SMTP, configured by environment: host, port, TLS mode, sender and optional login.

SOSFLOW_SMTP_HOST (unset: e-mail is not sent; notifications wait in the outbox), SOSFLOW_SMTP_PORT (25),
SOSFLOW_SMTP_TLS (`none`, `starttls` or `ssl`; default `starttls`), SOSFLOW_SMTP_SENDER,
SOSFLOW_SMTP_USERNAME and SOSFLOW_SMTP_PASSWORD (both or neither), SOSFLOW_SMTP_TIMEOUT (seconds, 10).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    tls: str = "starttls"
    sender: str = "sosflow@localhost"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"SOSFLOW_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")


def smtp_settings(env: dict[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP configuration from the environment; None when no host is configured."""
    env = dict(os.environ) if env is None else env
    host = env.get("SOSFLOW_SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(host=host, port=int(env.get("SOSFLOW_SMTP_PORT", "25")),
                        tls=env.get("SOSFLOW_SMTP_TLS", "starttls"),
                        sender=env.get("SOSFLOW_SMTP_SENDER", "sosflow@localhost"),
                        username=env.get("SOSFLOW_SMTP_USERNAME") or None,
                        password=env.get("SOSFLOW_SMTP_PASSWORD") or None,
                        timeout=float(env.get("SOSFLOW_SMTP_TIMEOUT", "10")))


def build_message(settings: SmtpSettings, to: str, subject: str, body: str, notification_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message["Message-ID"] = make_msgid(idstring=notification_id, domain="sosflow")
    message["X-Sosflow-Notification"] = notification_id
    message.set_content(body)
    return message


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated connection to the server (TLS as configured)."""
    context = ssl.create_default_context()
    if settings.tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.tls == "starttls":
        client.starttls(context=context)
    if settings.username and settings.password:
        client.login(settings.username, settings.password)
    return client


class SmtpSession:
    """One connection reused for a run of messages: opened at the first, reopened after a failure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; smtplib.SMTPException or OSError if it was not accepted."""
        try:
            if self.client is None:
                self.client = connect(self.settings)
            self.client.send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None
