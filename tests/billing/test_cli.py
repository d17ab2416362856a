"""`flask stripe setup` and `flask stripe reconcile`, through the real SDK and the emulator."""

from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, WebhookEvent
from app.payments import get_gateway
from tests.paying import pay, start


def test_setup_creates_the_catalogue_once(runner):
    """Setup makes the product and every price by lookup key; running it again changes nothing."""
    result = runner.invoke(args=["stripe", "setup"])
    assert result.exit_code == 0, result.output
    assert "membership_monthly_100_usd: price_" in result.output
    assert result.output.count("(created)") == 9
    prices = get_gateway().client.v1.prices.list(
        params={"lookup_keys": ["membership_annual_1200_usd"], "limit": 1}
    )
    assert prices.data[0].unit_amount == 1200 and prices.data[0].recurring.interval == "year"
    again = runner.invoke(args=["stripe", "setup"])
    assert again.output.count("(exists)") == 9 and "(created)" not in again.output


def test_setup_reports_stripe_down(runner, stripe_emulator):
    """Stripe unreachable: a clear error, exit code not zero."""
    stripe_emulator.faults.fail_next(n=3, kind="connection")
    result = runner.invoke(args=["stripe", "setup"])
    assert result.exit_code != 0 and "did not answer" in result.output


def test_reconcile_applies_what_was_missed(runner, client, stripe_emulator, make_user, auth):
    """A cancellation whose webhook never arrived is found, applied and printed; once only."""
    user = make_user()
    auth.login()
    pay(client, stripe_emulator, start(client).headers["Location"])
    subscription_id = user.membership.subscription_id
    get_gateway().client.v1.subscriptions.cancel(subscription_id)  # at Stripe only
    stripe_emulator.drain_deliveries()  # ... and its webhook is lost on the way
    result = runner.invoke(args=["stripe", "reconcile"])
    assert result.exit_code == 0, result.output
    assert f"active -> lapsed ({subscription_id})" in result.output
    assert "customer.subscription.deleted: applied" in result.output
    db.session.refresh(user.membership)
    assert user.membership.status == MembershipStatus.LAPSED
    again = runner.invoke(args=["stripe", "reconcile"])
    assert "0 memberships changed, 0 missed events applied" in again.output
    assert db.session.scalar(
        select(WebhookEvent).where(WebhookEvent.type == "customer.subscription.deleted")
    )
