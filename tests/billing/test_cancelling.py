"""A cancellation that listens, on production's path (our pages, the real SDK, the Stripe
emulator and its webhooks): the reason recorded, the offers that fit it, a pause resumed by
Stripe's own schedule, and cancelling at once for a reader who just wants to go."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Cancellation, MembershipStatus, Payment
from app.payments import get_gateway
from app.payments.stripe_testmode import StripeTestMode
from app.services import membership
from tests.conftest import csrf_token, page_text
from tests.paying import pay, renew, start

CANCEL = "/en/account/support/cancel"


@pytest.fixture
def reader(make_user, auth):
    user = make_user()
    auth.login()
    return user


def member(client, emulator, amount="100", lang="en"):
    """Pay for a monthly membership of `amount` (minor units) on the support page."""
    done = pay(client, emulator, start(client, lang=lang, amount=amount).headers["Location"])
    assert done.response.status_code == 200


def ask_to_cancel(client, reason=None, comment="", leave=False, lang="en"):
    """Submit the cancel page's form as a reader would."""
    data = {"csrf_token": csrf_token(client, f"/{lang}/account/support/cancel"), "comment": comment}
    if reason:
        data["reason"] = reason
    data["leave" if leave else "next"] = "y"
    return client.post(f"/{lang}/account/support/cancel", data=data)


def take(client, offers_url, offer, lang="en", **fields):
    """Press one offer's button on the offers page (each offer is its own form)."""
    data = {f"{offer}-csrf_token": csrf_token(client, f"/{lang}/account"), f"{offer}-submit": "y"}
    data.update({f"{offer}-{name}": value for name, value in fields.items()})
    return client.post(offers_url, data=data)


def aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seen(response) -> str:
    """The page's text and its buttons' words, amounts without their direction isolates."""
    html = response.get_data(as_text=True)
    buttons = " ".join(re.findall(r'type="submit" value="([^"]*)"', html))
    return (page_text(html) + " " + buttons).replace("\u2066", "").replace("\u2069", "")


def the_cancellation(user) -> Cancellation:
    return db.session.scalar(select(Cancellation).where(Cancellation.user_id == user.id))


def payments(user) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Payment).where(Payment.user_id == user.id)).all()
    return sorted((payment.amount, payment.status) for payment in rows)


def test_a_reader_who_just_wants_to_go_is_cancelled_at_once(client, stripe_emulator, reader):
    """A reason and words given, then "Cancel my membership": ending at the period's end, no
    offer shown, and the reason, words and outcome recorded."""
    member(client, stripe_emulator)
    page = page_text(client.get(CANCEL))
    assert "Why are you cancelling? (optional)" in page
    assert "I need a break for a while" in page
    response = ask_to_cancel(client, "need_a_break", "Back in the spring.", leave=True)
    assert response.headers["Location"].endswith("/en/account")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ENDING
    assert (
        get_gateway().retrieve_subscription(reader.membership.subscription_id).cancel_at_period_end
    )
    cancellation = the_cancellation(reader)
    assert (cancellation.reason, cancellation.comment, cancellation.outcome) == (
        "need_a_break", "Back in the spring.", "cancelled"
    )  # fmt: skip
    assert cancellation.offers == "pause"  # what would have been offered


def test_no_reason_or_one_no_offer_fits_cancels_at_once(client, stripe_emulator, reader):
    """Continue without a reason, or with one that has no offer, cancels at once too."""
    member(client, stripe_emulator)
    response = ask_to_cancel(client, "coverage")
    assert response.headers["Location"].endswith("/en/account")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ENDING
    assert (the_cancellation(reader).reason, the_cancellation(reader).offers) == ("coverage", "")


