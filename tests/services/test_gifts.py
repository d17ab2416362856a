"""Gift memberships in the services: the price rule, the one state machine, delivery on its date
by the hourly job, redemption's rules, refunds, and Stripe's events delivered twice or out of
order (captured from the emulator and posted by the tests)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import schedule
from app.models import (
    Gift,
    GiftState,
    JobRun,
    MembershipStatus,
    NoticeKind,
    OutboxMessage,
    Payment,
    PaymentKind,
)  # fmt: skip
from app.payments import get_gateway
from app.services import gift_checkout, gift_links, gift_redemption, gifts, membership, notices
from app.services.checkout import SupportRefused
from app.services.gift_redemption import GiftRefused, add_months
from app.services.membership import CompGrant
from stripe_emulator import testing
from tests.paying import OK

FRIEND = "friend@example.org"


def order(**overrides) -> gift_checkout.GiftOrder:
    values = {"recipient_email": FRIEND, "giver_name": "Sara", "months": 3, "monthly_amount": 500,
              "deliver_on": gifts.today(), "lang": "en", "message": "Enjoy!"}  # fmt: skip
    values.update(overrides)
    return gift_checkout.GiftOrder(**values)


@pytest.fixture
def buy(make_user, stripe_side):
    """Factory: a gift bought by one giver as `gift_checkout.start_gift` starts it and the
    Payment Element pays it; nothing is delivered (the test posts what Stripe sends)."""
    giver = make_user("giver@example.org")

    def run(**overrides) -> Gift:
        started = gift_checkout.start_gift(order(**overrides), giver=giver, giver_email=None,
                                           lang="en", ip="192.0.2.1")  # fmt: skip
        result = testing.confirm_payment(stripe_side.emulator, started.client_secret,
                                         card_number=OK,
                                         publishable_key=stripe_side.gateway.publishable_key)  # fmt: skip
        assert result["status"] == "succeeded", result
        return db.session.scalars(select(Gift).order_by(Gift.id.desc())).first()

    run.giver = giver
    return run


def deliver(post, deliveries, times=1):
    for _ in range(times):
        for delivery in deliveries:
            assert post(delivery).status_code == 200


def mail_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)).all()


def notice_kinds(user):
    return sorted(notice.kind.value for notice, _ in notices.notices_of(user))


def secret_of(message) -> str:
    return message.body.split("/gift/redeem/")[1].split()[0].rstrip("\u2069")


# The price rule and the state machine ---------------------------------------------------------------


def test_a_gift_costs_the_monthly_amount_times_the_months():
    """$5 a month for 12 months is $60; 2 months, or $7 a month, are not offered."""
    assert gift_checkout.gift_price(12, 500, "usd") == 6000
    assert gift_checkout.gift_price(1, 100, "usd") == 100
    for months, amount in ((2, 500), (3, 700), (0, 100)):
        with pytest.raises(SupportRefused):
            gift_checkout.gift_price(months, amount, "usd")


def test_the_delivery_date_is_today_up_to_a_year_ahead():
    """Yesterday is taken as today (a giver west of UTC); a year and a day is refused."""
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert gift_checkout.delivery_date(date(2026, 11, 30), now) == date(2026, 12, 1)
    assert gift_checkout.delivery_date(date(2027, 12, 1), now) == date(2027, 12, 1)
    for chosen in (date(2026, 11, 29), date(2027, 12, 2)):
        with pytest.raises(SupportRefused):
            gift_checkout.delivery_date(chosen, now)


def test_the_state_machine_moves_forward_only():
    """Paid, sent, redeemed, refunded in turn; a late "paid" after "sent" changes nothing, and a
    refunded gift stays refunded."""
    gift = Gift(key="k", state=GiftState.PENDING_PAYMENT)
    assert gifts.set_gift_state(gift, GiftState.PAID) and gift.paid_at is not None
    assert gifts.set_gift_state(gift, GiftState.SENT)
    assert not gifts.set_gift_state(gift, GiftState.PAID)
    assert gift.state == GiftState.SENT
    assert gifts.set_gift_state(gift, GiftState.REDEEMED)
    assert gifts.set_gift_state(gift, GiftState.REFUNDED)
    for later in GiftState:
        assert not gifts.set_gift_state(gift, later)
    assert gift.state == GiftState.REFUNDED


def test_months_are_calendar_months():
    """31 January plus one month is the last day of February; twelve months is the same day."""
    assert add_months(datetime(2027, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2027, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2027, 11, 15, tzinfo=UTC), 3) == datetime(2028, 2, 15, tzinfo=UTC)
    assert add_months(datetime(2027, 3, 1, tzinfo=UTC), 12) == datetime(2028, 3, 1, tzinfo=UTC)


# Delivery ----------------------------------------------------------------------------------------------


def test_a_gift_is_not_emailed_before_its_date_and_once_on_it(buy, stripe_side, post):
    """Paid today for next week: paid, not sent; the job on the day sends it once."""
    week = gifts.today() + timedelta(days=7)
    gift = buy(deliver_on=week)
    deliver(post, stripe_side.deliveries())
    assert gift.state == GiftState.PAID and mail_to(FRIEND) == []
    on_the_day = datetime.combine(week, datetime.min.time(), tzinfo=UTC)
    assert gifts.deliver_due_gifts(on_the_day - timedelta(seconds=1)) == 0
    assert gifts.deliver_due_gifts(on_the_day) == 1
    assert gifts.deliver_due_gifts(on_the_day + timedelta(hours=1)) == 0
    db.session.commit()
    assert gift.state == GiftState.SENT and len(mail_to(FRIEND)) == 1


def test_the_hourly_job_delivers_due_gifts_once_per_hour(buy, stripe_side, post):
    """A gift whose date has come by now is sent by `deliver-gifts`; its second run that hour is
    skipped, and a later run finds nothing left to send."""
    gift = buy(deliver_on=gifts.today() + timedelta(days=3))
    deliver(post, stripe_side.deliveries())
    gift.deliver_on = gifts.today()
    db.session.commit()
    assert schedule.deliver_gifts() == "1 gifts delivered"
    assert schedule.deliver_gifts() == "skipped"
    db.session.query(JobRun).delete()
    assert schedule.deliver_gifts() == "0 gifts delivered"
    assert len(mail_to(FRIEND)) == 1


def test_a_gift_for_today_is_emailed_when_its_payment_lands(buy, stripe_side, post):
    """In the recipient's language, with the giver's name and message and a working link."""
    gift = buy(lang="ar", message="كل عام وأنت بخير")
    deliver(post, stripe_side.deliveries())
    [email] = mail_to(FRIEND)
    assert gift.state == GiftState.SENT and email.lang == "ar"
    assert "Sara" in email.body and "كل عام وأنت بخير" in email.body
    assert gift_links.gift_for_secret(secret_of(email)) == gift
    assert gift.redeem_hash != secret_of(email)  # only the digest is kept


# Webhooks: twice, out of order ------------------------------------------------------------------------


def test_duplicate_events_send_one_receipt_and_one_gift_email(buy, stripe_side, post):
    """Every delivery posted three times: one payment, one receipt, one email to the recipient."""
    gift = buy()
    deliver(post, stripe_side.deliveries(), times=3)
    assert db.session.scalars(select(Payment).where(Payment.kind == PaymentKind.GIFT)).all()
    assert len(db.session.scalars(select(Payment)).all()) == 1
    assert notice_kinds(buy.giver) == [NoticeKind.GIFT_RECEIPT.value]
    assert gift.state == GiftState.SENT and len(mail_to(FRIEND)) == 1


def test_a_refund_delivered_before_the_payment_cancels_the_gift(buy, stripe_side, post):
    """Paid and refunded in full at once; the refund's events arrive first, the payment's last:
    the gift ends refunded, nobody is emailed a link, and the giver gets no receipt."""
    gift = buy()
    paid = stripe_side.deliveries()
    stripe_side.refund(stripe_side.charge_of(gift.payment_intent_id))
    refunded = stripe_side.deliveries()
    assert "payment_intent.succeeded" in paid.types() and "charge.refunded" in refunded.types()
    deliver(post, refunded)
    assert db.session.scalar(select(Gift.state).where(Gift.id == gift.id)) == GiftState.REFUNDED
    deliver(post, paid)
    db.session.refresh(gift)
    assert gift.state == GiftState.REFUNDED and gift.refunded_at is not None
    assert mail_to(FRIEND) == [] and notice_kinds(buy.giver) == []
    [payment] = db.session.scalars(select(Payment)).all()
    assert (payment.kind, payment.status) == (PaymentKind.GIFT, "refunded")


def test_a_refund_before_redemption_cancels_the_gift_and_its_link(buy, stripe_side, post):
    """Sent, then refunded: the link no longer redeems."""
    gift = buy()
    deliver(post, stripe_side.deliveries())
    stripe_side.refund(stripe_side.charge_of(gift.payment_intent_id))
    deliver(post, stripe_side.deliveries())
    db.session.refresh(gift)
    assert gift.state == GiftState.REFUNDED
    assert gift_redemption.refusal(gift) == "refunded"
    with pytest.raises(GiftRefused):
        gift_redemption.redeem_gift(gift)


def test_a_partial_refund_leaves_the_gift(buy, stripe_side, post):
    """$15 paid, $5 refunded: the gift stands."""
    gift = buy()
    deliver(post, stripe_side.deliveries())
    stripe_side.refund(stripe_side.charge_of(gift.payment_intent_id), 500)
    deliver(post, stripe_side.deliveries())
    assert gift.state == GiftState.SENT


def test_a_refund_after_redemption_ends_the_comp_it_gave(buy, stripe_side, post):
    """Redeemed, then refunded in full: the recipient's comp ends now."""
    gift = buy()
    deliver(post, stripe_side.deliveries())
    redeemed = gift_redemption.redeem_gift(gift)
    assert redeemed.created and membership.perks_for(redeemed.user).member
    stripe_side.refund(stripe_side.charge_of(gift.payment_intent_id))
    deliver(post, stripe_side.deliveries())
    db.session.refresh(redeemed.user.membership)
    assert gift.state == GiftState.REFUNDED
    assert redeemed.user.membership.status == MembershipStatus.LAPSED
    assert not membership.perks_for(redeemed.user).member


