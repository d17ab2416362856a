"""Mail goes through the outbox and the job queue: queued with the work that wrote it, delivered by
the worker to a real SMTP server, retried with backoff, marked failed after its last try, never
lost and never sent twice."""

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.jobs.queue import queue_of, run_queued
from app.models import MailState, OutboxMessage
from app.services import mail

LATER = datetime.now(UTC) + timedelta(days=1)  # past every retry's wait


class Inbox:
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def start_smtp_server(app, monkeypatch):
    """A real SMTP server on a free local port, the app pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    return inbox, controller


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox, controller = start_smtp_server(app, monkeypatch)
    yield inbox
    controller.stop()


@pytest.fixture
def no_smtp_server(app, monkeypatch):
    """A mail server address where nothing listens (the server is down)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)


def _send(to="reader@example.org", lang="en"):
    return mail.send_email(to, "reset_password", lang, link="http://127.0.0.1:5000/en/x")


def test_nothing_is_queued_until_the_work_commits(app):
    message = _send()
    assert message.state == MailState.QUEUED
    assert queue_of(app).huey.pending_count() == 0
    db.session.commit()
    assert queue_of(app).huey.pending_count() == 1


def test_work_rolled_back_sends_nothing(app):
    _send()
    db.session.rollback()
    db.session.commit()
    assert queue_of(app).huey.pending_count() == 0
    assert run_queued(app) == 0
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_without_a_mail_server_a_message_is_kept_in_the_outbox(app):
    message = _send()
    db.session.commit()
    assert run_queued(app) == 1
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MailState.KEPT, 0)


def test_the_worker_hands_the_message_to_the_mail_server(app, smtp_server):
    message = _send(lang="ar")
    db.session.commit()
    run_queued(app)
    db.session.refresh(message)
    assert (message.state, message.attempts, message.last_error) == (MailState.SENT, 1, None)
    assert message.sent_at is not None
    [(recipients, content)] = smtp_server.messages
    assert recipients == ["reader@example.org"]
    assert "Content-Language: ar" in content and "Subject:" in content


def test_a_message_delivered_twice_is_sent_once(app, smtp_server):
    """A message queued again (the sweep for lost jobs, say) while its first job also runs."""
    message = _send()
    db.session.commit()
    queue_of(app).tasks[mail.DELIVER_JOB](message.id)  # a second job for the same message
    assert run_queued(app) == 2
    assert len(smtp_server.messages) == 1


def test_a_failing_mail_server_is_retried_then_the_message_is_marked_failed(app, no_smtp_server):
    """The server down: each attempt is recorded and retried later with a longer wait; after the
    last retry the message is failed, with its error, and still in the outbox (staff can send it
    again)."""
    message = _send()
    db.session.commit()
    huey = queue_of(app).huey
    assert run_queued(app) == 1
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MailState.QUEUED, 1)
    assert "ConnectionRefusedError" in message.last_error
    assert huey.scheduled_count() == 1  # the retry waits its delay
    assert run_queued(app) == 0  # ...and does not run before it
    waits = []
    while huey.scheduled_count():
        [retry] = huey.scheduled()
        waits.append(retry.retry_delay)
        assert run_queued(app, now=LATER, limit=1) == 1
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MailState.FAILED, 6)
    assert waits == [60, 120, 240, 480, 960]  # each wait twice the last (30 s first)
    assert message.body  # nothing lost
    mail.retry(message)
    db.session.commit()
    run_queued(app)
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MailState.QUEUED, 7)


def test_a_message_recovers_when_the_server_comes_back(app, no_smtp_server, monkeypatch):
    message = _send()
    db.session.commit()
    run_queued(app)
    inbox, controller = start_smtp_server(app, monkeypatch)
    try:
        run_queued(app, now=LATER)
    finally:
        controller.stop()
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MailState.SENT, 2)
    assert len(inbox.messages) == 1


def test_a_sent_message_cannot_go_back_to_the_queue(app):
    message = _send()
    message.state = MailState.SENT
    with pytest.raises(ValueError):
        mail.retry(message)


BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
URL = re.compile(r"https?://[^\s\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
ACCOUNT_EMAILS = ("confirm_email", "reset_password", "change_email", "set_password")


def every_text_part(lang: str) -> dict[str, str]:
    """The plain-text part of every email in `lang`: each preview staff see, and the account
    emails (confirming, resetting, changing an address, choosing a password)."""
    from app.services import email_previews

    parts = {k.value: email_previews.render_preview(k, lang).text for k in email_previews.kinds()}
    for name in ACCOUNT_EMAILS:
        link = f"http://127.0.0.1:5000/{lang}/some/link?token=abc"
        parts[name] = mail.render_email(name, lang, link=link, hours=1, days=7)[1]
    return parts


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_address_in_a_text_email_stands_alone_without_bidi_controls(app, lang):
    """Each address is a line of its own with no bidi control character next to it, so a mail
    client that makes it a link takes in nothing invisible; Arabic messages included."""
    parts = every_text_part(lang)
    assert set(mail.SUBJECTS) <= set(parts)
    for name, text in parts.items():
        found = list(URL.finditer(text))
        assert found, f"{name} has no address"
        for address in found:
            before, after = text[address.start() - 1 : address.start()], text[address.end() :][:1]
            assert before not in BIDI_CONTROLS or before == "", (name, address.group(0))
            assert after not in BIDI_CONTROLS or after == "", (name, address.group(0))
            line = text[: address.end()].rsplit("\n", 1)[-1] + text[address.end() :].split("\n")[0]
            assert line.strip() == address.group(0), (name, line)


def test_a_line_of_words_and_an_address_becomes_two_lines():
    """\"Pay now: URL\" -> \"Pay now:\" and the URL; a lone address and plain lines are kept."""
    text = "ادفع الآن: https://example.org/ar/pay?x=1\nhttps://example.org/en/\nno link here"
    assert mail.links_on_their_own_lines(text) == (
        "ادفع الآن:\nhttps://example.org/ar/pay?x=1\nhttps://example.org/en/\nno link here"
    )
    assert mail.links_on_their_own_lines("open https://a.example/x now") == (
        "open\nhttps://a.example/x\nnow"
    )