def test_a_cancellation_saved_by_a_pause_and_resumed_by_stripes_schedule(
    client, stripe_emulator, reader
):
    """A break for two months: perks until the paid period ends, none while paused, both renewals
    in the pause voided (nothing charged), then Stripe resumes collection at resumes_at by itself,
    the membership is active again with its perks, and the next renewal is charged."""
    member(client, stripe_emulator)
    db.session.refresh(reader.membership)
    subscription_id = reader.membership.subscription_id
    paid_until = aware(reader.membership.current_period_end)
    offers = ask_to_cancel(client, "need_a_break", "Exams.")
    offers_url = offers.headers["Location"]
    assert "/en/account/support/cancel/" in offers_url
    page = seen(client.get(offers_url))
    assert "Take a break" in page and "Give a little less" not in page
    assert "No thanks, cancel my membership" in page
    take(client, offers_url, "pause", months="2")

    db.session.refresh(reader.membership)
    paused = reader.membership
    assert paused.status == MembershipStatus.PAUSED
    assert aware(paused.paid_until) == paid_until
    assert membership.perks_for(reader, now=paid_until - timedelta(days=1)).ad_free
    stripe_side = get_gateway().retrieve_subscription(subscription_id)
    assert (stripe_side.status, stripe_side.collection_paused) == ("active", True)
    resumes_at = stripe_side.pause_resumes_at
    assert paid_until + timedelta(days=58) < resumes_at < paid_until + timedelta(days=62)
    assert aware(paused.paused_until) == resumes_at
    account = page_text(client.get("/en/account"))
    assert "Membership paused" in account and "Resume my membership now" in account
    assert (the_cancellation(reader).outcome, the_cancellation(reader).pause_months) == ("pause", 2)

    for _ in range(2):  # the two renewals inside the pause
        renew(client, reader)
        db.session.refresh(reader.membership)
        assert reader.membership.status == MembershipStatus.PAUSED
        latest = get_gateway().retrieve_subscription(subscription_id).latest_invoice_id
        assert get_gateway().retrieve_invoice(latest).status == "void"
    assert aware(reader.membership.paid_until) == paid_until
    assert membership.perks_for(reader, now=paid_until + timedelta(days=1)) == membership.NO_PERKS
    assert payments(reader) == [(100, "paid")]

    test_mode = StripeTestMode(get_gateway())
    clock = test_mode.clock_of(reader.stripe_customer_id)
    test_mode.advance_clock(clock.id, resumes_at + timedelta(minutes=5))
    client.deliver_webhooks()
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    assert (reader.membership.paid_until, reader.membership.paused_until) == (None, None)
    assert membership.perks_for(reader, now=resumes_at + timedelta(minutes=10)).ad_free
    renew(client, reader)
    assert payments(reader) == [(100, "paid"), (100, "paid")]


def test_a_paused_reader_resumes_early_from_the_account_page(client, stripe_emulator, reader):
    """Resuming now from the account page: Stripe's pause is unset, the membership active."""
    member(client, stripe_emulator)
    offers_url = ask_to_cancel(client, "too_expensive").headers["Location"]
    take(client, offers_url, "pause", months="1")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.PAUSED
    client.post(
        "/en/account/support/resume", data={"csrf_token": csrf_token(client, "/en/account")}
    )
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE
    subscription = get_gateway().retrieve_subscription(reader.membership.subscription_id)
    assert not subscription.collection_paused and subscription.paid_until is None
    renew(client, reader)
    assert payments(reader) == [(100, "paid"), (100, "paid")]


def test_a_cancellation_saved_by_a_lower_amount(client, stripe_emulator, reader):
    """$5 a month, too expensive: $2 or $1 offered, $1 taken from the next payment on (nothing
    charged now), and the next renewal charges $1."""
    member(client, stripe_emulator, amount="500")
    offers_url = ask_to_cancel(client, "too_expensive").headers["Location"]
    page = seen(client.get(offers_url))
    assert "Give a little less" in page and "Take a break" in page
    assert "$2 a month" in page and "$1 a month" in page
    response = take(client, offers_url, "lower", amount="100")
    assert response.headers["Location"].endswith("/en/account")
    db.session.refresh(reader.membership)
    assert (reader.membership.status, reader.membership.amount) == (MembershipStatus.ACTIVE, 100)
    assert payments(reader) == [(500, "paid")]
    cancellation = the_cancellation(reader)
    assert (cancellation.outcome, cancellation.amount, cancellation.new_amount) == (
        "lower",
        500,
        100,
    )
    renew(client, reader)
    assert payments(reader) == [(100, "paid"), (500, "paid")]