def test_a_refund_takes_back_only_the_months_of_that_gift(buy, stripe_side, post):
    """Two gifts of 3 months redeemed one after the other, the first refunded: 3 months are left."""
    first, second = buy(), buy()
    deliver(post, stripe_side.deliveries())
    now = datetime.now(UTC)
    gift_redemption.redeem_gift(first, now)
    redeemed = gift_redemption.redeem_gift(second, now)
    assert redeemed.until == add_months(add_months(now, 3), 3)
    stripe_side.refund(stripe_side.charge_of(first.payment_intent_id))
    deliver(post, stripe_side.deliveries())
    db.session.refresh(redeemed.user.membership)
    left = redeemed.user.membership.comp_until.replace(tzinfo=UTC)
    assert abs(left - add_months(now, 3)) < timedelta(days=4)
    assert redeemed.user.membership.status == MembershipStatus.COMPLIMENTARY


def test_a_donation_made_while_donations_were_called_gifts_is_still_a_donation(
    subscriber, stripe_side, post
):
    """An intent whose metadata says "gift" (before 2026-12) records a donation, no gift."""
    intent = get_gateway().create_donation(
        customer_id=subscriber.stripe_customer_id, amount=700, currency="usd",
        idempotency_key="legacy-gift", metadata={"kind": "gift", "user_key": subscriber.key},
    )  # fmt: skip
    testing.confirm_payment(stripe_side.emulator, intent.client_secret, card_number=OK,
                            publishable_key=stripe_side.gateway.publishable_key)  # fmt: skip
    deliver(post, stripe_side.deliveries())
    [payment] = db.session.scalars(select(Payment)).all()
    assert (payment.kind, payment.amount, payment.status) == (PaymentKind.DONATION, 700, "paid")
    assert db.session.scalars(select(Gift)).all() == []


