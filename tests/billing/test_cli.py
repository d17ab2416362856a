"""`flask stripe setup` and `flask stripe reconcile`."""

from sqlalchemy import select

from app.extensions import db
from app.models import MembershipStatus, SandboxObject, WebhookEvent
from app.payments import get_gateway
from tests.billing.test_journey import pay, start
from tests.stripe_fakes import stripe_list, stripe_object


def test_setup_creates_the_catalogue_through_stripe(runner, stripe_http):
    """With Stripe, setup makes the product and every missing price by lookup key."""
    stripe_http.route(
        "get", "/v1/products/enab_membership", 200, stripe_object("product", id="enab_membership")
    )
    stripe_http.route("get", "/v1/prices", 200, stripe_list([], "/v1/prices"))
    stripe_http.route("post", "/v1/prices", 200, stripe_object("price", id="price_new"))
    result = runner.invoke(args=["stripe", "setup"])
    assert result.exit_code == 0, result.output
    assert "membership_monthly_100_usd: price_new (created)" in result.output
    created = [r for r in stripe_http.requests if r.method == "post" and r.path == "/v1/prices"]
    assert len(created) == 9
    assert {r.params["lookup_key"] for r in created} >= {
        "membership_annual_1200_usd",
        "gift_500_usd",
    }


def test_setup_reports_stripe_down(runner, stripe_http):
    """Stripe unreachable: a clear error, exit code not zero."""
    stripe_http.fail_connection()
    result = runner.invoke(args=["stripe", "setup"])
    assert result.exit_code != 0 and "did not answer" in result.output


def test_setup_in_the_sandbox_says_so(runner):
    """Without Stripe keys there is no catalogue to set up."""
    assert "sandbox" in runner.invoke(args=["stripe", "setup"]).output


def test_reconcile_applies_what_was_missed(runner, client, make_user, auth):
    """A change the webhook never delivered is found and applied, and printed."""
    user = make_user()
    auth.login()
    pay(client, start(client))
    gateway = get_gateway()
    subscription_id = user.membership.subscription_id
    gateway.cancel_now(subscription_id)  # at the provider only: the event is never delivered
    lost = db.session.scalars(
        select(SandboxObject).where(SandboxObject.customer_id == "pending")
    ).all()
    for row in lost:
        row.customer_id = "delivered"
    db.session.commit()
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
