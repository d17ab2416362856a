"""Outgoing email in the recipient's language: SMTP when configured, else the log and the outbox."""

import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import OutboxMessage

log = logging.getLogger(__name__)
_smtp_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="smtp")

SUBJECTS = {
    "confirm_email": _l("Confirm your email address"),
    "reset_password": _l("Reset your Enab Baladi password"),
    "change_email": _l("Confirm your new email address"),
    "set_password": _l("Set your Enab Baladi password"),
}


def render_email(template: str, lang: str, **context) -> tuple[str, str]:
    """Subject and body of an email template, in `lang`."""
    with force_locale(lang):
        subject = str(SUBJECTS[template])
        body = render_template(f"emails/{template}.txt", lang=lang, **context)
    return subject, body


def send_email(to: str, template: str, lang: str, **context) -> None:
    """Render and send one message; SMTP sends happen off the request thread."""
    subject, body = render_email(template, lang, **context)
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("email to %s: %s\n%s", to, subject, body)
        db.session.add(OutboxMessage(to=to, subject=subject, body=body, lang=lang))
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    settings = {key: config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME",
                                                 "MAIL_PASSWORD", "MAIL_USE_TLS")}  # fmt: skip
    _smtp_pool.submit(_deliver, message, settings)


def _deliver(message: EmailMessage, settings: dict) -> None:
    try:
        with smtplib.SMTP(settings["MAIL_SERVER"], settings["MAIL_PORT"], timeout=20) as smtp:
            if settings["MAIL_USE_TLS"]:
                smtp.starttls()
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send email to %s", message["To"])
