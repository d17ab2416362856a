"""The outbox: each message's delivery state, and sending again one that failed."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, MailState, OutboxMessage, Role
from tests.conftest import csrf_token, page_text


def _message(state: MailState) -> OutboxMessage:
    message = OutboxMessage(to="reader@example.org", subject="Reset", body="link", lang="ar",
                            state=state, attempts=6, last_error="ConnectionRefusedError")  # fmt: skip
    db.session.add(message)
    db.session.commit()
    return message


def _send_again(client, message):
    token = csrf_token(client, "/en/staff/outbox")
    return client.post(f"/en/staff/outbox/{message.id}/retry", data={"csrf_token": token})


def test_staff_see_states_and_send_a_failed_message_again(client, make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    failed = _message(MailState.FAILED)
    page = page_text(client.get("/en/staff/outbox"))
    assert "Failed" in page and "ConnectionRefusedError" in page and "Send again" in page
    assert _send_again(client, failed).status_code == 302
    db.session.refresh(failed)
    # queued again and, the mail server being unset here, kept by the worker's delivery
    assert failed.state == MailState.KEPT and failed.last_error is None
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "mail sent again")
    ).one()


def test_only_a_failed_message_can_be_sent_again(client, make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    sent = _message(MailState.SENT)
    response = _send_again(client, sent)
    assert "Only a message that failed" in page_text(client.get(response.headers["Location"]))
    db.session.refresh(sent)
    assert sent.state == MailState.SENT


def test_readers_cannot_send_mail_again(client, make_user, auth):
    make_user()
    auth.login()
    failed = _message(MailState.FAILED)
    token = csrf_token(client, "/en/account")
    response = client.post(f"/en/staff/outbox/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(failed)
    assert failed.state == MailState.FAILED
