"""SMTP delivery of outbox messages (smtplib; settings from config). No flask."""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "noreply@localhost"
    starttls: bool = False
    timeout: float = 20.0


@dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    subject: str
    body: str


def build_message(settings: SmtpSettings, item: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = item.recipient
    message["Subject"] = item.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{item.id}")
    message.set_content(item.body)  # UTF-8 text/plain
    return message


def send_all(settings: SmtpSettings, items: Iterable[Outgoing]) -> dict[int, str | None]:
    """Send over one SMTP connection. Returns {id: None if sent, else the error}."""
    items = list(items)
    results: dict[int, str | None] = {}
    if not items:
        return results
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        return {item.id: f"connect: {exc}" for item in items}
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password)
        for item in items:
            try:
                smtp.send_message(build_message(settings, item))
                results[item.id] = None
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                results[item.id] = f"refused: {exc}"
    except (OSError, smtplib.SMTPException) as exc:
        for item in items:
            results.setdefault(item.id, f"smtp: {exc}")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return results
