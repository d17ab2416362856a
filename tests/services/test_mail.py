"""Mail goes through the outbox and the job queue: queued with the work that wrote it, delivered by
the worker to a real SMTP server, retried with backoff, marked failed after its last try, never
lost and never sent twice."""

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


def test_links_in_an_arabic_text_part_are_isolated_left_to_right(app):
    """A right-to-left plain-text part keeps each address whole and in order (LRI ... PDI)."""
    _subject, body, _html = mail.render_email(
        "reset_password", "ar", link="http://127.0.0.1:5000/ar/x"
    )
    assert "\u2066http://127.0.0.1:5000/ar/x\u2069" in body
    _subject, english, _html = mail.render_email(
        "reset_password", "en", link="http://127.0.0.1:5000/en/x"
    )
    assert "\u2066" not in english
