"""A supporter's page lists every email we sent them about their support: its type, language,
time and delivery state, in the staff member's language."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Role
from app.services import membership
from tests.conftest import page_text


def test_the_timeline_lists_each_email_sent(client, make_user, auth):
    """A comp granted to an Arabic reader: its email on the timeline, in English and in Arabic,
    its language named in the page's."""
    reader = make_user("qari@example.org", lang="ar")
    membership.grant_comp(reader, datetime.now(UTC) + timedelta(days=30), "test")
    db.session.commit()
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    english = page_text(client.get(f"/en/staff/supporters/{reader.id}"))
    assert "Email: Complimentary membership granted Arabic · Kept in the outbox" in english
    arabic = page_text(client.get(f"/ar/staff/supporters/{reader.id}"))
    assert "منح عضوية مجانية" in arabic and "العربية ·" in arabic
