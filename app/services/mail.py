"""Outgoing email in the recipient's language, through the outbox and the job queue.

`send_email` writes the message to the outbox (queued) in the caller's transaction and queues its
delivery for after the commit: a message is never lost to a restart, and never sent for work that
was rolled back. The worker's `deliver` hands it to the mail server, retrying with backoff, and
records each attempt on the row: sent, failed after its last retry, or — with no mail server, as in
development — kept in the outbox only.
"""

import logging
import re
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from sqlalchemy import select

from ..extensions import db
from ..jobs.queue import enqueue, job
from ..models import MailState, OutboxMessage

log = logging.getLogger(__name__)

DELIVER_JOB = "deliver-mail"
SMTP_TIMEOUT = 20  # seconds

SUBJECTS = {
    "confirm_email": _l("Confirm your email address"),
    "reset_password": _l("Reset your Enab Baladi password"),
    "change_email": _l("Confirm your new email address"),
    "set_password": _l("Set your Enab Baladi password"),
    "sign_in_code": _l("Your code to sign in to Enab Baladi"),
    "sign_in_no_account": _l("Signing in to Enab Baladi"),
    # A supporter's messages (services/notices.py), one per NoticeKind.
    "welcome": _l("Welcome, and thank you for supporting Enab Baladi"),
    "receipt": _l("Your Enab Baladi receipt"),
    "donation_receipt": _l("Thank you for your donation to Enab Baladi"),
    "payment_failed": _l("Your payment to Enab Baladi did not go through"),
    "action_required": _l("Your bank asks you to confirm your payment"),
    "cancellation": _l("Your Enab Baladi membership will end"),
    "subscription_ended": _l("Your Enab Baladi membership has ended"),
    "comp_granted": _l("A complimentary Enab Baladi membership for you"),
    "comp_ended": _l("Your complimentary Enab Baladi membership has ended"),
    "renewal_coming": _l("Your annual Enab Baladi membership renews in a week"),
    "card_expiring": _l("Your card expires before your next payment"),
    "gift_receipt": _l("Thank you for your gift of Enab Baladi membership"),
    "gift_received": _l("A gift for you: Enab Baladi membership"),
    "gift_redeemed": _l("Your gift of Enab Baladi membership has been opened"),
    "membership_paused": _l("Your Enab Baladi membership is paused"),
    "membership_resumed": _l("Your Enab Baladi membership is back"),
    "offline_receipt": _l("Your Enab Baladi receipt"),
    "offline_voided": _l("A correction to your Enab Baladi receipt"),
}

# Where each state may go: only a queued message is ever delivered, so a delivery job that runs
# twice (a lost message queued again, a retry racing a sweep) sends it once.
TRANSITIONS = {
    MailState.QUEUED: frozenset({MailState.SENT, MailState.FAILED, MailState.KEPT}),
    MailState.SENT: frozenset(),
    MailState.FAILED: frozenset({MailState.QUEUED}),
    MailState.KEPT: frozenset(),
}


def set_state(message: OutboxMessage, to: MailState) -> None:
    if to not in TRANSITIONS[message.state]:
        raise ValueError(f"message {message.id}: {message.state} cannot become {to}")
    message.state = to


def render_email(template: str, lang: str, **context) -> tuple[str, str, str | None]:
    """Subject, plain-text body and HTML body (None when the template has no `.html`) of an
    email template, in `lang`. The text part is written to stand on its own."""
    with force_locale(lang):
        subject = str(SUBJECTS[template])
        context = {**context, "lang": lang, "subject": subject}
        body = _render(f"emails/{template}.txt", context)
        html = _render(f"emails/{template}.html", context, optional=True)
    return subject, links_on_their_own_lines(body), html


# An address runs to the first space or bidi control character (neither is ever part of one).
LINK = re.compile(r"https?://[^\s\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def links_on_their_own_lines(text: str) -> str:
    """Each address in a plain-text part on a line of its own, nothing else on it ("Pay now:
    https://..." becomes two lines). A line holding only an address reads left to right in any
    mail client, Arabic messages' too, so no bidi isolate is needed around it, which a client that
    turns addresses into links could take into the link."""
    lines: list[str] = []
    for line in text.split("\n"):
        if not LINK.search(line) or LINK.fullmatch(line.strip()):
            lines.append(line)
            continue
        position = 0
        for found in LINK.finditer(line):
            if before := line[position : found.start()].rstrip():
                lines.append(before)
            lines.append(found.group(0))
            position = found.end()
        if after := line[position:].strip():
            lines.append(after)
    return "\n".join(lines)


def _render(name: str, context: dict, optional: bool = False) -> str | None:
    """A template rendered from `context` alone: an email is the same whichever request or job
    writes it (the request's context processors, its signed-in user among them, stay out)."""
    try:
        found = current_app.jinja_env.get_template(name)
    except TemplateNotFound as missing:
        if optional and missing.name == name:
            return None
        raise
    return found.render(context)


def send_email(
    to: str, template: str, lang: str, headers: dict[str, str] | None = None, **context
) -> OutboxMessage:
    """Write the message to the outbox; the worker delivers it once the caller commits."""
    subject, body, html = render_email(template, lang, **context)
    message = OutboxMessage(to=to, subject=subject, body=body, html=html, lang=lang,
                            headers=headers or None, state=MailState.QUEUED, attempts=0)  # fmt: skip
    db.session.add(message)
    db.session.flush()
    enqueue(db.session, DELIVER_JOB, message.id)
    return message


def retry(message: OutboxMessage) -> None:
    """Staff send a failed message again (one more round of attempts)."""
    set_state(message, MailState.QUEUED)
    message.last_error = None
    enqueue(db.session, DELIVER_JOB, message.id)


@job(DELIVER_JOB, retries=5, retry_delay=30, retry_backoff=2)
def deliver(message_id: int, final: bool = True) -> str:
    """Hand one queued message to the mail server (the worker runs this). The row is locked while
    it is sent, so a second delivery of the same message waits and then finds it sent. A failure
    is recorded and raised, so the queue retries it; after the last retry it is marked failed."""
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as locked, not as last seen
    )
    if message is None or message.state != MailState.QUEUED:
        db.session.rollback()
        return "nothing to send"
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        # Development: the worker's console is where a new user finds the link they were sent.
        log.warning("email to %s (no mail server; kept in the outbox): %s\n%s", message.to,
                    message.subject, message.body)  # fmt: skip
        set_state(message, MailState.KEPT)
        db.session.commit()
        return "kept"
    message.attempts += 1
    try:
        _smtp_send(_email_of(message, config["MAIL_DEFAULT_SENDER"]), config)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if final:
            set_state(message, MailState.FAILED)
        db.session.commit()
        log.warning("email %s to %s not sent (attempt %s): %s", message.id, message.to,
                    message.attempts, error)  # fmt: skip
        if final:
            return "failed"
        raise
    set_state(message, MailState.SENT)
    message.sent_at = datetime.now(UTC)
    message.last_error = None
    db.session.commit()
    return "sent"


def _email_of(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    email["Content-Language"] = message.lang  # after the body: setting it clears Content-*
    for name, value in (message.headers or {}).items():
        email[name] = value
    return email


def _smtp_send(email: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
