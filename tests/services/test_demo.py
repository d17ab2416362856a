"""`flask demo seed`: a realistic dataset the staff pages can read."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Membership, Payment, User, WebhookEvent
from app.services import metrics


def test_seed_builds_supporters_with_a_year_of_history(runner):
    """Seeding adds supporters with memberships, payments and about ten events each."""
    result = runner.invoke(args=["demo", "seed", "--supporters", "60"])
    assert result.exit_code == 0, result.output
    assert "60 supporters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 60
    assert db.session.scalar(select(func.count(Membership.id))) == 60
    events = db.session.scalar(select(func.count()).select_from(WebhookEvent))
    assert 5 * 60 < events < 20 * 60
    assert db.session.scalar(select(func.count(Payment.id))) > 60
    figures = metrics.overview()
    assert figures.active_supporters > 30 and figures.mrr["usd"] > 0
    assert sum(new for _, new, _ in metrics.weekly_movements()) > 0


def test_accounts_made_after_seeding_get_fresh_ids(runner, make_user):
    """Seeding gives explicit ids; new accounts afterwards must not collide with them."""
    runner.invoke(args=["demo", "seed", "--supporters", "5"])
    assert make_user("after@example.org").id > 5