# Redemption's rules ----------------------------------------------------------------------------------


def test_a_renewing_subscription_keeps_the_gift_for_later(buy, stripe_side, post, make_user):
    """A recipient paying a renewing subscription is not given comp time under it: the gift
    stays sent, the link still works."""
    friend = make_user(FRIEND)
    stripe_side.subscribe(stripe_side.customer(friend, FRIEND))
    gift = buy()
    deliver(post, stripe_side.deliveries())
    assert friend.membership.status == MembershipStatus.ACTIVE
    assert gift_redemption.refusal(gift) == "renewing"
    with pytest.raises(GiftRefused, match="renewing"):
        gift_redemption.redeem_gift(gift)
    db.session.rollback()
    assert gift.state == GiftState.SENT and not friend.membership.comp_granted


def test_a_cancelled_subscription_is_followed_by_the_gift(buy, stripe_side, post, make_user):
    """Cancelled at the period's end: the gift starts when the paid period ends, and the member
    is complimentary once the subscription is over."""
    friend = make_user(FRIEND)
    customer = stripe_side.customer(friend, FRIEND)
    subscription = stripe_side.subscribe(customer)
    stripe_side.cancel_at_period_end(subscription)
    gift = buy(months=1, monthly_amount=100)
    deliver(post, stripe_side.deliveries())
    assert friend.membership.status == MembershipStatus.ENDING
    period_end = friend.membership.current_period_end.replace(tzinfo=UTC)
    redeemed = gift_redemption.redeem_gift(gift)
    assert (redeemed.starts, redeemed.until, redeemed.later) == (
        period_end, add_months(period_end, 1), True
    )  # fmt: skip
    stripe_side.renew(customer, subscription)
    deliver(post, stripe_side.deliveries())
    db.session.refresh(friend.membership)
    assert friend.membership.status == MembershipStatus.COMPLIMENTARY


def test_a_comp_without_end_keeps_the_gift_for_later(buy, stripe_side, post, make_user):
    """Nothing to add to a comp with no end date."""
    friend = make_user(FRIEND)
    membership.apply(friend, CompGrant(until=None), "test")
    gift = buy()
    deliver(post, stripe_side.deliveries())
    assert gift_redemption.refusal(gift) == "no_end"