def test_an_amount_that_was_not_offered_changes_nothing(client, stripe_emulator, reader):
    """Only the amounts offered can be taken: another one is refused and the offers stay open."""
    member(client, stripe_emulator, amount="500")
    offers_url = ask_to_cancel(client, "too_expensive").headers["Location"]
    response = take(client, offers_url, "lower", amount="300")
    assert response.status_code == 200  # the form's own choices refuse it
    db.session.refresh(reader.membership)
    assert reader.membership.amount == 500 and the_cancellation(reader).outcome == "asked"


def test_a_cancellation_saved_by_switching_to_annual(client, stripe_emulator, reader):
    """Monthly charges: annual offered, taken: $12 a year charged now less the unused month."""
    member(client, stripe_emulator)
    offers_url = ask_to_cancel(client, "monthly_charges").headers["Location"]
    page = seen(client.get(offers_url))
    assert "Pay once a year" in page and "$12 a year" in page
    take(client, offers_url, "annual")
    db.session.refresh(reader.membership)
    assert (reader.membership.status, reader.membership.interval, reader.membership.amount) == (
        MembershipStatus.ACTIVE, "year", 1200
    )  # fmt: skip
    assert the_cancellation(reader).outcome == "annual"
    paid = payments(reader)
    assert len(paid) == 2 and 1100 <= paid[1][0] <= 1200


def test_no_thanks_on_the_offers_page_cancels(client, stripe_emulator, reader):
    """The offers page's last button cancels at the end of the period."""
    member(client, stripe_emulator)
    offers_url = ask_to_cancel(client, "reading_less").headers["Location"]
    take(client, offers_url, "leave")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ENDING
    assert the_cancellation(reader).outcome == "cancelled"
    assert client.get(offers_url).headers["Location"].endswith("/en/account")  # answered


def test_an_annual_member_is_offered_no_pause(client, stripe_emulator, reader):
    """A pause would skip a whole year: an annual member who needs a break has no offer, and
    "Continue" cancels."""
    member(client, stripe_emulator)
    token = csrf_token(client, "/en/account/support/change")
    client.post("/en/account/support/change",
                data={"frequency": "annual", "amount": "1", "csrf_token": token})  # fmt: skip
    response = ask_to_cancel(client, "need_a_break")
    assert response.headers["Location"].endswith("/en/account")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ENDING


def test_another_readers_cancellation_is_not_theirs(client, stripe_emulator, reader, make_user,
                                                    auth):  # fmt: skip
    """The offers page of someone else's cancellation shows nothing and changes nothing."""
    member(client, stripe_emulator)
    offers_url = ask_to_cancel(client, "need_a_break").headers["Location"]
    auth.logout()
    make_user("other@example.org")
    auth.login(email="other@example.org")
    assert client.get(offers_url).headers["Location"].endswith("/en/account")
    take(client, offers_url, "pause", months="1")
    db.session.refresh(reader.membership)
    assert reader.membership.status == MembershipStatus.ACTIVE


def test_the_cancellation_pages_in_arabic(client, stripe_emulator, reader):
    """Arabic: the reasons, the offers and the paused account page, right to left."""
    member(client, stripe_emulator, lang="ar")
    page = client.get("/ar/account/support/cancel").get_data(as_text=True)
    assert 'dir="rtl"' in page and "لماذا تلغي عضويتك؟ (اختياري)" in page
    assert "أحتاج إلى استراحة لبعض الوقت" in page_text(page)
    offers_url = ask_to_cancel(client, "need_a_break", lang="ar").headers["Location"]
    assert "خذ استراحة" in page_text(client.get(offers_url))
    response = take(client, offers_url, "pause", lang="ar", months="3")
    assert response.headers["Location"].endswith("/ar/account")
    account = page_text(client.get("/ar/account"))
    assert "العضوية موقوفة مؤقتًا" in account and "استئناف عضويتي الآن" in account
