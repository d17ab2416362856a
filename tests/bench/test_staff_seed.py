"""The staff bench's seed (bench/staff_seed.py) on PostgreSQL: a few thousand readers in the
migrated schema, every constraint checked as they go back on, the staff pages answering from them,
and the figures read through the summaries agreeing with the rows."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Membership, MembershipChange, Payment, Role, User, WebhookEvent
from app.services import metrics, summaries, trends
from bench import staff_seed
from tests.conftest import PASSWORD


@pytest.fixture
def seeded(app):
    """2,000 readers and their history, in this test's transaction (rolled back after)."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the seed is PostgreSQL's SQL")
    staff_seed.seed(db.session.connection(), 2000, report=lambda _line: None)
    return datetime.now(UTC)


def test_the_seed_fills_every_table_the_staff_pages_read(seeded):
    """Readers, most of whom never paid; memberships of every kind with their history; three years
    of payments; webhook events; and the constraints, made again, hold."""
    users = db.session.scalar(select(func.count()).select_from(User))
    members = dict(db.session.execute(
        select(Membership.status, func.count()).group_by(Membership.status)
    ).all())  # fmt: skip
    assert users == 2000 + staff_seed.STAFF
    assert sum(members.values()) < users / 2
    assert {"active", "ending", "past_due", "lapsed", "complimentary", "none"} <= set(members)
    first, last = db.session.execute(
        select(func.min(Payment.paid_at), func.max(Payment.paid_at))
    ).one()
    assert (last - first).days > 2 * 365
    assert db.session.scalar(select(func.count()).select_from(MembershipChange)) > sum(
        members.values()
    )
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) > 0
    foreign_keys = db.session.scalar(text(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'payments'::regclass"
    ))  # fmt: skip
    assert foreign_keys >= 1  # made again, so checked against every row


def test_the_staff_pages_answer_from_the_seeded_rows(seeded, client, auth, make_user):
    """Overview, supporters, a supporter, the ledger, the audit log and the outbox."""
    make_user("staff@example.org", role=Role.STAFF)
    auth.login("staff@example.org", PASSWORD)
    member = db.session.scalar(
        select(Membership.user_id).where(Membership.status == "active").limit(1)
    )
    for path in ("/en/staff/", "/ar/staff/", "/en/staff/supporters?status=active&sort=amount",
                 "/en/staff/supporters?q=haddad", f"/en/staff/supporters/{member}",
                 "/en/staff/webhooks?type=invoice.paid", "/en/staff/audit", "/en/staff/outbox"):  # fmt: skip
        assert client.get(path).status_code == 200, path


def test_the_figures_through_the_summaries_agree_with_the_seeded_rows(seeded):
    """The worker makes the summaries from the seeded rows; the figures read through them are
    the ones the rows give."""
    before = (metrics.lifetime_value(), metrics.paying_totals(seeded), trends.retention(now=seeded))
    summaries.refresh()
    db.session.commit()
    assert (
        metrics.lifetime_value(),
        metrics.paying_totals(seeded),
        trends.retention(now=seeded),
    ) == before
