"""How a message travels. Email goes over SMTP with the standard library: `email` builds a
correct multipart/alternative message and `smtplib` hands us each of the server's replies, which
`mail-test` and the outbox show as they are. A wrapper library (Flask-Mail and the like) would add
a dependency and hide those replies, and gives nothing we need on top.

Another channel (text messages, say) is another Sender in SENDERS with its own address on the
partner; the outbox, the schedule and the safety check stay as they are."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from typing import Protocol

from flask import current_app

from ..db import utcnow


class NotConfigured(Exception):
    """The practice has not set up this channel yet; messages wait in the outbox."""


class Refused(Exception):
    """The server refused this recipient for good (a 5xx answer): trying again will not help."""


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    text: str
    html: str


class Sender(Protocol):
    def send(self, message: Outgoing) -> str:
        """Hand the message on; returns the server's answer. Raises Refused for a recipient
        that will never accept it, NotConfigured, or OSError/smtplib errors worth a retry."""


class SmtpSender:
    """Email through the practice's SMTP server (MAIL_* settings)."""

    def send(self, message: Outgoing) -> str:
        config = current_app.config
        if not config.get("MAIL_SERVER"):
            raise NotConfigured("Email is not set up: MAIL_SERVER is empty.")
        sender = config.get("MAIL_DEFAULT_SENDER") or ""
        if not sender:
            raise NotConfigured("Email is not set up: MAIL_DEFAULT_SENDER is empty.")
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = formataddr((config["PRACTICE_NAME"], sender))
        mail["To"] = message.recipient
        mail["Date"] = format_datetime(utcnow())
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        server, port, timeout = (
            config["MAIL_SERVER"],
            int(config["MAIL_PORT"]),
            config["MAIL_TIMEOUT"],
        )
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
            if config.get("MAIL_USE_SSL")
            else smtplib.SMTP(server, port, timeout=timeout)
        )
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=context)
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            return _transfer(smtp, sender, message.recipient, mail.as_bytes(policy=SMTP))


def _transfer(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> str:
    """MAIL, RCPT and DATA one by one (sendmail() drops the final answer we want to show)."""
    smtp.ehlo_or_helo_if_needed()
    code, answer = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.rcpt(recipient)
    if code >= 500:
        raise Refused(f"{code} {answer.decode(errors='replace')}")
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    code, answer = smtp.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)
    return f"{code} {answer.decode(errors='replace')}"


SENDERS: dict[str, type[Sender]] = {"email": SmtpSender}


def sender_for(channel: str) -> Sender:
    return SENDERS[channel]()
